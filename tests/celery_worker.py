"""A real `celery -A portal worker` in a child process, for the broker tests and the benchmark."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote

from django.conf import settings

BASE_DIR = Path(__file__).resolve().parents[1]


def database_url() -> str:
    """DATABASE_URL of the database this process uses now (the test database in a test)."""
    db = settings.DATABASES["default"]
    credentials = quote(db.get("USER") or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = quote(db.get("HOST") or "", safe="")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{credentials}@{host}{port}/{db['NAME']}"


def peak_rss_kib(pid: int) -> int:
    """The process's peak resident set size (VmHWM), in KiB; 0 when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class Worker:
    """A `celery -A portal worker` process (and its pool) against the test database."""

    def __init__(
        self,
        *,
        redis_url: str,
        email_url: str,
        env: dict[str, str] | None = None,
        beat: bool = False,
        concurrency: int = 2,
        loglevel: str = "info",
    ):
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed in stop()
            prefix="outbox-worker-", suffix=".log", delete=False
        )
        self.schedule = Path(tempfile.mkdtemp(prefix="outbox-beat-")) / "schedule"
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "portal",
            "worker",
            "-Q",
            "mail,celery",
            "--concurrency",
            str(concurrency),
            "--pool",
            "prefork",
            "-l",
            loglevel,
            "-n",
            f"outbox-test-{uuid.uuid4().hex[:8]}@%h",
            "--without-gossip",
            "--without-mingle",
        ]
        if beat:
            command += ["--beat", "--schedule", str(self.schedule)]
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "DJANGO_TESTING": "1",
            "DATABASE_URL": database_url(),
            "DATABASE_CONN_MAX_AGE": "0",
            "REDIS_URL": redis_url,
            "EMAIL_URL": email_url,
            **(env or {}),
        }
        self.process = subprocess.Popen(
            command,
            cwd=BASE_DIR,
            env=environment,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            # Its own process group, so SIGKILL reaches the pool processes too.
            start_new_session=True,
        )

    def kill(self) -> None:
        """SIGKILL the worker and its pool at once, as a lost machine or the OOM killer would."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def terminate(self, *, group: bool, timeout: float = 60) -> float:
        """SIGTERM, as a redeploy sends it; the seconds until the worker had exited.

        `group=False` signals the main process only (`docker stop`, Kubernetes); `group=True`
        every process of the worker (systemd's default KillMode, `kill -TERM -<pgid>`).
        """
        started = time.monotonic()
        if group:
            os.killpg(self.process.pid, signal.SIGTERM)
        else:
            self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout)
        return time.monotonic() - started

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()
        # Pool processes that outlived their parent.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)
        shutil.rmtree(self.schedule.parent, ignore_errors=True)

    def pids(self) -> list[int]:
        """The worker's main process and its pool processes."""
        try:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
            return [self.process.pid, *map(int, children.read_text().split())]
        except OSError:
            return [self.process.pid]

    def output(self, tail: int | None = 6000) -> str:
        text = Path(self.log.name).read_text(errors="replace")
        return text[-tail:] if tail else text
