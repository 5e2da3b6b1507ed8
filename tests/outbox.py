"""Reading the outbox as the mail worker sends it."""

from __future__ import annotations

from portal.outbox.enqueue import email_render_pending
from portal.outbox.models import OutgoingEmail


def outbox_mail(**filters) -> OutgoingEmail:
    """The one outbox row matching `filters`, rendered first as the mail worker does.

    Registration mails are written unrendered in the request; the worker renders them just
    before sending (`email_render_pending`), and so does this.
    """
    row = OutgoingEmail.objects.get(**filters)
    email_render_pending([row.pk])
    row.refresh_from_db()
    return row


def outbox_mails(**filters) -> list[OutgoingEmail]:
    """Every outbox row matching `filters`, oldest first, rendered as by the mail worker."""
    ids = list(OutgoingEmail.objects.filter(**filters).order_by("pk").values_list("pk", flat=True))
    email_render_pending(ids)
    return list(OutgoingEmail.objects.filter(pk__in=ids).order_by("pk"))
