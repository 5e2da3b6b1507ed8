"""Celery tasks of the outbox: thin adapters over its modules.

They are published by name (portal/outbox/publish.py, CELERY_TASK_ROUTES and the beat schedule
in settings), and the names are those they had when they lived in portal/tasks.py: a message
already in the broker when a new release starts must still find its task.
"""

from celery import shared_task
from django.conf import settings

from . import enqueue, redrive, send

# A batch starts no new send after half its soft time limit; the rest is margin for the send in
# flight (EMAIL_TIMEOUT per SMTP command). Its rows' leases are renewed meanwhile, so the time
# limit, not the lease, bounds how long a live worker holds them.
SEND_SOFT_TIME_LIMIT = settings.CELERY_TASK_SOFT_TIME_LIMIT


@shared_task(name="portal.tasks.email_send", acks_late=True)
def email_send(ids: list[int]) -> dict[str, int]:
    """Send the due, queued outbox rows among `ids` (routed to the `mail` queue).

    Idempotent: rows already sent or claimed by another worker are skipped. Transient SMTP
    failures are retried by new tasks with a countdown, not by retrying this one, because each
    row of the batch has its own backoff.
    """
    # Rows written with render_later are rendered here, by the worker, not in the request.
    enqueue.email_render_pending(ids)
    return vars(send.email_send_batch(ids, time_budget=SEND_SOFT_TIME_LIMIT / 2))


@shared_task(name="portal.tasks.mailout_fanout", acks_late=True)
def mailout_fanout(mailout_id: int, start: int) -> int:
    """Write one chunk of a mail-out's outbox rows and publish their sends (`mail` queue)."""
    return enqueue.mailout_fanout_chunk(mailout_id=mailout_id, start=start)


@shared_task(name="portal.tasks.email_redrive")
def email_redrive() -> dict[str, int]:
    """Periodic (CELERY_BEAT_SCHEDULE): recover rows whose worker or broker message was lost."""
    return redrive.email_redrive()
