"""Sending: claim the due rows of a batch, send them over one SMTP connection, mark each."""

from __future__ import annotations

import base64
import contextlib
import functools
import logging
import operator
import signal
import smtplib
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.db import DatabaseError, models, transaction
from django.db import connection as db_connection
from django.db import connections as db_connections
from django.urls import reverse
from django.utils import timezone, translation

from ..celery import worker_shutting_down
from . import publish
from .mime import OutboxMessage
from .models import OutgoingEmail
from .render import error_text

logger = logging.getLogger(__name__)

Status = OutgoingEmail.Status

# What _claimed(row).update(status=SENT, sent_at=..., lease_until=None, last_error="") does.
MARK_SENT_SQL = (
    'UPDATE "portal_outgoingemail" SET "status" = %s, "sent_at" = %s, "lease_until" = NULL, '
    '"last_error" = \'\' WHERE "id" = %s AND "status" = %s AND "attempts" = %s'
)


@dataclass
class SendResult:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    released: int = 0


def email_send_batch(ids: Sequence[int], *, time_budget: float = 120.0) -> SendResult:
    """Claim the due, queued rows among `ids`, send them over one SMTP connection.

    Safe to run any number of times for the same ids: a row is claimed in a short transaction
    (`select_for_update(skip_locked=True)`: in-flight rows are skipped, sent ones are not
    queued) and marked sent right after the server accepts it. Only a kill between those two
    points can send a row twice, so each killed worker process risks at most one message.

    While the batch runs, its process renews the leases of the rows it still holds, so a slow
    relay never hands a live worker's rows to another, and a dead worker's rows come back one
    lease (MAIL_LEASE_SECONDS) after it died. No new send starts after `time_budget` seconds or
    once the worker shuts down (a warm shutdown of the worker, or SIGTERM to this process):
    the message in flight is finished and the rest go back to the queue, so a redeploy sends
    nothing twice. A SIGTERM received meanwhile is delivered again after that.

    Its writes do not wait for PostgreSQL's WAL flush: a commit is the server's as soon as it
    arrives, so a worker killed a moment later cannot undo it, and the claim and each mark cost
    a round trip rather than a disk flush. Only a crash of PostgreSQL itself within
    wal_writer_delay could lose the latest marks; those few messages would be sent again.
    """
    with _sigterm_deferred() as sigterm_received:

        def stopping() -> bool:
            return sigterm_received() or worker_shutting_down()

        _set_synchronous_commit(False)
        try:
            return _send_batch(ids, time_budget=time_budget, stopping=stopping)
        finally:
            _set_synchronous_commit(True)


def _send_batch(
    ids: Sequence[int], *, time_budget: float, stopping: Callable[[], bool]
) -> SendResult:
    result = SendResult()
    lease = settings.MAIL_LEASE_SECONDS
    rows = _claim(ids, lease=lease)
    if not rows:
        return result
    stop_starting_at = time.monotonic() + time_budget

    with _LeaseKeeper(rows, lease=lease):
        connection = get_connection()
        try:
            connection.open()
        except Exception as exc:
            _retry_later(rows, exc, result)
            return result
        try:
            _send_rows(
                connection, rows, result, stopping=stopping, stop_starting_at=stop_starting_at
            )
        except BaseException:
            # The soft time limit cut a send: the row in flight stays "sending" (it may have
            # been accepted; its lease, no longer renewed, decides), the untouched rest go back.
            in_flight = next((r for r in rows if getattr(r, "_outcome", None) is None), None)
            untouched = [
                r for r in rows if getattr(r, "_outcome", None) is None and r is not in_flight
            ]
            _release(untouched, result)
            raise
        finally:
            try:
                connection.close()
            except Exception:
                logger.warning("Closing the SMTP connection failed", exc_info=True)
    return result


def _claim(ids: Sequence[int], *, lease: int) -> list[OutgoingEmail]:
    """Claim the due, rendered rows among `ids` that no other worker holds: "sending", with
    a lease and one more attempt."""
    now = timezone.now()
    with transaction.atomic():
        rows = list(
            OutgoingEmail.objects.select_for_update(skip_locked=True)
            .due(now)
            .filter(pk__in=ids, pending_render__isnull=True)
            .order_by("pk")
        )
        if not rows:
            return []
        OutgoingEmail.objects.filter(pk__in=[row.pk for row in rows]).update(
            status=Status.SENDING,
            lease_until=now + timedelta(seconds=lease),
            attempts=models.F("attempts") + 1,
        )
    for row in rows:
        # The claimed attempt number fences every later update of the row to this claim.
        row.attempts += 1
    return rows


