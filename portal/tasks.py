"""Celery tasks of the portal itself (the outbox's are in portal/outbox/tasks.py)."""

from celery import shared_task

from . import health


@shared_task
def worker_heartbeat() -> None:
    """Periodic (CELERY_BEAT_SCHEDULE): stamp the time, so /healthz sees workers take tasks."""
    health.worker_heartbeat_stamp()
