"""Mina sidor, the data export and account deletion for dialogue registrations."""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from accounts.registry import ErasureSubject

from .models import Invitation, Registration, invitation_token_generate


def _registrations(user):
    return Registration.objects.filter(user=user).select_related("meeting__series")


def my_pages_context(user) -> dict:
    now = timezone.now()
    registrations = _registrations(user)
    return {
        "upcoming_registrations": registrations.active()
        .filter(meeting__ends_at__gte=now, meeting__published_at__isnull=False)
        .order_by("meeting__starts_at"),
        "past_registrations": registrations.filter(meeting__ends_at__lt=now)
        .exclude(status="cancelled")
        .order_by("-meeting__starts_at"),
    }


def export(user) -> list[dict]:
    return [
        {
            "meeting": registration.meeting.title,
            "starts_at": registration.meeting.starts_at.isoformat(),
            "status": registration.status,
            "check_in_code": registration.check_in_code,
            "accessibility_needs": registration.accessibility_needs,
            "dietary_needs": registration.dietary_needs,
            "message": registration.message,
            "consent_to_be_listed": registration.consent_to_be_listed,
            "registered_at": registration.created_at.isoformat(),
            "checked_in_at": (
                registration.checked_in_at.isoformat() if registration.checked_in_at else None
            ),
        }
        for registration in _registrations(user).order_by("pk")
    ]


def erase(user) -> None:
    """Cancel active registrations (seats go to the waitlist) and clear what the person wrote."""
    from .services import registration_cancel

    for registration in _registrations(user).active():
        registration_cancel(registration=registration, by_staff=True, notify=False)
    _registrations(user).update(
        accessibility_needs="", dietary_needs="", message="", consent_to_be_listed=False
    )


def invitations_erase(subject: ErasureSubject) -> None:
    """Invitations to the person's addresses keep their row (invitation counts hold) but lose
    the address and the link; tied to the erased account, no follow-up selects them again."""
    from accounts.services import ANONYMISED_EMAIL_DOMAIN

    theirs = Q(user=subject.user)
    for address in subject.addresses:
        theirs |= Q(email__iexact=address)
    for invitation in Invitation.objects.select_for_update().filter(theirs).order_by("pk"):
        # One placeholder per invitation: an address is unique per meeting.
        invitation.email = f"erased-invitation-{invitation.pk}@{ANONYMISED_EMAIL_DOMAIN}"
        invitation.user = subject.user
        invitation.token = invitation_token_generate()
        invitation.save(update_fields=["email", "user", "token"])
