"""Checks behind /healthz: the database, the broker, and the Celery worker's heartbeat.

/healthz must answer quickly however PostgreSQL behaves, also when it takes TCP connections and
never replies. So the database is probed on a connection of its own (never the request's, which
may be stuck), with a short connect and statement timeout, in a thread the view waits for at
most HEALTHZ_DATABASE_TIMEOUT seconds.
"""

from __future__ import annotations

import datetime as dt
import threading

import psycopg
from django.conf import settings
from django.db import connections
from django.utils import timezone

HEARTBEAT_KEY = "portal:worker-heartbeat"
# psycopg's shortest connect timeout (libpq's rule); a probe thread never outlives it by much.
PROBE_CONNECT_TIMEOUT = 2
PROBE_STATEMENT_TIMEOUT_MS = 1000
# OPTIONS keys that are Django's, not libpq's.
_DJANGO_OPTIONS = {"isolation_level", "assume_role", "pool", "server_side_binding"}

# One probe at a time per process: when the database hangs, later checks do not pile up threads.
_probe_lock = threading.Lock()


def _probe(settings_dict: dict, result: dict) -> None:
    options = {
        key: value
        for key, value in (settings_dict.get("OPTIONS") or {}).items()
        if key not in _DJANGO_OPTIONS
    }
    params = {
        **options,
        "dbname": settings_dict["NAME"],
        "user": settings_dict.get("USER") or None,
        "password": settings_dict.get("PASSWORD") or None,
        "host": settings_dict.get("HOST") or None,
        "port": settings_dict.get("PORT") or None,
        "connect_timeout": PROBE_CONNECT_TIMEOUT,
        "options": f"-c statement_timeout={PROBE_STATEMENT_TIMEOUT_MS}",
    }
    params = {key: value for key, value in params.items() if value is not None}
    try:
        with psycopg.connect(autocommit=True, **params) as probe:
            probe.execute("SELECT 1").fetchone()
    except psycopg.Error:
        result["state"] = "unavailable"
    else:
        result["state"] = "ok"
    finally:
        _probe_lock.release()


def database_state(alias: str = "default") -> str:
    """Whether PostgreSQL answered within HEALTHZ_DATABASE_TIMEOUT: "ok" or "unavailable"."""
    if not _probe_lock.acquire(blocking=False):
        return "unavailable"  # the previous probe is still waiting for the server
    result: dict[str, str] = {}
    thread = threading.Thread(
        target=_probe,
        args=(dict(connections[alias].settings_dict), result),
        name="healthz-database-probe",
        daemon=True,
    )
    thread.start()
    thread.join(settings.HEALTHZ_DATABASE_TIMEOUT)
    return result.get("state", "unavailable")


def _redis():
    import redis

    return redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)


def broker_state() -> str:
    if not settings.REDIS_URL:
        return "eager"
    import redis

    try:
        _redis().ping()
    except redis.RedisError:
        return "unavailable"
    return "ok"


def worker_heartbeat_stamp(*, now: dt.datetime | None = None) -> None:
    """Record that a worker ran a task now (the heartbeat task calls this)."""
    if not settings.REDIS_URL:
        return
    moment = now or timezone.now()
    # Kept in the broker's Redis, beside the work it vouches for, not in the cache.
    _redis().set(HEARTBEAT_KEY, moment.isoformat())


def worker_heartbeat() -> dt.datetime | None:
    """When a worker last stamped the heartbeat (None: never, or Redis does not answer)."""
    import redis

    try:
        value = _redis().get(HEARTBEAT_KEY)
    except redis.RedisError:
        return None
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(value.decode())
    except ValueError:
        return None


def worker_state(last: dt.datetime | None, *, now: dt.datetime | None = None) -> str:
    """ "eager" without a broker, "ok" with a recent heartbeat, else "late"."""
    if not settings.REDIS_URL:
        return "eager"
    if last is None:
        return "late"
    age = ((now or timezone.now()) - last).total_seconds()
    return "ok" if age <= settings.WORKER_LATE_AFTER_SECONDS else "late"
