"""Recovery: rows whose worker died or whose task message was lost, stalled fan-outs, and
the staff's retry of failed rows."""

from __future__ import annotations

import datetime as dt
import functools
import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from ..celery import app as celery_app
from . import publish
from .models import MailOut, OutgoingEmail

if TYPE_CHECKING:
    import redis

logger = logging.getLogger(__name__)

REDRIVE_LIMIT = 10_000
# Where the redrive keeps the broker's Redis run id, in the broker's own database: a new run id
# (a restart) or no key at all (a restart without persistence, a flush) means the broker lost
# the task messages it held.
BROKER_RUN_ID_KEY = "portal:outbox:broker-run-id"


Status = OutgoingEmail.Status


def email_redrive() -> dict[str, int]:
    """Take back rows left "sending" past their lease and republish stale queued rows.

    A row is "sending" past its lease only when its worker process died (or was killed by its
    time limit): a live one renews it. A queued, due row whose task was published
    MAIL_REDRIVE_AFTER_SECONDS ago lost its broker message (or waits behind a long queue, where
    one more task message is harmless). When the broker has lost its messages since the last
    run (a Redis restart), every queued, due row and every unfinished fan-out counts as lost
    at once.
    """
    now = timezone.now()
    stale_before = now - timedelta(seconds=settings.MAIL_REDRIVE_AFTER_SECONDS)
    broker_lost_messages = _broker_lost_messages()
    if broker_lost_messages:
        stale_before = now
    with transaction.atomic():
        released = list(
            OutgoingEmail.objects.select_for_update(skip_locked=True)
            .filter(status=Status.SENDING, lease_until__lt=now)
            .values_list("pk", flat=True)[:REDRIVE_LIMIT]
        )
        OutgoingEmail.objects.filter(pk__in=released, status=Status.SENDING).update(
            status=Status.QUEUED,
            lease_until=None,
            next_attempt_at=now,
            last_error="Taken back by the redrive: its worker did not finish (lease expired).",
        )
        stale = list(
            OutgoingEmail.objects.select_for_update(skip_locked=True)
            .due(now)
            .filter(enqueued_at__lt=stale_before)
            .order_by("pk")
            .values_list("pk", flat=True)[:REDRIVE_LIMIT]
        )
        ids = sorted(set(released) | set(stale))
        OutgoingEmail.objects.filter(pk__in=ids).update(enqueued_at=now)
        if ids:
            transaction.on_commit(lambda: publish.email_publish(ids))
    fanouts = _mailout_fanouts_redrive(stale_before)
    if ids or fanouts:
        logger.info(
            "Redrive: took back %d rows, republished %d, restarted %d fan-outs%s",
            len(released),
            len(ids),
            fanouts,
            " (the broker lost its messages)" if broker_lost_messages else "",
        )
    return {"released": len(released), "republished": len(ids), "fanouts": fanouts}


def _broker_lost_messages() -> bool:
    """Whether the Redis broker lost its task messages since the last redrive asked.

    True after a restart (a new run id; without persistence, as in docker-compose.yml, a
    restart empties every queue) or a flush (the key is gone); also the first time, which costs
    one round of harmless extra task messages. False for other brokers and when Redis does not
    answer (the redrive's own message came through it, so that is rare and passes).
    """
    url = celery_app.conf.broker_url or ""
    if not url.startswith(("redis://", "rediss://")):
        return False
    try:
        client = _broker_client(url)
        run_id: str = client.info("server")["run_id"]
        previous = client.set(BROKER_RUN_ID_KEY, run_id, get=True)
    except Exception:
        logger.warning("Could not ask the broker whether it lost messages", exc_info=True)
        return False
    if previous is None:
        return True
    if isinstance(previous, bytes):
        previous = previous.decode()
    return previous != run_id


@functools.lru_cache(maxsize=4)
def _broker_client(url: str) -> redis.Redis:
    import redis

    return redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)


def _mailout_fanouts_redrive(stale_before: dt.datetime) -> int:
    """Close finished fan-outs that went quiet; restart the unfinished ones from the start."""
    restarted = 0
    quiet = MailOut.objects.filter(
        fanout_done_at__isnull=True, fanout_seen_at__lt=stale_before
    ).annotate(written=models.Count("emails"))
    for mailout in quiet.only("pk", "total", "fanout_seen_at"):
        now = timezone.now()
        if mailout.written >= mailout.total:
            MailOut.objects.filter(pk=mailout.pk).update(fanout_done_at=now)
            continue
        # A lost chunk stopped the chain; chunks already written are skipped cheaply.
        MailOut.objects.filter(pk=mailout.pk).update(fanout_seen_at=now)
        transaction.on_commit(functools.partial(publish.mailout_fanout_publish, mailout.pk, 0))
        restarted += 1
    return restarted


def email_retry_failed(queryset: models.QuerySet[OutgoingEmail]) -> int:
    """Queue failed rows of `queryset` again (staff, from admin), with a fresh 24-hour budget.

    Rows that never rendered (no body) stay failed: there is nothing to send.
    """
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            queryset.filter(status=Status.FAILED)
            .exclude(body_text="")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)
        )
        OutgoingEmail.objects.filter(pk__in=ids, status=Status.FAILED).update(
            status=Status.QUEUED,
            next_attempt_at=now,
            enqueued_at=now,
            give_up_at=now + timedelta(seconds=settings.MAIL_GIVE_UP_AFTER_SECONDS),
        )
        if ids:
            transaction.on_commit(lambda: publish.email_publish(ids))
    return len(ids)