def _send_rows(
    connection: BaseEmailBackend,
    rows: list[OutgoingEmail],
    result: SendResult,
    *,
    stopping: Callable[[], bool],
    stop_starting_at: float,
) -> None:
    # Each outcome is written on its own, right after the SMTP reply: the gap in which a
    # kill could send a message twice is one round trip to PostgreSQL.
    for index, row in enumerate(rows):
        if stopping() or time.monotonic() >= stop_starting_at:
            _release(rows[index:], result)
            return
        lost = _send_row(connection, row, result)
        if lost is not None:
            # The connection (or the server) is gone: this row and the rest wait.
            _retry_later(rows[index:], lost, result)
            return


def _send_row(
    connection: BaseEmailBackend, row: OutgoingEmail, result: SendResult
) -> Exception | None:
    """Build and send one claimed row and mark what became of it; the error that took the
    connection instead, with the row left for the caller."""
    try:
        message = _message(row)
        message.message()  # a message that cannot be built fails alone, for good
    except Exception as exc:
        logger.exception("Outbox row %s cannot be built", row.pk)
        _fail(row, exc, result)
        return None
    try:
        _deliver(connection, message)
    except SoftTimeLimitExceeded:
        raise
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError) as exc:
        # The server refused this message; the connection is still good.
        if _is_permanent(exc):
            _fail(row, exc, result)
        else:
            _retry_later([row], exc, result)
    except Exception as exc:
        return exc
    else:
        _mark_sent(row, result)
    return None


@contextlib.contextmanager
def _sigterm_deferred() -> Iterator[Callable[[], bool]]:
    """While a batch is sent, SIGTERM asks it to stop between two messages instead of mid-send.

    In a Celery pool process SIGTERM (Celery's cold shutdown, or a service manager signalling
    the whole process group) raises SystemExit wherever the process is, also between the
    server's acceptance of a message and its `sent` mark. Here it only takes note; once the
    batch has let go of its rows the signal is raised again, and the process ends as it would
    have. Yields a function that tells whether SIGTERM arrived.
    """
    if threading.current_thread() is not threading.main_thread():
        yield lambda: False  # signal handlers belong to the main thread
        return
    received: list[int] = []
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: received.append(signum))
    try:
        yield lambda: bool(received)
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)
        if received:
            signal.raise_signal(signal.SIGTERM)


class _LeaseKeeper(threading.Thread):
    """Renews, every third of the lease, the leases of the rows a batch still holds.

    A thread, so that a send blocked on a slow relay (up to EMAIL_TIMEOUT per SMTP command)
    does not let its lease run out; it dies with its process, and then the lease does run out.
    It opens its own database connection only when a batch outlasts a third of the lease.
    """

    def __init__(self, rows: Sequence[OutgoingEmail], *, lease: int) -> None:
        super().__init__(name="outbox-lease", daemon=True)
        self.rows, self.lease = rows, lease
        self.done = threading.Event()

    def __enter__(self) -> _LeaseKeeper:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.done.set()
        self.join(timeout=10)

    def run(self) -> None:
        try:
            while not self.done.wait(self.lease / 3):
                held = [row for row in self.rows if getattr(row, "_outcome", None) is None]
                if not held:
                    return
                try:
                    _leases_renew(held, lease=self.lease)
                except DatabaseError:
                    # The next round tries again, with two thirds of the lease still left.
                    logger.warning(
                        "Could not renew the leases of %d rows", len(held), exc_info=True
                    )
        finally:
            db_connections.close_all()  # this thread's own connection, if it opened one


def _leases_renew(rows: Sequence[OutgoingEmail], *, lease: int) -> int:
    """Extend the leases of `rows`, each only while it is still this claim's."""
    claims = functools.reduce(
        operator.or_, (models.Q(pk=row.pk, attempts=row.attempts) for row in rows)
    )
    return OutgoingEmail.objects.filter(claims, status=Status.SENDING).update(
        lease_until=timezone.now() + timedelta(seconds=lease)
    )


