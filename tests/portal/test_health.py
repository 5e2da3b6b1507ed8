"""/healthz: database, broker and worker; 200 while the database answers, else 503."""

from __future__ import annotations

import contextlib
import datetime as dt
import socket
import threading
import time

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from portal import health
from portal.tasks import worker_heartbeat

pytestmark = pytest.mark.django_db


class SilentServer:
    """A "PostgreSQL" that accepts TCP connections and then never says a word."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        self.listener.settimeout(0.1)
        while not self._stop.is_set():
            with contextlib.suppress(TimeoutError):
                conn, _address = self.listener.accept()
                self.accepted.append(conn)  # held open, never answered

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self.thread.join(2)
        for conn in self.accepted:
            conn.close()
        self.listener.close()


@pytest.fixture
def hanging_database(monkeypatch):
    """The health check's database settings point at a server that never answers."""
    with SilentServer() as server:
        monkeypatch.setitem(connection.settings_dict, "HOST", "127.0.0.1")
        monkeypatch.setitem(connection.settings_dict, "PORT", str(server.port))
        yield server
        # Let the probe thread hit its connect timeout and go before the next test.
        time.sleep(health.PROBE_CONNECT_TIMEOUT + 0.2)


@pytest.fixture
def heartbeat_redis(redis_url, settings):
    """A broker (REDIS_URL) for the worker checks, with no heartbeat in it."""
    import redis

    settings.REDIS_URL = redis_url
    client = redis.Redis.from_url(redis_url)
    client.delete(health.HEARTBEAT_KEY)
    yield client
    client.delete(health.HEARTBEAT_KEY)
    client.close()


@override_settings(REDIS_URL="")
def test_healthy_database_gives_200(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"
    assert response.json()["status"] == "ok"
    assert response["Cache-Control"].startswith("max-age=0")


@override_settings(REDIS_URL="")
def test_without_a_broker_tasks_are_reported_eager(client):
    data = client.get("/healthz").json()
    assert data["broker"] == "eager"
    assert data["worker"] == "eager"
    assert data["status"] == "ok"


@override_settings(REDIS_URL="redis://127.0.0.1:1/0")
def test_unreachable_broker_is_reported_but_does_not_fail_health(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["broker"] == "unavailable"
    assert response.json()["worker"] == "unknown"
    assert response.json()["status"] == "degraded"


def test_a_database_that_never_answers_gives_503_within_two_seconds(client, hanging_database):
    """PostgreSQL takes the connection and hangs: /healthz says 503 in time, it does not hang."""
    started = time.monotonic()
    response = client.get("/healthz")
    elapsed = time.monotonic() - started
    assert hanging_database.accepted, "the check never reached the silent server"
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"
    assert response.json()["status"] == "unavailable"
    assert elapsed < 2.5


def test_repeated_checks_against_a_hanging_database_start_no_pile_of_threads(
    client, hanging_database
):
    for _check in range(5):
        assert client.get("/healthz").status_code == 503
    probes = [t for t in threading.enumerate() if t.name == "healthz-database-probe"]
    assert len(probes) <= 1


def test_web_connections_have_connect_and_statement_timeouts():
    """Every web request's connection gives up connecting and lets the server cancel slow
    statements, so a stuck database costs a request seconds, not a gunicorn timeout."""
    options = connection.settings_dict["OPTIONS"]
    assert options["connect_timeout"] == 5
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "30s"


def test_a_statement_over_the_timeout_is_cancelled_by_the_server():
    from django.db import OperationalError, transaction

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = 200")
        with pytest.raises(OperationalError, match="statement timeout"), transaction.atomic():
            cursor.execute("SELECT pg_sleep(2)")


def test_the_heartbeat_task_makes_the_worker_ok(client, heartbeat_redis):
    data = client.get("/healthz").json()
    assert data["worker"] == "late"  # never seen
    assert data["status"] == "degraded"
    worker_heartbeat.delay()
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["worker"] == "ok"
    assert response.json()["status"] == "ok"
    assert response.json()["worker_heartbeat"] is not None


def test_a_stale_heartbeat_is_late_but_pages_still_serve(client, heartbeat_redis, settings):
    """A worker silent for longer than WORKER_LATE_AFTER_SECONDS is "late": mail waits, pages
    do not, so the answer stays 200 with status "degraded"."""
    old = timezone.now() - dt.timedelta(seconds=settings.WORKER_LATE_AFTER_SECONDS + 5)
    health.worker_heartbeat_stamp(now=old)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["worker"] == "late"
    assert response.json()["status"] == "degraded"
    assert response.json()["worker_heartbeat"] == old.isoformat()


def test_the_heartbeat_is_a_scheduled_periodic_task(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["worker-heartbeat"]
    assert entry["task"] == "portal.tasks.worker_heartbeat"
    assert entry["schedule"] < settings.WORKER_LATE_AFTER_SECONDS
