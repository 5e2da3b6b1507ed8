"""The mail a registrant gets, written to the outbox in the caller's transaction."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from .calendar import schedule_render
from .models import Edition, EditionRegistration, RegistrationStatus

# Kinds whose mail carries the registrant's own schedule as .ics.
ICS_KINDS = {
    "registration_confirmed",
    "registration_promoted",
    "session_promoted",
    "edition_reminder",
}


def _urls(edition: Edition, language: str) -> dict:
    with translation.override(language):
        return {
            "edition_url": settings.SITE_URL + edition.get_absolute_url(),
            "registration_url": settings.SITE_URL
            + reverse("stockholmstinget:registration", args=[edition.year]),
        }


def registration_email_enqueue(
    *, registration: EditionRegistration, kind: str, key: str = "", extra: dict | None = None
):
    """Queue the `kind` mail about `registration` in its owner's language.

    The key defaults to kind and registration, so one event mails a person once however often
    the code path runs.
    """
    from portal.services import Attachment, email_enqueue

    user = registration.user
    edition = registration.edition
    language = user.preferred_language or settings.LANGUAGE_CODE
    confirmed = registration.status == RegistrationStatus.CONFIRMED
    signups = list(
        registration.signups.active()
        .select_related("session")
        .order_by("session__starts_at", "session__pk")
    )
    context = {
        "edition": edition,
        "registration": registration,
        "signups": signups,
        "recipient_name": user.get_short_name(),
        "check_in_code": registration.check_in_code if confirmed else "",
        "stream_url": edition.stream_url if registration.sees_stream else "",
        **_urls(edition, language),
    }
    if extra:
        context.update(extra)
    attachments = []
    if kind in ICS_KINDS:
        attachments.append(
            Attachment(
                filename=f"stockholmstinget-{edition.year}.ics",
                content=schedule_render(registration),
                mimetype="text/calendar",
            )
        )
    return email_enqueue(
        key=key or f"stockholmstinget:{kind}:{registration.pk}",
        to=user.email,
        template=f"stockholmstinget/email/{kind}",
        context=context,
        language=language,
        attachments=attachments,
    )


def documentation_mailout_create(*, edition: Edition, created_by=None):
    """One mail-out to everyone who registered; running it again mails nobody twice."""
    from portal.services import MailRecipient, mailout_create

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
