"""Email: the one way the portal sends mail (the outbox; docs/operations.md).

Callers write a message with `email_enqueue` (one recipient) or `mailout_create` (many) inside
their own transaction; the send task goes to the broker only when that transaction commits.

Templates: `template="dialogues/email/registration_confirmed"` renders, in the recipient's
language,

    dialogues/email/registration_confirmed_subject.txt   one line: what, and when
    dialogues/email/registration_confirmed.txt           {% extends "email/base.txt" %}
    dialogues/email/registration_confirmed.html          {% extends "email/base.html" %}

Both bodies fill `{% block content %}` and may fill `{% block reason %}` (why the recipient
gets the mail; the layout's default says they have an account). The .html file is optional:
without it the text part's content is set in the HTML layout. Every template also gets
`portal_name`, `site_url`, `my_pages_url` and `language`.

A mail-out is written with its recipients; after the commit `mailout_fanout` tasks render and
write its outbox rows, 500 at a time, and publish their sends.

A row's life: queued -> sending (claimed, with a lease that its process renews while it lives)
-> sent; transient SMTP failures go back to queued with a backoff, permanent ones (and anything
still failing after MAIL_GIVE_UP_AFTER_SECONDS) end in failed; a batch cut short by a shutdown
gives its unsent rows back to queued. `email_redrive` takes back rows whose lease ran out (their
process died), republishes queued rows whose task message was lost (at once after the broker
lost its messages) and restarts fan-outs that stalled.
"""

from __future__ import annotations

import base64
import contextlib
import datetime
import functools
import hashlib
import logging
import operator
import re
import signal
import smtplib
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from email.utils import parseaddr

from celery.exceptions import SoftTimeLimitExceeded
from django.apps import apps
from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.db import DatabaseError, models, transaction
from django.db import connection as db_connection
from django.db import connections as db_connections
from django.template import Context, TemplateDoesNotExist
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise

from .celery import app as celery_app
from .celery import worker_shutting_down
from .mime import OutboxMessage
from .models import MailOut, OutgoingEmail

logger = logging.getLogger(__name__)

PORTAL_NAME = "Samverkansportalen"
FANOUT_CHUNK = 500
REDRIVE_LIMIT = 10_000
# Where the redrive keeps the broker's Redis run id, in the broker's own database: a new run id
# (a restart) or no key at all (a restart without persistence, a flush) means the broker lost
# the task messages it held.
BROKER_RUN_ID_KEY = "portal:outbox:broker-run-id"
Status = OutgoingEmail.Status
# What _claimed(row).update(status=SENT, sent_at=..., lease_until=None, last_error="") does.
MARK_SENT_SQL = (
    'UPDATE "portal_outgoingemail" SET "status" = %s, "sent_at" = %s, "lease_until" = NULL, '
    '"last_error" = \'\' WHERE "id" = %s AND "status" = %s AND "attempts" = %s'
)


@dataclass(frozen=True)
class Attachment:
    """A file attached to a message, such as a meeting's .ics.

    With a `content_id` it is an image the HTML part shows in place (`<img src="cid:…">`).
    """

    filename: str
    content: str | bytes
    mimetype: str = "application/octet-stream"
    content_id: str = ""


@dataclass(frozen=True)
class DeferredAttachment:
    """An attachment the mail worker builds when it renders the message (e.g. an .ics).

    `builder` names a function registered with `attachment_builder_register`; it is called
    with `args` (decoded like a template context) and returns an `Attachment`.
    """

    builder: str
    args: dict = field(default_factory=dict)


AttachmentBuilder = Callable[..., Attachment]
_attachment_builders: dict[str, AttachmentBuilder] = {}


def attachment_builder_register(name: str, builder: AttachmentBuilder) -> None:
    """Let `DeferredAttachment(builder=name)` be built by `builder` (an app's ready())."""
    _attachment_builders[name] = builder


