"""The outbox's tables: one row per message (OutgoingEmail) and one per bulk send (MailOut).

Their app is `portal` (portal/models.py imports them), so their tables and migrations stay
portal's.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class MailOut(models.Model):
    """A bulk send (invitations, alerts): one row here, one outbox row per recipient.

    The caller's transaction writes this row with its recipients; the `mailout_fanout` task
    then renders and writes the outbox rows in chunks (portal/outbox/enqueue.py).
    """

    key = models.CharField(
        _("key"),
        max_length=200,
        unique=True,
        help_text=_(
            "Chosen by the code that creates the mail-out; creating it again with the same key "
            "adds only the recipients not written yet."
        ),
    )
    title = models.CharField(_("title"), max_length=200)
    template = models.CharField(_("template"), max_length=200)
    total = models.PositiveIntegerField(_("recipients"), default=0)
    # Template context shared by all recipients and the recipients themselves
    # ([{"email", "language", "key", "context"}]), encoded by portal.outbox.render.context_encode.
    context = models.JSONField(_("context"), default=dict, blank=True)
    recipients = models.JSONField(_("recipients"), default=list, blank=True)
    attachments = models.JSONField(_("attachments"), default=list, blank=True)
    # Last sign of life of the fan-out; the redrive restarts a fan-out that went quiet.
    fanout_seen_at = models.DateTimeField(_("fan-out last seen"), null=True, blank=True)
    fanout_done_at = models.DateTimeField(_("fan-out done"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    # Annotated by the admin's list of mail-outs (declared here for type checkers only).
    n_sent: int
    n_failed: int

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("mail-out")
        verbose_name_plural = _("mail-outs")

    def __str__(self) -> str:
        return self.title

    def counts(self) -> dict[str, int]:
        """Outbox rows per status in one query; recipients not written yet count as queued."""
        counts = dict.fromkeys(OutgoingEmail.Status.values, 0)
        for row in self.emails.values("status").annotate(n=models.Count("pk")).order_by():
            counts[row["status"]] = row["n"]
        counts[OutgoingEmail.Status.QUEUED] += max(0, self.total - sum(counts.values()))
        counts["total"] = self.total
        return counts


class OutgoingEmailQuerySet(models.QuerySet["OutgoingEmail"]):
    def due(self, now: dt.datetime | None = None) -> OutgoingEmailQuerySet:
        """Queued rows whose next attempt is due."""
        return self.filter(
            status=OutgoingEmail.Status.QUEUED, next_attempt_at__lte=now or timezone.now()
        )


class OutgoingEmail(models.Model):
    """The outbox: one row per logical message, sent at most once per key.

    Written by `portal.outbox.enqueue.email_enqueue` in the caller's transaction and sent by
    the `email_send` task; see docs/operations.md for the life of a row.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    # Unique by the constraint in Meta (no extra LIKE index: every index costs each update).
    key = models.CharField(_("key"), max_length=255)
    to = models.CharField(_("recipient"), max_length=254)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    template = models.CharField(_("template"), max_length=200)
    subject = models.CharField(_("subject"), max_length=255)
    body_text = models.TextField(_("plain-text body"))
    body_html = models.TextField(_("HTML body"), blank=True)
    # [{"filename": ..., "mimetype": ..., "content": <base64>}]
    attachments = models.JSONField(_("attachments"), default=list, blank=True)
    # What the mail worker needs to render a row written with `render_later` (the encoded
    # context and the attachments to build); empty once rendered. Such a row is not sent
    # before it is rendered.
    pending_render = models.JSONField(null=True, blank=True, editable=False)
    # Random (uuid4) per row, so the header alone tells one logical message from another.
    message_id = models.CharField(_("Message-ID"), max_length=255)
    mailout = models.ForeignKey(
        MailOut,
        verbose_name=_("mail-out"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="emails",
        db_index=False,  # the (mailout, status) index serves it
    )

    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    # When the next send attempt is due (retries wait here with their backoff).
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    # When a send task was last published for the row; the redrive republishes stale ones.
    enqueued_at = models.DateTimeField(_("enqueued"), default=timezone.now)
    # A row in "sending" belongs to the worker that claimed it until then.
    lease_until = models.DateTimeField(_("lease until"), null=True, blank=True)
    # After this, a transient failure marks the row failed instead of retrying it.
    give_up_at = models.DateTimeField(_("give up at"))
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    objects = OutgoingEmailQuerySet.as_manager()

    # What the sending worker made of the row in this batch ("sent", "failed", "retry",
    # "released"); unset while the row is still in its hands. Not stored.
    _outcome: str

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("outgoing email")
        verbose_name_plural = _("outgoing emails")
        indexes = [
            # The redrive's two sweeps and the mail-out counts stay index scans. (No index on
            # next_attempt_at: the send task's claim must look rows up by primary key.)
            models.Index(
                fields=["enqueued_at"],
                condition=models.Q(status="queued"),
                name="outgoingemail_queued_enqueued",
            ),
            models.Index(
                fields=["lease_until"],
                condition=models.Q(status="sending"),
                name="outgoingemail_sending_lease",
            ),
            models.Index(fields=["mailout", "status"], name="outgoingemail_mailout_status"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["key"], name="outgoingemail_key_unique"),
            models.CheckConstraint(
                condition=~models.Q(status="sent") | models.Q(sent_at__isnull=False),
                name="outgoingemail_sent_has_sent_at",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="sending") | models.Q(lease_until__isnull=False),
                name="outgoingemail_sending_has_lease",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} → {self.to}"
