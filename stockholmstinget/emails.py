"""The mail a registrant gets, written to the outbox in the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby
from typing import TYPE_CHECKING

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from accounts.services import Invitee
from portal.registrations.mail import registration_mail_enqueue

from .models import (
    Edition,
    EditionRegistration,
    RegistrationStatus,
    SessionSignup,
    SignupStatus,
)

# Kinds whose mail carries the registrant's own schedule as .ics.
ICS_KINDS = {
    "registration_confirmed",
    "registration_promoted",
    "registration_cancelled",
    "session_promoted",
    "edition_reminder",
    "edition_changed",
    "edition_cancelled",
}

if TYPE_CHECKING:
    from portal.outbox.render import MailPreview


def _urls(edition: Edition, language: str) -> dict:
    with translation.override(language):
        return {
            "edition_url": settings.SITE_URL + edition.get_absolute_url(),
            "registration_url": settings.SITE_URL
            + reverse("stockholmstinget:registration", args=[edition.year]),
            "programme_url": settings.SITE_URL
            + reverse("stockholmstinget:programme", args=[edition.year]),
        }


def registration_email_enqueue(
    *, registration: EditionRegistration, kind: str, key: str = "", extra: dict | None = None
) -> None:
    """Queue the `kind` mail about `registration`; the mail worker renders it."""
    edition = registration.edition
    language = registration.user.preferred_language or settings.LANGUAGE_CODE
    confirmed = registration.status == RegistrationStatus.CONFIRMED
    signups = list(
        registration.signups.active()
        .select_related("session")
        .order_by("session__starts_at", "session__pk")
    )
    context = {
        "edition": edition,
        "signups": signups,
        "status": registration.status,
        "check_in_code": registration.check_in_code if confirmed else "",
        "stream_url": edition.stream_url if registration.sees_stream else "",
        **_urls(edition, language),
        **(extra or {}),
    }
    registration_mail_enqueue(
        registration=registration,
        kind=kind,
        key=key,
        context=context,
        calendar_filename=f"stockholmstinget-{edition.year}.ics" if kind in ICS_KINDS else "",
    )


def documentation_mailout_create(*, edition: Edition, created_by=None):
    """One mail-out to everyone who registered; running it again mails nobody twice."""
    from portal.outbox.enqueue import MailRecipient, mailout_create

    registrations = (
        edition.registrations.filter(status=RegistrationStatus.CONFIRMED)
        .select_related("user")
        .order_by("pk")
    )
    recipients = []
    for registration in registrations:
        user = registration.user
        language = user.preferred_language or settings.LANGUAGE_CODE
        recipients.append(
            MailRecipient(
                email=user.email,
                language=language,
                key=f"registration-{registration.pk}",
                context={"recipient_name": user.get_short_name(), **_urls(edition, language)},
            )
        )
    return mailout_create(
        key=f"stockholmstinget:documentation_published:{edition.year}",
        title=f"{edition.title}: dokumentation",
        template="stockholmstinget/email/documentation_published",
        recipients=recipients,
        context={"edition": edition},
        created_by=created_by,
    )


# The mail-out's key still says "invitations": it is what editions announced before were sent
# under, and a new key would mail everyone on them a second time.
def _announcement_key(edition: Edition) -> str:
    return f"stockholmstinget:invitations:{edition.pk}"


def announcement_mailout_create(*, edition: Edition, invitees: Sequence[Invitee], created_by=None):
    """One mail-out per edition, keyed by address: sending again mails only new addresses."""
    from portal.outbox.enqueue import MailRecipient, mailout_create

    recipients = [
        MailRecipient(
            email=invitee.email,
            language=invitee.language,
            key=invitee.email.casefold(),
            context={
                "recipient_name": invitee.user.get_short_name() if invitee.user else "",
                **_urls(edition, invitee.language),
            },
        )
        for invitee in invitees
    ]
    return mailout_create(
        key=_announcement_key(edition),
        title=f"{edition.title}: inbjudan"[:200],
        template="stockholmstinget/email/announcement",
        recipients=recipients,
        context={"edition": edition},
        created_by=created_by,
    )


def announcement_preview(*, edition: Edition, invitees: Sequence[Invitee]) -> MailPreview:
    """The announcement as a recipient without a name reads it, in Swedish; nothing is written.

    Addresses the edition was announced to before are counted apart: sending mails only the
    others (the mail-out adds only recipients it has not written yet).
    """
    from portal.outbox.models import MailOut
    from portal.outbox.render import MailPreview, email_render

    sent = MailOut.objects.filter(key=_announcement_key(edition)).values_list(
        "recipients", flat=True
    )
    mailed = {recipient.get("key") for recipients in sent for recipient in recipients}
    new = len({invitee.email.casefold() for invitee in invitees} - mailed)
    rendered = email_render(
        template="stockholmstinget/email/announcement",
        context={
            "edition": edition,
            "recipient_name": "",
            **_urls(edition, settings.LANGUAGE_CODE),
        },
        language=settings.LANGUAGE_CODE,
    )
    return MailPreview(
        new=new,
        already=len(invitees) - new,
        subject=rendered.subject,
        body_text=rendered.body_text,
    )


def programme_mailout_create(*, edition: Edition, version: str, created_by=None):
    """The programme to every confirmed registrant, once per registrant and `version`.

    The programme is stored in the mail-out as it stands now (plain values, not sessions), so
    every recipient of one version gets the same programme however late the fan-out renders,
    and rendering needs no query per session.
    """
    from portal.outbox.enqueue import MailRecipient, mailout_create

    sessions = list(
        edition.sessions.published()
        .prefetch_related("speakers")
        .order_by("starts_at", "ends_at", "track")
    )
    slots = [
        {
            "starts_at": start,
            "ends_at": end,
            "sessions": [
                {
                    "id": session.pk,
                    "title": session.title,
                    "track": session.track,
                    "room": session.room,
                    "speakers": ", ".join(speaker.name for speaker in session.speakers.all()),
                }
                for session in items
            ],
        }
        for (start, end), items in groupby(sessions, key=lambda s: (s.starts_at, s.ends_at))
    ]
    registrations = list(
        edition.registrations.filter(status=RegistrationStatus.CONFIRMED)
        .select_related("user")
        .order_by("pk")
    )
    choices: dict[int, dict[str, list[int]]] = {}
    signups = SessionSignup.objects.active().filter(registration__in=registrations)
    for registration_id, session_id, status in signups.values_list(
        "registration_id", "session_id", "status"
    ):
        mine = choices.setdefault(registration_id, {"chosen": [], "waitlisted": []})
        mine["waitlisted" if status == SignupStatus.WAITLISTED else "chosen"].append(session_id)
    recipients = []
    for registration in registrations:
        user = registration.user
        language = user.preferred_language or settings.LANGUAGE_CODE
        recipients.append(
            MailRecipient(
                email=user.email,
                language=language,
                key=f"registration-{registration.pk}",
                context={
                    "recipient_name": user.get_short_name(),
                    **choices.get(registration.pk, {"chosen": [], "waitlisted": []}),
                    **_urls(edition, language),
                },
            )
        )
    return mailout_create(
        key=f"stockholmstinget:programme:{edition.pk}:{version}",
        title=f"{edition.title}: program ({version})"[:200],
        template="stockholmstinget/email/programme",
        recipients=recipients,
        context={"edition": edition, "slots": slots},
        created_by=created_by,
    )