@dataclass(frozen=True)
class MailRecipient:
    """One recipient of a mail-out: address, language and their own template context.

    `key` tells recipients apart within the mail-out (default: the address, lower-cased).
    """

    email: str
    language: str = settings.LANGUAGE_CODE
    context: dict = field(default_factory=dict)
    key: str = ""


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    body_text: str
    body_html: str


@dataclass
class SendResult:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    released: int = 0


# --- Writing -------------------------------------------------------------------------------


def email_enqueue(
    *,
    key: str,
    to: str,
    template: str,
    context: dict,
    language: str,
    attachments: Sequence[Attachment | DeferredAttachment] = (),
    render_later: bool = False,
) -> OutgoingEmail:
    """Write one message to the outbox in the caller's transaction; send it after commit.

    `key` names the logical message (`registration-confirmed:<id>`): enqueuing a key that is
    already in the outbox renders, writes and sends nothing and returns the existing row.

    With `render_later` the caller's transaction pays only for writing the row: the context is
    stored (encoded as a mail-out's is: model instances by reference) and the mail worker
    renders the message, and builds its deferred attachments, just before sending it.
    Otherwise the message is rendered now; deferred attachments need `render_later`.
    """
    language = _language(language)
    if render_later:
        rendered = RenderedEmail(subject="", body_text="", body_html="")
        pending = {
            "context": context_encode(context),
            "attachments": [
                {"builder": a.builder, "args": context_encode(a.args)}
                for a in attachments
                if isinstance(a, DeferredAttachment)
            ],
        }
    else:
        existing = OutgoingEmail.objects.filter(key=key).first()
        if existing is not None:
            return existing
        rendered = email_render(template=template, context=context, language=language)
        pending = None
    row = _row(
        key=key,
        to=to,
        template=template,
        language=language,
        rendered=rendered,
        attachments=[a for a in attachments if isinstance(a, Attachment)],
    )
    row.pending_render = pending
    row.key = key
    row.pk = _insert_unless_present(row)
    if row.pk is None:
        # Another writer had the key (a retry, or a concurrent request that won).
        return OutgoingEmail.objects.get(key=key)
    row._state.adding, row._state.db = False, db_connection.alias
    transaction.on_commit(lambda: email_publish([row.pk]))
    return row


@functools.cache
def _insert_statement() -> tuple[str, list]:
    fields = [f for f in OutgoingEmail._meta.concrete_fields if not f.primary_key]
    quote = db_connection.ops.quote_name
    # Identifiers from the model's own metadata; every value goes as a parameter.
    sql = (
        f"INSERT INTO {quote(OutgoingEmail._meta.db_table)} "  # noqa: S608
        f"({', '.join(quote(f.column) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))}) "
        f"ON CONFLICT ({quote('key')}) DO NOTHING RETURNING {quote('id')}"
    )
    return sql, fields


def _insert_unless_present(row: OutgoingEmail) -> int | None:
    """Insert `row` in one round trip unless its key is in the outbox; its id, or None.

    INSERT ... ON CONFLICT DO NOTHING never fails the caller's transaction on a taken key, so
    the request needs no lookup first and no savepoint.
    """
    sql, fields = _insert_statement()
    values = [f.get_db_prep_save(getattr(row, f.attname), db_connection) for f in fields]
    with db_connection.cursor() as cursor:
        cursor.execute(sql, values)
        inserted = cursor.fetchone()
    return inserted[0] if inserted else None


