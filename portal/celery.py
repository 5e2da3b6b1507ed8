"""The portal's Celery app: JSON only, tasks discovered in every installed app.

Without REDIS_URL the settings make every task run eagerly in the calling process.
"""

import mmap
import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# One byte of memory shared with the pool processes, which the worker's main process forks after
# importing this module. The main process alone receives SIGTERM from `docker stop` or
# Kubernetes; the byte tells the pool's send tasks, which then stop between two messages and
# give the rest of their batch back instead of holding the shutdown up (portal/outbox/send.py).
_shutting_down = mmap.mmap(-1, 1)


@signals.worker_shutting_down.connect
def _shutdown_announced(**kwargs) -> None:
    _shutting_down[0] = 1


def worker_shutting_down() -> bool:
    """Whether the worker this process belongs to has begun a warm or cold shutdown."""
    return _shutting_down[0] == 1


@signals.task_prerun.connect
def _database_connections_checked(task=None, **kwargs) -> None:
    """Before each task, what Django does before each request: drop broken or old connections.

    Celery's Django fix-up would otherwise close every connection before and after every task
    (CELERY_DB_REUSE_MAX in settings turns that off), costing a new PostgreSQL connection per
    task; CONN_MAX_AGE and the health checks decide instead, as they do for web requests.
    """
    from django.db import connections

    if task is not None and getattr(task.request, "is_eager", False):
        return  # in the caller's process, inside the caller's transaction
    for connection in connections.all(initialized_only=True):
        connection.close_if_unusable_or_obsolete()


@signals.worker_ready.connect
def _heartbeat_on_start(sender=None, **kwargs) -> None:
    """A freshly started worker says so through the queue at once, not after the first beat."""
    app.tasks["portal.tasks.worker_heartbeat"].delay()
