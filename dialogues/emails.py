"""The mail a registrant gets, written to the outbox in the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.utils import translation

from .calendar import calendar_render
from .models import Invitation, Meeting, Registration, RegistrationStatus

# Kinds whose mail carries the meeting's .ics, and whether a confirmed registrant's online link
# may be in it.
ICS_KINDS = {
    "registration_confirmed",
    "registration_promoted",
    "registration_approved",
    "meeting_changed",
    "meeting_cancelled",
    "meeting_reminder",
}


def _meeting_context(meeting: Meeting, *, show_online_link: bool) -> dict:
    return {
        "meeting": meeting,
        "meeting_url": settings.SITE_URL + meeting.get_absolute_url(),
        "show_place": meeting.has_place,
        "online_url": meeting.online_url if (show_online_link and meeting.is_online) else "",
        "contact_name": meeting.effective_contact_name,
        "contact_email": meeting.effective_contact_email,
    }


def registration_email_enqueue(
    *, registration: Registration, kind: str, key: str = "", extra: dict | None = None
):
    """Queue the `kind` mail about `registration` in its owner's language.

    The key defaults to kind and registration, so one event mails a person once however often
    the code path runs.
    """
    from portal.services import Attachment, email_enqueue

    user = registration.user
    meeting = registration.meeting
    confirmed = registration.status == RegistrationStatus.CONFIRMED
    context = _meeting_context(meeting, show_online_link=confirmed)
    context.update(
        {
            "registration": registration,
            "recipient_name": user.get_short_name(),
            "check_in_code": registration.check_in_code if confirmed else "",
        }
    )
    if extra:
        context.update(extra)
    attachments = []
    if kind in ICS_KINDS:
        attachments.append(
            Attachment(
                filename=f"{meeting.slug}.ics",
                content=calendar_render([meeting], with_online_link=confirmed),
                mimetype="text/calendar",
            )
        )
    return email_enqueue(
        key=key or f"dialogues:{kind}:{registration.pk}",
        to=user.email,
        template=f"dialogues/email/{kind}",
        context=context,
        language=user.preferred_language or settings.LANGUAGE_CODE,
        attachments=attachments,
    )


def invitations_mailout_create(
    *, meeting: Meeting, invitations: Sequence[Invitation], created_by=None
):
    """One mail-out per meeting; sending again adds only addresses not yet mailed."""
    from portal.services import MailRecipient, mailout_create

    recipients = []
    for invitation in invitations:
        user = invitation.user
        language = (user.preferred_language if user else "") or settings.LANGUAGE_CODE
        with translation.override(language):
            invitation_url = settings.SITE_URL + invitation.get_absolute_url()
        recipients.append(
            MailRecipient(
                email=invitation.email,
                language=language,
                key=f"invitation-{invitation.pk}",
                context={
                    "invitation_url": invitation_url,
                    "recipient_name": user.get_short_name() if user else "",
                },
            )
        )
    return mailout_create(
        key=f"dialogues:invitations:{meeting.pk}",
        title=f"{meeting.title} ({meeting.starts_at:%Y-%m-%d})",
        template="dialogues/email/invitation",
        recipients=recipients,
        context=_meeting_context(meeting, show_online_link=False),
        created_by=created_by,
    )