def email_render_pending(ids: Sequence[int]) -> int:
    """Render the rows among `ids` that were written with `render_later` (the mail worker).

    Each row is rendered once, under its row lock, and stored rendered: a resend after a crash
    sends the same bytes. A row that cannot be rendered is marked failed with the reason, and
    the others go on. Returns the number of rows rendered.
    """
    rendered = 0
    for pk in OutgoingEmail.objects.filter(pk__in=ids, pending_render__isnull=False).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            row = (
                OutgoingEmail.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, pending_render__isnull=False)
                .first()
            )
            if row is None:
                continue
            try:
                email = email_render(
                    template=row.template,
                    context=context_decode(row.pending_render["context"]),
                    language=row.language,
                )
                built = [
                    _attachment_builders[spec["builder"]](**context_decode(spec["args"]))
                    for spec in row.pending_render["attachments"]
                ]
            except Exception as exc:
                logger.exception("Outbox row %s cannot be rendered", row.pk)
                row.status, row.last_error = Status.FAILED, f"Not rendered: {_error_text(exc)}"
                row.save(update_fields=["status", "last_error"])
                continue
            row.subject, row.body_text, row.body_html = (
                email.subject,
                email.body_text,
                email.body_html,
            )
            row.attachments = [*row.attachments, *(_attachment_json(a) for a in built)]
            row.pending_render = None
            row.save(
                update_fields=["subject", "body_text", "body_html", "attachments", "pending_render"]
            )
            rendered += 1
    return rendered


def mailout_create(
    *,
    key: str,
    title: str,
    template: str,
    recipients: Iterable[MailRecipient],
    context: dict | None = None,
    attachments: Sequence[Attachment] = (),
    created_by=None,
) -> MailOut:
    """Write a bulk send with its recipients in the caller's transaction; fan out after commit.

    The caller pays for one row, not for rendering thousands of messages: after the commit
    `mailout_fanout` tasks render the recipients in chunks of FANOUT_CHUNK, each in their own
    language, and write the outbox rows, keyed `<mail-out key>:<recipient key>`, with
    `bulk_create(ignore_conflicts=True)`; each chunk's mail is published as soon as it is
    written. Calling this again with the same key (more invitees, or a retry after a crash)
    adds only the recipients it does not have yet.

    `context` is shared and each recipient's own context is laid over it. Both are stored, so
    their values are limited to what `context_encode` takes: JSON values, model instances
    (loaded again when rendering), dates, times and decimals.
    """
    shared = context_encode(context or {})
    mailout, _created = MailOut.objects.select_for_update().get_or_create(
        key=key,
        defaults={
            "title": title,
            "template": template,
            "created_by": created_by,
            "context": shared,
            "attachments": [_attachment_json(a) for a in attachments],
        },
    )
    known = {recipient["key"] for recipient in mailout.recipients}
    added = []
    for recipient in recipients:
        recipient_key = recipient.key or recipient.email.strip().lower()
        if recipient_key in known:
            continue
        known.add(recipient_key)
        added.append(
            {
                "key": recipient_key,
                "email": recipient.email.strip(),
                "language": _language(recipient.language),
                "context": context_encode(recipient.context),
            }
        )
    if not added:
        return mailout
    start = len(mailout.recipients)
    mailout.recipients = mailout.recipients + added
    mailout.total = len(mailout.recipients)
    mailout.fanout_seen_at = timezone.now()
    mailout.fanout_done_at = None
    mailout.save(update_fields=["recipients", "total", "fanout_seen_at", "fanout_done_at"])
    transaction.on_commit(lambda: mailout_fanout_publish(mailout.pk, start))
    return mailout


def _task(name: str):
    """A task of portal/tasks.py by name: the tasks call these services, not the other way
    round (portal's AppConfig.ready() imports the tasks, so every process has them)."""
    return celery_app.tasks[f"portal.tasks.{name}"]


def mailout_fanout_publish(mailout_id: int, start: int) -> None:
    try:
        _task("mailout_fanout").apply_async(args=[mailout_id, start])
    except Exception:
        logger.exception("Could not publish the fan-out of mail-out %s", mailout_id)


