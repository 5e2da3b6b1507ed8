"""The embedded PostgreSQL used when DATABASE_URL is unset.

A real PostgreSQL server from the `pgserver` package, with its data under `.data/pg`, so that a
fresh machine needs neither Docker nor a system database. It listens on a Unix socket only.
Whoever starts it decides when it stops (see portal/dev.py); a process that merely attaches
leaves it running.
"""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path
from urllib.parse import quote

DATA_DIR = Path(__file__).resolve().parent.parent / ".data" / "pg"


def _pgserver():
    # platformdirs warns when XDG_RUNTIME_DIR is unset (servers, CI) and falls back to /tmp.
    warnings.filterwarnings("ignore", module="platformdirs")
    import pgserver

    # pgserver logs every step at INFO; the launcher prints what matters.
    logging.getLogger("pgserver").setLevel(logging.WARNING)
    return pgserver


def is_running() -> bool:
    """Whether a server is already running on the data directory."""
    pid_file = DATA_DIR / "postmaster.pid"
    if not pid_file.exists():
        return False
    try:
        pid = int(pid_file.read_text().split("\n", 1)[0])
        os.kill(pid, 0)
    except (ValueError, ProcessLookupError, PermissionError):
        return False
    return True


def start():
    """Start (or attach to) the embedded server and return its handle."""
    DATA_DIR.parent.mkdir(parents=True, exist_ok=True)
    return _pgserver().get_server(DATA_DIR, cleanup_mode=None)


def stop(server) -> None:
    """Stop the server, waiting until it has shut down."""
    _pgserver().pg_ctl(["-w", "-m", "fast", "stop"], pgdata=DATA_DIR, user=server.system_user)


def url_for(server, database: str = "postgres") -> str:
    """A DATABASE_URL for the server's Unix socket."""
    socket_dir = server.get_postmaster_info().socket_dir
    return f"postgres://postgres@{quote(str(socket_dir), safe='')}/{database}"


def database_url() -> str:
    return url_for(start())
