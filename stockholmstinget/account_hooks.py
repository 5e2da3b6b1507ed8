"""Stockholmstinget's part of Mina sidor, the data export and account deletion."""

from __future__ import annotations

from django.db.models import Prefetch

from .models import EditionRegistration, SessionSignup
from .services import registration_cancel


def _registrations(user):
    signups = SessionSignup.objects.active().select_related("session")
    return (
        EditionRegistration.objects.filter(user=user)
        .select_related("edition", "municipality")
        .prefetch_related(Prefetch("signups", queryset=signups, to_attr="active_signups"))
        .order_by("-edition__year", "-pk")
    )


def my_pages_context(user) -> dict:
    return {"tinget_registrations": list(_registrations(user).active())}


def export(user) -> list[dict]:
    return [
        {
            "edition": registration.edition.year,
            "mode": registration.mode,
            "sector": registration.sector,
            "organisation": registration.organisation,
            "municipality": registration.municipality.name if registration.municipality else "",
            "status": registration.status,
            "accessibility_needs": registration.accessibility_needs,
            "dietary_needs": registration.dietary_needs,
            "message": registration.message,
            "registered_at": registration.created_at.isoformat(),
            "checked_in_at": registration.checked_in_at.isoformat()
            if registration.checked_in_at
            else None,
            "sessions": [
                {
                    "title": signup.session.title,
                    "status": signup.status,
                    "checked_in_at": signup.checked_in_at.isoformat()
                    if signup.checked_in_at
                    else None,
                }
                for signup in registration.active_signups
            ],
        }
        for registration in _registrations(user)
    ]


def erase(user) -> None:
    """Cancel active registrations (freeing seats for the waitlists) and clear free text."""
    for registration in EditionRegistration.objects.active().filter(user=user):
        registration_cancel(registration=registration, by_staff=True, notify=False)
    EditionRegistration.objects.filter(user=user).update(
        **dict.fromkeys(EditionRegistration.PERSONAL_TEXT_FIELDS, ""), organisation=""
    )