def mailout_fanout_chunk(*, mailout_id: int, start: int) -> int:
    """Render and write the outbox rows of recipients [start, start + FANOUT_CHUNK).

    Publishes the next chunk first, so that one worker renders while the others send. Safe to
    run again: recipients whose row exists are skipped. Returns the number of rows written.
    """
    mailout = MailOut.objects.filter(pk=mailout_id).first()
    if mailout is None or start >= mailout.total:
        return 0
    stop = min(start + FANOUT_CHUNK, mailout.total)
    if stop < mailout.total:
        mailout_fanout_publish(mailout.pk, stop)
    chunk = mailout.recipients[start:stop]
    keys = {_mailout_row_key(mailout, r["key"]): r for r in chunk}
    existing = set(OutgoingEmail.objects.filter(key__in=keys).values_list("key", flat=True))
    decoded = context_decode([mailout.context, [r["context"] for r in chunk]])
    shared, personal = decoded[0], dict(zip((r["key"] for r in chunk), decoded[1], strict=True))
    rows = []
    for row_key, recipient in keys.items():
        if row_key in existing:
            continue
        error = None
        try:
            rendered = email_render(
                template=mailout.template,
                context={**shared, **personal[recipient["key"]]},
                language=recipient["language"],
            )
        except Exception as exc:
            # One recipient's broken context must not stop the others; staff see it in admin.
            logger.exception("Mail-out %s: cannot render for %s", mailout.pk, recipient["key"])
            rendered, error = RenderedEmail(subject=mailout.title, body_text="", body_html=""), exc
        row = _row(
            key=row_key,
            to=recipient["email"],
            template=mailout.template,
            language=recipient["language"],
            rendered=rendered,
            attachments=(),
        )
        row.attachments = mailout.attachments
        row.mailout = mailout
        if error is not None:
            row.status, row.last_error = Status.FAILED, f"Not rendered: {_error_text(error)}"
        rows.append(row)
    now = timezone.now()
    with transaction.atomic():
        OutgoingEmail.objects.bulk_create(rows, ignore_conflicts=True)
        # Chunks finish in any order; whichever sees every row written closes the fan-out.
        done = mailout.emails.count() >= mailout.total
        MailOut.objects.filter(pk=mailout.pk).update(
            fanout_seen_at=now, **({"fanout_done_at": now} if done else {})
        )
        ids = list(
            OutgoingEmail.objects.filter(key__in=keys, status=Status.QUEUED)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if ids:
            transaction.on_commit(lambda: email_publish(ids))
    return len(rows)


def email_render(*, template: str, context: dict, language: str) -> RenderedEmail:
    """Subject, text and HTML of `template` in `language` (see the module docstring)."""
    with translation.override(language):
        full = {
            "portal_name": PORTAL_NAME,
            "site_url": settings.SITE_URL,
            "my_pages_url": settings.SITE_URL + reverse("accounts:my_pages"),
            "language": language,
            **context,
        }
        subject = " ".join(_render_text(f"{template}_subject.txt", full).split())[:255]
        full["subject"] = subject
        body_text = _tidy_text(_render_text(f"{template}.txt", full))
        try:
            html_template = get_template(f"{template}.html")
        except TemplateDoesNotExist:
            part = {**full, "email_part": "content"}
            body_html = render_to_string(
                "email/text_as_html.html",
                {
                    **full,
                    "text_content": _tidy_text(_render_text(f"{template}.txt", part)).strip(),
                    "text_reason": _tidy_text(
                        _render_text(f"{template}.txt", {**full, "email_part": "reason"})
                    ).strip(),
                },
            )
        else:
            body_html = html_template.render(full)
    return RenderedEmail(subject=subject, body_text=body_text, body_html=body_html)


def email_publish(ids: Sequence[int], *, countdown: int | None = None) -> None:
    """Publish send tasks for `ids`, MAIL_BATCH_SIZE rows per task.

    A publish that fails (broker down) only delays the mail: the rows stay queued and the
    redrive publishes them again.
    """
    size = settings.MAIL_BATCH_SIZE
    try:
        email_send = _task("email_send")
        for start in range(0, len(ids), size):
            email_send.apply_async(args=[list(ids[start : start + size])], countdown=countdown)
    except Exception:
        # Never fail the caller's request after its commit; the redrive will publish these.
        logger.exception("Could not publish send tasks for %d outbox rows", len(ids))


# --- Sending -------------------------------------------------------------------------------


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


def _send_batch(ids: Sequence[int], *, time_budget: float, stopping) -> SendResult:
    result = SendResult()
    now = timezone.now()
    lease = settings.MAIL_LEASE_SECONDS
    with transaction.atomic():
        rows = list(
            OutgoingEmail.objects.select_for_update(skip_locked=True)
            .due(now)
            .filter(pk__in=ids, pending_render__isnull=True)
            .order_by("pk")
        )
        if not rows:
            return result
        OutgoingEmail.objects.filter(pk__in=[row.pk for row in rows]).update(
            status=Status.SENDING,
            lease_until=now + timedelta(seconds=lease),
            attempts=models.F("attempts") + 1,
        )
    for row in rows:
        # The claimed attempt number fences every later update of the row to this claim.
        row.attempts += 1
    stop_starting_at = time.monotonic() + time_budget

    with _LeaseKeeper(rows, lease=lease):
        connection = get_connection()
        try:
            connection.open()
        except Exception as exc:
            _retry_later(rows, exc, result)
            return result
        # Each outcome is written on its own, right after the SMTP reply: the gap in which a
        # kill could send a message twice is one round trip to PostgreSQL.
        try:
            for index, row in enumerate(rows):
                if stopping() or time.monotonic() >= stop_starting_at:
                    _release(rows[index:], result)
                    break
                try:
                    message = _message(row)
                    message.message()  # a message that cannot be built fails alone, for good
                except Exception as exc:
                    logger.exception("Outbox row %s cannot be built", row.pk)
                    _fail(row, exc, result)
                    continue
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
                    # The connection (or the server) is gone: this row and the rest wait.
                    _retry_later(rows[index:], exc, result)
                    break
                else:
                    _mark_sent(row, result)
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


@contextlib.contextmanager
def _sigterm_deferred():
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

    def __exit__(self, *exc) -> None:
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
            transaction.on_commit(lambda: email_publish(ids))
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
        run_id = client.info("server")["run_id"]
        previous = client.set(BROKER_RUN_ID_KEY, run_id, get=True)
    except Exception:
        logger.warning("Could not ask the broker whether it lost messages", exc_info=True)
        return False
    return previous is None or previous.decode() != run_id


@functools.lru_cache(maxsize=4)
def _broker_client(url: str):
    import redis

    return redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)


