"""Stockholmstinget's figures for the reach report (`portal/registrations/reach.py`)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
from django.db.models.functions import Coalesce

from portal.registrations.reach import ReachFigures

from .models import Edition, EditionRegistration, RegistrationStatus


def figures(*, first: dt.datetime, after: dt.datetime, now: dt.datetime) -> ReachFigures:
    """Editions that began in the range, and their confirmed registrations per municipality:
    the one given at registration, else the profile's."""
    editions = Edition.objects.public().filter(starts_at__gte=first, starts_at__lt=after)
    result = ReachFigures(events=editions.filter(ends_at__lt=now).count())
    rows = (
        EditionRegistration.objects.filter(
            edition__in=editions, status=RegistrationStatus.CONFIRMED
        )
        .annotate(place=Coalesce("municipality_id", "user__municipality_id"))
        .values("place")
        .annotate(
            registrations=Count("pk"), check_ins=Count("pk", filter=Q(checked_in_at__isnull=False))
        )
        .order_by()
    )
    for row in rows:
        place = result.place(row["place"])
        place.registrations += row["registrations"]
        place.check_ins += row["check_ins"]
    return result
