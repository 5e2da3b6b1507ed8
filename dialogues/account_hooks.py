"""Mina sidor, the data export and account deletion for dialogue registrations."""

from __future__ import annotations

from django.utils import timezone

from .models import Registration


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
