"""Stockholmstinget's panel on the admin home (portal/dashboard.py)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from portal.dashboard import ROWS
from portal.registrations.models import RegistrationStatus

from .models import AttendanceMode, Edition, EditionStatus, ProposalStatus

# An edition is yearly: its documentation is still this season's work for half a year.
HELD_WITHIN_DAYS = 180


def editions_context(request: HttpRequest) -> dict:
    """Coming editions with their seats, waitlist and proposals awaiting a decision, and held
    editions whose documentation is not published; two queries."""
    now = timezone.now()
    confirmed = Q(registrations__status=RegistrationStatus.CONFIRMED)
    upcoming = list(
        Edition.objects.filter(status=EditionStatus.PUBLISHED)
        .upcoming(now)
        .annotate(
            in_person=Count(
                "registrations",
                filter=confirmed & Q(registrations__mode=AttendanceMode.IN_PERSON),
                distinct=True,
            ),
            digital=Count(
                "registrations",
                filter=confirmed & Q(registrations__mode=AttendanceMode.DIGITAL),
                distinct=True,
            ),
            waitlisted=Count(
                "registrations",
                filter=Q(registrations__status=RegistrationStatus.WAITLISTED),
                distinct=True,
            ),
            undecided=Count(
                "call__proposals",
                filter=Q(call__proposals__status=ProposalStatus.SUBMITTED),
                distinct=True,
            ),
        )[:ROWS]
    )
    registrations = reverse("admin:stockholmstinget_editionregistration_changelist")
    proposals = reverse("admin:stockholmstinget_proposal_changelist")
    for edition in upcoming:
        edition.seats_left = (
            None if edition.capacity is None else max(edition.capacity - edition.in_person, 0)
        )
        edition.registrations_url = f"{registrations}?edition__id__exact={edition.pk}"
        edition.undecided_url = (
            f"{proposals}?call__edition__id__exact={edition.pk}"
            f"&status__exact={ProposalStatus.SUBMITTED}"
        )
    held = list(
        Edition.objects.filter(
            status=EditionStatus.PUBLISHED,
            documentation_published_at__isnull=True,
            ends_at__gte=now - dt.timedelta(days=HELD_WITHIN_DAYS),
        ).past(now)[:ROWS]
    )
    return {"upcoming": upcoming, "held": held}
