"""The mails a registrant gets, written to the outbox in the caller's transaction.

Each kind of event names its templates `<app>/email/<kind>` and gives the context of its
mails; the core writes the row without rendering it (the mail worker renders it, and builds
the calendar file, just before sending), so a registration holds its event's lock only for the
seat decision and the writes.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings

from portal.outbox.enqueue import (
    Attachment,
    DeferredAttachment,
    attachment_builder_register,
    email_enqueue,
)

from .calendar import calendar_render
from .models import Registration
from .qr import CHECK_IN_QR_CID, check_in_qr_png

CALENDAR_BUILDER = "registration_calendar"
CHECK_IN_QR_BUILDER = "registration_check_in_qr"


def registration_calendar_attachment(
    *, registration: Registration, filename: str, method: str = "PUBLISH"
) -> Attachment:
    """The person's own calendar file, as it stands when the mail is rendered."""
    content = calendar_render(
        registration.calendar_entries(), name=str(registration.event), method=method
    )
    # Outlook reads the method from the Content-Type as well as from the file.
    return Attachment(
        filename=filename, content=content, mimetype=f"text/calendar; method={method}"
    )


def _calendar_build(*, label: str, pk: int, filename: str, method: str = "PUBLISH") -> Attachment:
    registration = apps.get_model(label).objects.get(pk=pk)
    return registration_calendar_attachment(
        registration=registration, filename=filename, method=method
    )


attachment_builder_register(CALENDAR_BUILDER, _calendar_build)


def _check_in_qr_build(*, code: str) -> Attachment:
    return Attachment(
        filename=f"{code}.png",
        content=check_in_qr_png(code),
        mimetype="image/png",
        content_id=CHECK_IN_QR_CID,
    )


attachment_builder_register(CHECK_IN_QR_BUILDER, _check_in_qr_build)


def registration_mail_enqueue(
    *,
    registration: Registration,
    kind: str,
    context: dict[str, Any],
    key: str = "",
    calendar_filename: str = "",
) -> None:
    """Queue the `kind` mail about `registration` in its owner's language, rendered later.

    The key defaults to kind and registration, so one event mails a person once however often
    the code path runs. With `calendar_filename` the mail carries the person's calendar file,
    as METHOD:CANCEL when the mail is about an ending (a kind with "cancelled" in its name).
    A `check_in_code` in the context comes as a QR code too, shown in the HTML part beside
    the code in text.
    """
    user = registration.user
    app = registration._meta.app_label
    attachments = []
    if calendar_filename:
        attachments.append(
            DeferredAttachment(
                builder=CALENDAR_BUILDER,
                args={
                    "label": registration._meta.label_lower,
                    "pk": registration.pk,
                    "filename": calendar_filename,
                    "method": "CANCEL" if "cancelled" in kind else "PUBLISH",
                },
            )
        )
    if code := context.get("check_in_code"):
        attachments.append(DeferredAttachment(builder=CHECK_IN_QR_BUILDER, args={"code": code}))
        context = {**context, "check_in_qr_cid": CHECK_IN_QR_CID}
    email_enqueue(
        key=key or f"{app}:{kind}:{registration.pk}",
        to=user.email,
        template=f"{app}/email/{kind}",
        context={"registration": registration, "recipient_name": user.get_short_name(), **context},
        language=user.preferred_language or settings.LANGUAGE_CODE,
        attachments=attachments,
        render_later=True,
    )
