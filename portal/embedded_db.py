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

# EMBEDDED_PG_DATA moves it (a second checkout, a test of the launcher).
DATA_DIR = Path(
    os.environ.get("EMBEDDED_PG_DATA") or Path(__file__).resolve().parent.parent / ".data" / "pg"
)


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


def running_url(database: str = "postgres") -> str:
    """The URL of the embedded server if it runs, else where it would listen; starts nothing.

    The settings use this when DATABASE_URL is unset: importing them must not start a server
    (only the launcher, portal/dev.py, does). A process that connects while the server is down
    gets PostgreSQL's "no such file" error for the socket, which names this directory.
    """
    socket_dir = DATA_DIR
    if is_running():
        # postmaster.pid: pid, data directory, start time, port, socket directory, ...
        lines = (DATA_DIR / "postmaster.pid").read_text().splitlines()
        if len(lines) > 4 and lines[4].strip():
            socket_dir = Path(lines[4].strip())
    return f"postgres://postgres@{quote(str(socket_dir), safe='')}/{database}"