def _message(row: OutgoingEmail) -> OutboxMessage:
    message = OutboxMessage(
        subject=row.subject,
        body=row.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[row.to],
        headers={
            "Message-ID": row.message_id,
            "Content-Language": row.language,
            # Tells autoresponders (out-of-office) not to answer.
            "Auto-Submitted": "auto-generated",
        },
    )
    if row.mailout_id:
        # Bulk mail names where the recipient stops it (RFC 2369): the consents on the profile.
        with translation.override(row.language):
            unsubscribe = settings.SITE_URL + reverse("accounts:profile_edit")
        message.extra_headers["List-Unsubscribe"] = f"<{unsubscribe}>"
    if row.body_html:
        message.attach_alternative(row.body_html, "text/html")
    for attachment in row.attachments:
        content = base64.b64decode(attachment["content"])
        if attachment.get("content_id"):
            message.attach_inline(
                attachment["filename"], content, attachment["mimetype"], attachment["content_id"]
            )
            continue
        if attachment["mimetype"].startswith("text/"):
            message.attach(attachment["filename"], content.decode(), attachment["mimetype"])
        else:
            message.attach(attachment["filename"], content, attachment["mimetype"])
    return message


def _deliver(connection: BaseEmailBackend, message: OutboxMessage) -> None:
    """Hand one message to the email backend.

    Over Django's SMTP backend the built bytes go straight to its open smtplib connection:
    `send_messages` would parse both addresses again for every message. Other backends
    (locmem in tests, the console in development) get the message as usual.
    """
    if isinstance(connection, SMTPBackend) and connection.connection is not None:
        sender, recipients = message.envelope()
        connection.connection.sendmail(
            sender, recipients, message.message().as_bytes(linesep="\r\n")
        )
    else:
        connection.send_messages([message])


def _is_permanent(exc: Exception) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _msg in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code >= 500
    return False


def _claimed(row: OutgoingEmail) -> models.QuerySet[OutgoingEmail]:
    """The row, only while it is still this claim's (status and attempt number)."""
    return OutgoingEmail.objects.filter(pk=row.pk, status=Status.SENDING, attempts=row.attempts)


def _set_synchronous_commit(on: bool) -> None:
    try:
        with db_connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit" if on else "SET synchronous_commit TO off")
    except DatabaseError:
        if not on:
            raise
        # The connection broke mid-batch; its session, and the setting, are gone with it.
        logger.warning("Could not reset synchronous_commit", exc_info=True)


def _mark_sent(row: OutgoingEmail, result: SendResult) -> None:
    """One statement (it runs once per message; the ORM's update costs more than the send)."""
    row._outcome = "sent"
    with db_connection.cursor() as cursor:
        cursor.execute(
            MARK_SENT_SQL, [Status.SENT, timezone.now(), row.pk, Status.SENDING, row.attempts]
        )
    result.sent += 1


def _fail(row: OutgoingEmail, exc: BaseException, result: SendResult) -> None:
    row._outcome = "failed"
    logger.warning("Outbox row %s failed for good: %s", row.pk, exc)
    _claimed(row).update(status=Status.FAILED, lease_until=None, last_error=error_text(exc))
    result.failed += 1


def _retry_later(rows: Sequence[OutgoingEmail], exc: BaseException, result: SendResult) -> None:
    """Back to the queue with the backoff for each row's attempt, or failed past give_up_at."""
    now = timezone.now()
    delays = settings.MAIL_RETRY_DELAYS
    by_delay: dict[int, list[int]] = {}
    error = error_text(exc)
    logger.warning("Outbox: %d rows will be retried: %s", len(rows), error)
    for row in rows:
        delay = delays[min(row.attempts, len(delays)) - 1]
        next_attempt_at = now + timedelta(seconds=delay)
        if next_attempt_at > row.give_up_at:
            _fail(row, exc, result)
            continue
        row._outcome = "retry"
        _claimed(row).update(
            status=Status.QUEUED,
            lease_until=None,
            next_attempt_at=next_attempt_at,
            enqueued_at=now,
            last_error=error,
        )
        by_delay.setdefault(delay, []).append(row.pk)
        result.retrying += 1
    for delay, ids in by_delay.items():
        publish.email_publish(ids, countdown=delay)


def _release(rows: Sequence[OutgoingEmail], result: SendResult) -> None:
    """Give claimed rows that were never tried back to the queue, and publish them again."""
    if not rows:
        return
    now = timezone.now()
    for row in rows:
        row._outcome = "released"
        _claimed(row).update(
            status=Status.QUEUED,
            lease_until=None,
            attempts=models.F("attempts") - 1,
            next_attempt_at=now,
            enqueued_at=now,
        )
    result.released += len(rows)
    publish.email_publish([row.pk for row in rows])