def _mailout_fanouts_redrive(stale_before) -> int:
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
        transaction.on_commit(lambda pk=mailout.pk: mailout_fanout_publish(pk, 0))
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
            transaction.on_commit(lambda: email_publish(ids))
    return len(ids)


# --- Helpers -------------------------------------------------------------------------------


def context_encode(value):
    """A template context as JSON: model instances by reference, dates and decimals tagged.

    Raises TypeError for anything else (a lazy translation, say, would be frozen in the
    caller's language: translate in the template instead).
    """
    if isinstance(value, Promise):
        raise TypeError("Translate in the email template, not in the mail-out's context.")
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, models.Model):
        return {"__model__": value._meta.label_lower, "pk": value.pk}
    if isinstance(value, datetime.datetime):
        return {"__datetime__": value.isoformat()}
    if isinstance(value, datetime.date):
        return {"__date__": value.isoformat()}
    if isinstance(value, datetime.time):
        return {"__time__": value.isoformat()}
    if isinstance(value, Decimal):
        return {"__decimal__": str(value)}
    if isinstance(value, list | tuple):
        return [context_encode(item) for item in value]
    if isinstance(value, dict):
        return {str(k): context_encode(v) for k, v in value.items()}
    raise TypeError(f"A mail-out context cannot hold {type(value).__name__} values.")


