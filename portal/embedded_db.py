"""The embedded PostgreSQL used when DATABASE_URL is unset.

A real PostgreSQL server from the `pgserver` package, with its data under `.data/pg`, so that a
fresh machine needs neither Docker nor a system database. It listens on a Unix socket only.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path
from urllib.parse import quote

DATA_DIR = Path(__file__).resolve().parent.parent / ".data" / "pg"


def start(*, stop_on_exit: bool = False):
    """Start (or attach to) the embedded server and return its handle.

    With `stop_on_exit` the server is stopped when the last process that attached with it
    exits; otherwise it keeps running for the next command.
    """
    # platformdirs warns when XDG_RUNTIME_DIR is unset (servers, CI) and falls back to /tmp.
    warnings.filterwarnings("ignore", module="platformdirs")
    import pgserver

    # pgserver logs every step at INFO; the launcher prints what matters.
    logging.getLogger("pgserver").setLevel(logging.WARNING)
    DATA_DIR.parent.mkdir(parents=True, exist_ok=True)
    return pgserver.get_server(DATA_DIR, cleanup_mode="stop" if stop_on_exit else None)


def url_for(server, database: str = "postgres") -> str:
    """A DATABASE_URL for the server's Unix socket."""
    socket_dir = server.get_postmaster_info().socket_dir
    return f"postgres://postgres@{quote(str(socket_dir), safe='')}/{database}"


def database_url() -> str:
    return url_for(start())
