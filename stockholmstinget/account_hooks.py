"""Stockholmstinget's part of Mina sidor, the data export and account deletion."""

from __future__ import annotations

from django.db.models import Prefetch

from .models import EditionRegistration, Proposal, ProposalSpeaker, SessionSignup
from .services import registration_cancel


def _registrations(user):
    signups = SessionSignup.objects.active().select_related("session")
    return (
        EditionRegistration.objects.filter(user=user)
        .select_related("edition", "municipality")
        .prefetch_related(Prefetch("signups", queryset=signups, to_attr="active_signups"))
        .order_by("-edition__year", "-pk")
    )


def _proposals(user):
    return (
        Proposal.objects.filter(proposer=user)
        .select_related("call__edition", "format")
        .prefetch_related("speakers")
        .order_by("-call__edition__year", "-pk")
    )


def my_pages_context(user) -> dict:
    return {
        "tinget_registrations": list(_registrations(user).active()),
        "tinget_proposals": list(_proposals(user)),
    }


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
    ] + [
        {
            "proposal_for_edition": proposal.call.edition.year,
            "title": proposal.title,
            "format": str(proposal.format) if proposal.format else "",
            "abstract": proposal.abstract,
            "audience": proposal.audience,
            "organisation": proposal.organisation,
            "municipality": proposal.municipality.name if proposal.municipality else "",
            "sector": proposal.sector,
            "accessibility": proposal.accessibility,
            "needs": proposal.needs,
            "status": proposal.status,
            "decision_message": proposal.decision_message,
            "speakers": [
                {"name": s.name, "role": s.role, "bio": s.bio, "consent": s.consent_to_publish}
                for s in proposal.speakers.all()
            ],
        }
        for proposal in _proposals(user)
    ]


def erase(user) -> None:
    """Cancel active registrations (freeing seats for the waitlists) and clear free text."""
    for registration in EditionRegistration.objects.active().filter(user=user):
        registration_cancel(registration=registration, by_staff=True, notify=False)
    EditionRegistration.objects.filter(user=user).update(
        **dict.fromkeys(EditionRegistration.PERSONAL_TEXT_FIELDS, ""), organisation=""
    )
    # Proposals not in the programme go; an accepted one's session belongs to the programme.
    Proposal.objects.filter(proposer=user, session__isnull=True).delete()
    ProposalSpeaker.objects.filter(proposal__proposer=user).delete()
    Proposal.objects.filter(proposer=user).update(
        **dict.fromkeys(Proposal.PERSONAL_TEXT_FIELDS, ""), decision_message=""
    )
