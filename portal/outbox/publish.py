"""Publishing send and fan-out tasks to the broker, after the writer's commit."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.conf import settings

from ..celery import app as celery_app

if TYPE_CHECKING:
    from celery import Task

logger = logging.getLogger(__name__)


def _task(name: str) -> Task[..., Any]:
    """A task of portal/outbox/tasks.py by the name it is published under: the tasks call
    these modules, not the other way round (portal's AppConfig.ready() imports the tasks, so
    every process has them)."""
    return celery_app.tasks[f"portal.tasks.{name}"]


def mailout_fanout_publish(mailout_id: int, start: int) -> None:
    try:
        # Celery takes the arguments as a list; the stubs want a tuple.
        _task("mailout_fanout").apply_async(args=[mailout_id, start])  # type: ignore[arg-type]
    except Exception:
        logger.exception("Could not publish the fan-out of mail-out %s", mailout_id)


def email_publish(ids: Sequence[int], *, countdown: int | None = None) -> None:
    """Publish send tasks for `ids`, MAIL_BATCH_SIZE rows per task.

    A publish that fails (broker down) only delays the mail: the rows stay queued and the
    redrive publishes them again.
    """
    size = settings.MAIL_BATCH_SIZE
    try:
        email_send = _task("email_send")
        for start in range(0, len(ids), size):
            # Celery takes the arguments as a list and countdown=None (its default); the stubs
            # want a tuple and a number.
            email_send.apply_async(
                args=[list(ids[start : start + size])],  # type: ignore[arg-type]
                countdown=countdown,  # type: ignore[arg-type]
            )
    except Exception:
        # Never fail the caller's request after its commit; the redrive will publish these.
        logger.exception("Could not publish send tasks for %d outbox rows", len(ids))
