"""A private `redis-server` on a free loopback port, without persistence, that can be killed.

For the broker-fault tests and the benchmark, which must not restart or flush the machine's
shared Redis:

    with RedisServer() as server:
        server.url                 # redis://127.0.0.1:<port>/0
        server.kill()              # SIGKILL: every queued and unacknowledged message is gone
        server.start()             # the same port again, empty, with a new run id
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import time

from tests.smtp_sink import free_port


class RedisServer:
    def __init__(self) -> None:
        self.binary = shutil.which("redis-server")
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def available(self) -> bool:
        return self.binary is not None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def __enter__(self) -> RedisServer:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.kill()

    def start(self, timeout: float = 10) -> None:
        import redis

        assert self.binary, "redis-server is not installed"
        command = [self.binary, "--bind", "127.0.0.1", "--port", str(self.port)]
        command += ["--save", "", "--appendonly", "no", "--daemonize", "no"]
        self.process = subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=1)
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                with contextlib.suppress(redis.RedisError):
                    if client.ping():
                        return
                time.sleep(0.05)
        finally:
            client.close()
        raise RuntimeError(f"redis-server did not answer on port {self.port}")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self.process = None
