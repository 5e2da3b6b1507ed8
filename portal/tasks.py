"""Celery tasks of the outbox: thin adapters over portal.services."""

from celery import shared_task
from django.conf import settings

from . import health, services

# Killed before its lease ends, so a live worker never sends a row the redrive took back.
SEND_TIME_LIMIT = min(settings.CELERY_TASK_TIME_LIMIT, int(settings.MAIL_LEASE_SECONDS * 0.9))


@shared_task(
    acks_late=True,
    time_limit=SEND_TIME_LIMIT,
    soft_time_limit=max(1, int(SEND_TIME_LIMIT * 0.8)),
)
def email_send(ids: list[int]) -> dict[str, int]:
    """Send the due, queued outbox rows among `ids` (routed to the `mail` queue).

    Idempotent: rows already sent or claimed by another worker are skipped. Transient SMTP
    failures are retried by new tasks with a countdown, not by retrying this one, because each
    row of the batch has its own backoff.
    """
    # Rows written with render_later are rendered here, by the worker, not in the request.
    services.email_render_pending(ids)
    return vars(services.email_send_batch(ids))


@shared_task(acks_late=True)
def mailout_fanout(mailout_id: int, start: int) -> int:
    """Write one chunk of a mail-out's outbox rows and publish their sends (`mail` queue)."""
    return services.mailout_fanout_chunk(mailout_id=mailout_id, start=start)


@shared_task
def email_redrive() -> dict[str, int]:
    """Periodic (CELERY_BEAT_SCHEDULE): recover rows whose worker or broker message was lost."""
    return services.email_redrive()


@shared_task
def worker_heartbeat() -> None:
    """Periodic (CELERY_BEAT_SCHEDULE): stamp the time, so /healthz sees workers take tasks."""
    health.worker_heartbeat_stamp()
