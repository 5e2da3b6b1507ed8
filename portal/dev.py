"""The launcher behind `make run` and `make test`.

It owns the embedded PostgreSQL (when DATABASE_URL is unset): it starts the server, hands its
URL to every child process through DATABASE_URL, and stops it when the children are done.

    python -m portal.dev run           migrate, compile translations, seed demo data, serve
    python -m portal.dev test [ARGS]   run pytest with ARGS; exits with pytest's code
    python -m portal.dev db-stop       stop the embedded PostgreSQL
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


LAUNCHERS = BASE_DIR / ".data" / "launchers"


def _live_launchers() -> list[Path]:
    """Pid files of launchers (make run, make test) that are still alive."""
    alive = []
    for pid_file in LAUNCHERS.glob("*.pid"):
        try:
            os.kill(int(pid_file.stem), 0)
        except (ValueError, ProcessLookupError):
            pid_file.unlink(missing_ok=True)
            continue
        except PermissionError:
            pass
        alive.append(pid_file)
    return alive


@contextlib.contextmanager
def _database():
    """Provide DATABASE_URL to every child: the given one, or the embedded server's.

    The embedded server is stopped on the way out by the last launcher using it, unless it
    was already running before any launcher started it (then someone else owns it).
    Yields whether the embedded server is used.
    """
    if os.environ.get("DATABASE_URL"):
        yield False
        return
    from portal import embedded_db

    LAUNCHERS.mkdir(parents=True, exist_ok=True)
    owned = embedded_db.is_running() is False or bool(_live_launchers())
    server = embedded_db.start()
    os.environ["DATABASE_URL"] = embedded_db.url_for(server)
    me = LAUNCHERS / f"{os.getpid()}.pid"
    me.touch()
    try:
        yield True
    finally:
        me.unlink(missing_ok=True)
        if owned and not _live_launchers():
            embedded_db.stop(server)


def _manage(*args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=BASE_DIR, check=True)


def _banner(lines: list[str]) -> None:
    width = max(len(line) for line in lines) + 4
    print("=" * width)
    for line in lines:
        print(f"  {line}")
    print("=" * width, flush=True)


def run() -> int:
    os.environ.setdefault("DJANGO_DEBUG", "1")
    # `kill` (SIGTERM) stops everything as Ctrl-C (SIGINT) does.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        with _database() as embedded:
            return _serve(embedded)
    except KeyboardInterrupt:
        return 0


def _serve(embedded: bool) -> int:
    _manage("migrate", "--noinput")
    _manage("compile_translations")
    _manage("seed_demo")
    _manage("demo_staff")

    redis_url = os.environ.get("REDIS_URL")
    commands = [[PYTHON, "manage.py", "runserver", "127.0.0.1:8000"]]
    if redis_url:
        commands += [
            [
                PYTHON,
                "-m",
                "celery",
                "-A",
                "portal",
                "worker",
                "-Q",
                "celery,mail",
                "--concurrency",
                "2",
                "-l",
                "info",
            ],
            [
                PYTHON,
                "-m",
                "celery",
                "-A",
                "portal",
                "beat",
                "-l",
                "info",
                "--schedule",
                str(BASE_DIR / ".data" / "celerybeat-schedule"),
            ],
        ]
    _banner(
        [
            "Samverkansportalen: http://127.0.0.1:8000  (English: http://127.0.0.1:8000/en/)",
            "Admin: http://127.0.0.1:8000/admin/ (demo staff login and second factor above)",
            "Database: " + ("embedded PostgreSQL in .data/pg" if embedded else "DATABASE_URL"),
            (
                f"Broker: Redis at {redis_url}; Celery worker and beat are running"
                if redis_url
                else "Broker: none (REDIS_URL unset) - tasks run eagerly in the web process"
            ),
            "Email: printed in this terminal (console backend)",
            "Stop everything with Ctrl-C.",
        ]
    )
    children = [subprocess.Popen(cmd, cwd=BASE_DIR) for cmd in commands]
    try:
        while all(child.poll() is None for child in children):
            with contextlib.suppress(subprocess.TimeoutExpired):
                children[0].wait(timeout=1)
    except KeyboardInterrupt:
        pass
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
        print(
            "Stopped the portal" + (" and the embedded database." if embedded else "."), flush=True
        )
    return 0


def test(args: list[str]) -> int:
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal.test_settings"
    # One test database per run, so that two runs on one server never collide.
    os.environ.setdefault("DJANGO_TEST_DATABASE", f"test_portal_{os.getpid()}")
    with _database():
        _manage("compile_translations")
        return subprocess.run([PYTHON, "-m", "pytest", *args], cwd=BASE_DIR).returncode


def db_stop() -> int:
    from portal import embedded_db

    if not embedded_db.is_running():
        print("The embedded database is not running.")
        return 0
    embedded_db.stop(embedded_db.start())
    print("Stopped the embedded database.")
    return 0


def main() -> int:
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "run":
        return run()
    if command == "test":
        return test(sys.argv[2:])
    if command == "db-stop":
        return db_stop()
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
