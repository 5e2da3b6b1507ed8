"""Fixtures of the outbox tests: an SMTP sink on loopback, and Celery on a real broker."""

from __future__ import annotations

import contextlib

import pytest

from tests.celery_worker import Worker
from tests.redis_server import RedisServer
from tests.smtp_sink import SmtpSink


@pytest.fixture
def smtp_sink():
    with SmtpSink() as sink:
        yield sink


@pytest.fixture
def smtp_settings(settings, smtp_sink):
    """Send through Django's SMTP backend to the sink."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = smtp_sink.host
    settings.EMAIL_PORT = smtp_sink.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    return settings


@pytest.fixture
def broker(redis_url):
    """This process publishes to the real broker (an empty Redis database) for the test."""
    with _publishing_to(redis_url):
        yield redis_url


@pytest.fixture
def private_redis():
    """A redis-server of the test's own, which the test may kill and start again.

    Skips without the `redis-server` binary, unless REQUIRE_REDIS=1, where that fails.
    """
    from tests.conftest import _required

    server = RedisServer()
    if not server.available:
        if _required("REQUIRE_REDIS"):
            pytest.fail("REQUIRE_REDIS=1 but redis-server is not installed")
        pytest.skip("redis-server is not installed")
    with server, _publishing_to(server.url):
        yield server


@contextlib.contextmanager
def _publishing_to(redis_url: str):
    import redis

    from portal.celery import app

    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    saved = {key: app.conf[key] for key in ("task_always_eager", "broker_url")}
    app.conf.update(task_always_eager=False, broker_url=redis_url)
    _reset_producer_pools(app)
    try:
        yield
    finally:
        app.conf.update(saved)
        _reset_producer_pools(app)
        with contextlib.suppress(redis.RedisError):
            client.flushdb()
        client.close()


def _reset_producer_pools(app) -> None:
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def start_worker(transactional_db, smtp_sink, request):
    """Start workers with start_worker(env={...}, beat=False); all are stopped afterwards.

    They use the `broker` fixture's Redis unless given another `redis_url`.
    """
    workers: list[Worker] = []

    def start(
        *, env: dict[str, str] | None = None, beat: bool = False, redis_url: str | None = None
    ) -> Worker:
        url = redis_url or request.getfixturevalue("broker")
        worker = Worker(redis_url=url, email_url=smtp_sink.url, env=env or {}, beat=beat)
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()
