"""The portal's Celery app: JSON only, tasks discovered in every installed app.

Without REDIS_URL the settings make every task run eagerly in the calling process.
"""

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


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
    from portal.tasks import worker_heartbeat

    worker_heartbeat.delay()