def context_decode(value):
    """The inverse of context_encode; model instances of a whole structure load in bulk."""
    wanted: dict[str, set] = {}

    def collect(item):
        if isinstance(item, list):
            for element in item:
                collect(element)
        elif isinstance(item, dict):
            if "__model__" in item:
                wanted.setdefault(item["__model__"], set()).add(item["pk"])
            else:
                for element in item.values():
                    collect(element)

    collect(value)
    loaded = {
        label: apps.get_model(label).objects.in_bulk(list(pks)) for label, pks in wanted.items()
    }

    def build(item):
        if isinstance(item, list):
            return [build(element) for element in item]
        if not isinstance(item, dict):
            return item
        if "__model__" in item:
            return loaded[item["__model__"]].get(item["pk"])
        if "__datetime__" in item:
            return datetime.datetime.fromisoformat(item["__datetime__"])
        if "__date__" in item:
            return datetime.date.fromisoformat(item["__date__"])
        if "__time__" in item:
            return datetime.time.fromisoformat(item["__time__"])
        if "__decimal__" in item:
            return Decimal(item["__decimal__"])
        return {k: build(v) for k, v in item.items()}

    return build(value)


def _language(language: str) -> str:
    try:
        return translation.get_supported_language_variant(language or settings.LANGUAGE_CODE)
    except LookupError:
        return settings.LANGUAGE_CODE


def _render_text(name: str, context: dict) -> str:
    """A plain-text template, without HTML escaping ("Kultur & idrott", not "&amp;")."""
    return get_template(name).template.render(Context(context, autoescape=False))


def _tidy_text(text: str) -> str:
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"


def _mailout_row_key(mailout: MailOut, recipient_key: str) -> str:
    key = f"{mailout.key}:{recipient_key}"
    if len(key) <= OutgoingEmail._meta.get_field("key").max_length:
        return key
    return f"mailout-{mailout.pk}:{hashlib.sha256(recipient_key.encode()).hexdigest()}"


def _message_id() -> str:
    # Random and short enough that the header is not folded.
    return f"<{uuid.uuid4().hex}@{_message_id_domain(settings.DEFAULT_FROM_EMAIL)}>"


@functools.lru_cache(maxsize=8)
def _message_id_domain(from_email: str) -> str:
    return parseaddr(from_email)[1].rpartition("@")[2] or "localhost"


def _row(
    *,
    key: str,
    to: str,
    template: str,
    language: str,
    rendered: RenderedEmail,
    attachments: Sequence[Attachment],
) -> OutgoingEmail:
    now = timezone.now()
    return OutgoingEmail(
        key=key,
        to=to.strip(),
        language=language,
        template=template,
        subject=rendered.subject,
        body_text=rendered.body_text,
        body_html=rendered.body_html,
        attachments=[_attachment_json(a) for a in attachments],
        message_id=_message_id(),
        created_at=now,
        next_attempt_at=now,
        # Published on commit; until the redrive's timeout says otherwise, that is enough.
        enqueued_at=now,
        give_up_at=now + timedelta(seconds=settings.MAIL_GIVE_UP_AFTER_SECONDS),
    )


def _attachment_json(attachment: Attachment) -> dict:
    content = attachment.content
    if isinstance(content, str):
        content = content.encode()
    stored = {
        "filename": attachment.filename,
        "mimetype": attachment.mimetype,
        "content": base64.b64encode(content).decode("ascii"),
    }
    if attachment.content_id:
        stored["content_id"] = attachment.content_id
    return stored


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
            content = content.decode()
        message.attach(attachment["filename"], content, attachment["mimetype"])
    return message


def _deliver(connection, message: OutboxMessage) -> None:
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


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


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
    _claimed(row).update(status=Status.FAILED, lease_until=None, last_error=_error_text(exc))
    result.failed += 1


def _retry_later(rows: Sequence[OutgoingEmail], exc: BaseException, result: SendResult) -> None:
    """Back to the queue with the backoff for each row's attempt, or failed past give_up_at."""
    now = timezone.now()
    delays = settings.MAIL_RETRY_DELAYS
    by_delay: dict[int, list[int]] = {}
    error = _error_text(exc)
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
        email_publish(ids, countdown=delay)


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
    email_publish([row.pk for row in rows])
