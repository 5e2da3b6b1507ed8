"""The mail a registrant gets, written to the outbox in the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from portal.registrations.mail import registration_mail_enqueue

from .models import Invitation, Meeting, Registration, RegistrationStatus

if TYPE_CHECKING:
    from portal.outbox.render import MailPreview

# Kinds whose mail carries the person's calendar file: a seat, a change, or its end.
ICS_KINDS = {
    "registration_confirmed",
    "registration_promoted",
    "registration_approved",
    "registration_cancelled",
    "registration_cancelled_by_staff",
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
) -> None:
    """Queue the `kind` mail about `registration`; the mail worker renders it."""
    meeting = registration.meeting
    confirmed = registration.status == RegistrationStatus.CONFIRMED
    context = _meeting_context(meeting, show_online_link=confirmed)
    context["check_in_code"] = registration.check_in_code if confirmed else ""
    # The status the mail is about, as it is now: the row may change before the mail renders.
    context["status"] = registration.status
    # A direct link to cancel, in the language the mail is written in.
    with translation.override(registration.user.preferred_language or settings.LANGUAGE_CODE):
        context["cancel_url"] = settings.SITE_URL + reverse(
            "dialogues:registration_cancel", args=[meeting.slug]
        )
    if extra:
        context.update(extra)
    registration_mail_enqueue(
        registration=registration,
        kind=kind,
        key=key,
        context=context,
        calendar_filename=f"{meeting.slug}.ics" if kind in ICS_KINDS else "",
    )


def invitations_mailout_key(meeting: Meeting) -> str:
    return f"dialogues:invitations:{meeting.pk}"


def invitations_mailout_create(*, meeting: Meeting, invitations: Sequence, created_by=None):
    """One mail-out per meeting; sending again adds only addresses not yet mailed.

    Each invitation needs its `pk`, `email`, `token` and `user` (an Invitation, or the
    service's lighter row). The link differs per language only in its path, which is looked
    up once per language.
    """
    from portal.outbox.enqueue import MailRecipient, mailout_create

    paths: dict[str, str] = {}
    recipients = []
    for invitation in invitations:
        user = invitation.user
        language = (user.preferred_language if user else "") or settings.LANGUAGE_CODE
        if language not in paths:
            with translation.override(language):
                paths[language] = settings.SITE_URL + reverse(
                    "dialogues:registration_create", args=[meeting.slug]
                )
        recipients.append(
            MailRecipient(
                email=invitation.email,
                language=language,
                key=f"invitation-{invitation.pk}",
                context={
                    "invitation_url": f"{paths[language]}?inbjudan={invitation.token}",
                    "recipient_name": user.get_short_name() if user else "",
                },
            )
        )
    return mailout_create(
        key=invitations_mailout_key(meeting),
        title=f"{meeting.title} ({meeting.starts_at:%Y-%m-%d})",
        template="dialogues/email/invitation",
        recipients=recipients,
        context=_meeting_context(meeting, show_online_link=False),
        created_by=created_by,
    )


def meeting_followup_reminder_enqueue(
    *, meeting: Meeting, minutes_missing: bool, summary_missing: bool
):
    """Ask the meeting's contact to approve the minutes and publish the summary; once a meeting."""
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    from portal.outbox.enqueue import email_enqueue

    to = meeting.effective_contact_email
    # Staff with an account get it in their own language; a bare contact address in Swedish.
    contact = get_user_model().objects.filter(email__iexact=to).first()
    context = _meeting_context(meeting, show_online_link=False)
    context.update(
        {
            "recipient_name": meeting.effective_contact_name,
            "admin_url": settings.SITE_URL
            + reverse("admin:dialogues_meeting_change", args=[meeting.pk]),
            "minutes_missing": minutes_missing,
            "summary_missing": summary_missing,
        }
    )
    return email_enqueue(
        key=f"dialogues:followup-reminder:{meeting.pk}",
        to=to,
        template="dialogues/email/meeting_followup_reminder",
        context=context,
        language=(contact.preferred_language if contact else "") or settings.LANGUAGE_CODE,
    )


def invitation_followup_enqueue(*, invitation: Invitation):
    """One reminder to an invitee who has not registered; the link is the invitation's own."""
    from portal.outbox.enqueue import email_enqueue

    user = invitation.user
    language = (user.preferred_language if user else "") or settings.LANGUAGE_CODE
    with translation.override(language):
        invitation_url = settings.SITE_URL + invitation.get_absolute_url()
    context = _meeting_context(invitation.meeting, show_online_link=False)
    context.update(
        {
            "invitation_url": invitation_url,
            "recipient_name": user.get_short_name() if user else "",
        }
    )
    return email_enqueue(
        key=f"dialogues:invitation-followup:{invitation.pk}",
        to=invitation.email,
        template="dialogues/email/invitation_followup",
        context=context,
        language=language,
    )


def invitation_preview(*, meeting: Meeting, invitees) -> MailPreview:
    """The invitation as a recipient without a name reads it, in Swedish; nothing is written.

    Addresses invited to the meeting before are counted apart: sending mails only the others.
    """
    from portal.outbox.render import MailPreview, email_render

    invited = {
        email.casefold()
        for email in Invitation.objects.filter(meeting=meeting).values_list("email", flat=True)
    }
    new = sum(1 for invitee in invitees if invitee.email.casefold() not in invited)
    with translation.override(settings.LANGUAGE_CODE):
        example = settings.SITE_URL + reverse("dialogues:registration_create", args=[meeting.slug])
    rendered = email_render(
        template="dialogues/email/invitation",
        context={
            **_meeting_context(meeting, show_online_link=False),
            "invitation_url": f"{example}?inbjudan=…",
            "recipient_name": "",
        },
        language=settings.LANGUAGE_CODE,
    )
    return MailPreview(
        new=new,
        already=len(invitees) - new,
        subject=rendered.subject,
        body_text=rendered.body_text,
    )
