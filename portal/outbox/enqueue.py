"""Writing mail into the outbox: one message, a mail-out and its fan-out in chunks, and the
mail worker's rendering of rows written with `render_later`."""

from __future__ import annotations

import base64
import functools
import hashlib
import logging
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from email.utils import parseaddr
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.db import connection as db_connection
from django.db import transaction
from django.utils import timezone

from . import publish

if TYPE_CHECKING:
    from django.db.models import Field

    from accounts.models import User
from .models import MailOut, OutgoingEmail
from .render import (
    MailoutRenderer,
    RenderedEmail,
    context_decode,
    context_encode,
    email_render,
    error_text,
    language_supported,
)

logger = logging.getLogger(__name__)

FANOUT_CHUNK = 500
Status = OutgoingEmail.Status


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
    args: dict[str, Any] = field(default_factory=dict)


AttachmentBuilder = Callable[..., Attachment]
_attachment_builders: dict[str, AttachmentBuilder] = {}


def attachment_builder_register(name: str, builder: AttachmentBuilder) -> None:
    """Let `DeferredAttachment(builder=name)` be built by `builder` (an app's ready())."""
    _attachment_builders[name] = builder


@dataclass(frozen=True)
class MailRecipient:
    """One recipient of a mail-out: address, language and their own template context.

    `key` tells recipients apart within the mail-out (default: the address, lower-cased).
    The fan-out renders the templates once per language and puts each recipient's values in
    (render.MailoutRenderer), so templates should print personal values rather than test or
    filter them; one that does is noticed and rendered per recipient, only slower.
    """

    email: str
    language: str = settings.LANGUAGE_CODE
    context: dict[str, Any] = field(default_factory=dict)
    key: str = ""


def email_enqueue(
    *,
    key: str,
    to: str,
    template: str,
    context: dict[str, Any],
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
    language = language_supported(language)
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
    transaction.on_commit(lambda: publish.email_publish([row.pk]))
    return row


@functools.cache
def _insert_statement() -> tuple[str, list[Field[Any, Any]]]:
    fields = [f for f in OutgoingEmail._meta.concrete_fields if not f.primary_key]
    quote = db_connection.ops.quote_name
    # Identifiers from the model's own metadata; every value goes as a parameter.
    sql = (
        f"INSERT INTO {quote(OutgoingEmail._meta.db_table)} "  # noqa: S608
        # A concrete field always has a column (the stubs allow None).
        f"({', '.join(quote(cast(str, f.column)) for f in fields)}) "
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
            pending = cast("dict[str, Any]", row.pending_render)  # not null: the filter above
            try:
                email = email_render(
                    template=row.template,
                    context=context_decode(pending["context"]),
                    language=row.language,
                )
                built = [
                    _attachment_builders[spec["builder"]](**context_decode(spec["args"]))
                    for spec in pending["attachments"]
                ]
            except Exception as exc:
                logger.exception("Outbox row %s cannot be rendered", row.pk)
                row.status, row.last_error = Status.FAILED, f"Not rendered: {error_text(exc)}"
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
    context: dict[str, Any] | None = None,
    attachments: Sequence[Attachment] = (),
    created_by: User | None = None,
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
                "language": language_supported(recipient.language),
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
    transaction.on_commit(lambda: publish.mailout_fanout_publish(mailout.pk, start))
    return mailout


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
        publish.mailout_fanout_publish(mailout.pk, stop)
    chunk = mailout.recipients[start:stop]
    keys = {mailout_row_key(mailout, r["key"]): r for r in chunk}
    existing = set(OutgoingEmail.objects.filter(key__in=keys).values_list("key", flat=True))
    decoded = context_decode([mailout.context, [r["context"] for r in chunk]])
    shared, personal = decoded[0], dict(zip((r["key"] for r in chunk), decoded[1], strict=True))
    renderer = MailoutRenderer(template=mailout.template, shared=shared)
    rows = []
    for row_key, recipient in keys.items():
        if row_key in existing:
            continue
        error = None
        try:
            rendered = renderer.render(
                context=personal[recipient["key"]], language=recipient["language"]
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
            row.status, row.last_error = Status.FAILED, f"Not rendered: {error_text(error)}"
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
            transaction.on_commit(lambda: publish.email_publish(ids))
    return len(rows)


def mailout_row_key(mailout: MailOut, recipient_key: str) -> str:
    key = f"{mailout.key}:{recipient_key}"
    limit = OutgoingEmail._meta.get_field("key").max_length
    if limit is None or len(key) <= limit:
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


def _attachment_json(attachment: Attachment) -> dict[str, Any]:
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
