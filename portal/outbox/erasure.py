"""Erasing a deleted account from the outbox and the mail-outs (docs/accounts.md).

Registered as erasers in accounts/registry.py (see PortalConfig.ready): the rows stay, so staff
still see that a message of a kind went out and when, but the address, the content and every
mention of the person go, and nothing more is sent to them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from accounts.registry import ErasureSubject

from .enqueue import mailout_row_key
from .models import MailOut, OutgoingEmail

# Recorded (in English, as every last_error) on mail that was still waiting when its recipient
# deleted their account.
NOT_SENT_ERASED = gettext_noop("Not sent: the recipient deleted their account.")


def _to_any(addresses: Iterable[str]) -> Q:
    query = Q(pk__in=[])
    for address in addresses:
        query |= Q(to__iexact=address)
    return query


def mailouts_erase(subject: ErasureSubject) -> None:
    """Take the person out of every mail-out's stored recipient list.

    Their entry keeps its place (the fan-out works by position) but loses address, name and
    context, under a new key; their outbox row follows the new key. Where the fan-out has not
    written their row yet, a failed, empty one is written now, so it never will.
    """
    mailouts = MailOut.objects.select_for_update().filter(subject.mentioned_in("recipients"))
    for mailout in mailouts.order_by("pk"):
        recipients = list(mailout.recipients)
        for index, recipient in enumerate(recipients):
            if not subject.is_theirs(recipient.get("email", "")):
                # Someone else's entry that mentions the person (a name in its context).
                recipients[index] = json.loads(subject.scrub(json.dumps(recipient)))
                continue
            new_key = f"erased-{subject.user.pk}-{index}"
            recipients[index] = {
                "key": new_key,
                "email": "",
                "language": recipient.get("language", settings.LANGUAGE_CODE),
                "context": {},
            }
            old_row_key = mailout_row_key(mailout, recipient["key"])
            new_row_key = mailout_row_key(mailout, new_key)
            if not OutgoingEmail.objects.filter(key=old_row_key).update(key=new_row_key):
                now = timezone.now()
                OutgoingEmail.objects.create(
                    key=new_row_key,
                    to="",
                    language=recipients[index]["language"],
                    template=mailout.template,
                    subject="",
                    body_text="",
                    mailout=mailout,
                    status=OutgoingEmail.Status.FAILED,
                    last_error=NOT_SENT_ERASED,
                    give_up_at=now,
                )
        mailout.recipients = recipients
        mailout.context = json.loads(subject.scrub(json.dumps(mailout.context)))
        mailout.title = subject.scrub(mailout.title)
        mailout.save(update_fields=["recipients", "context", "title"])


def outbox_erase(subject: ErasureSubject) -> None:
    """Blank the person's mail in the outbox and stop what was still waiting to go to them.

    Rows to their addresses lose address, content and attachments, and their keys lose the
    address; queued ones are marked failed, so no worker sends them. Rows to others that
    mention the person (a name in a staff notice) have the mention replaced. The deletion
    confirmation (`subject.keep_keys`) waits to be sent; accounts clears it afterwards.
    """
    row_status = OutgoingEmail.Status
    theirs = _to_any(subject.addresses)
    text_fields = ("key", "subject", "body_text", "body_html", "last_error")
    rows = (
        OutgoingEmail.objects.select_for_update()
        .filter(theirs | subject.mentioned_in(*text_fields))
        .exclude(key__in=subject.keep_keys)
        .order_by("pk")
    )
    for row in rows:
        row.key = subject.scrub(row.key)
        if subject.is_theirs(row.to):
            row.to = ""
            row.subject = row.body_text = row.body_html = ""
            row.attachments = []
            if row.status == row_status.QUEUED:
                row.status, row.last_error = row_status.FAILED, NOT_SENT_ERASED
            elif row.last_error != NOT_SENT_ERASED:
                row.last_error = ""  # SMTP errors quote the address
        else:
            for field in text_fields[1:]:
                setattr(row, field, subject.scrub(getattr(row, field)))
        row.save(
            update_fields=[
                "key",
                "to",
                "subject",
                "body_text",
                "body_html",
                "attachments",
                "status",
                "last_error",
            ]
        )
