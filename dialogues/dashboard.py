"""The dialogue meetings' panel on the admin home (portal/dashboard.py)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Subquery
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from portal.dashboard import HORIZON_DAYS, ROWS

from .models import Meeting, Minutes, MinutesStatus, RegistrationStatus
from .summaries.models import Summary

# Held meetings older than this are the follow-up's business, not this week's.
HELD_WITHIN_DAYS = 60


def meetings_context(request: HttpRequest) -> dict:
    """The coming fortnight's meetings with seats and pending approvals, and recently held
    meetings lacking approved minutes or a published summary; two queries."""
    now = timezone.now()
    upcoming = list(
        Meeting.objects.published()
        .filter(starts_at__lte=now + dt.timedelta(days=HORIZON_DAYS))
        .upcoming(now)
        .select_related("series")
        .with_counts()[:ROWS]
    )
    registrations = reverse("admin:dialogues_registration_changelist")
    for meeting in upcoming:
        meeting.seats_left = (
            None if meeting.capacity is None else max(meeting.capacity - meeting.seats_held, 0)
        )
        meeting.registrations_url = f"{registrations}?meeting__id__exact={meeting.pk}"
        meeting.pending_url = (
            f"{meeting.registrations_url}&status__exact={RegistrationStatus.PENDING}"
        )

    minutes = Minutes.objects.filter(meeting=OuterRef("pk"))
    summaries = Summary.objects.filter(meeting=OuterRef("pk"))
    held = list(
        Meeting.objects.published()
        .past(now)
        .filter(ends_at__gte=now - dt.timedelta(days=HELD_WITHIN_DAYS))
        .annotate(
            minutes_pk=Subquery(minutes.values("pk")[:1]),
            summary_pk=Subquery(summaries.values("pk")[:1]),
            minutes_status=Subquery(minutes.values("status")[:1]),
            summary_published_at=Subquery(summaries.values("published_at")[:1]),
        )
        .filter(
            ~Exists(minutes.filter(status=MinutesStatus.APPROVED))
            | ~Exists(summaries.filter(published_at__isnull=False))
        )[:ROWS]
    )
    for meeting in held:
        meeting.minutes_url = (
            reverse("admin:dialogues_minutes_change", args=[meeting.minutes_pk])
            if meeting.minutes_pk
            else reverse("admin:dialogues_minutes_add") + f"?meeting={meeting.pk}"
        )
        meeting.summary_url = (
            reverse("admin:dialogues_summary_change", args=[meeting.summary_pk])
            if meeting.summary_pk
            else reverse("admin:dialogues_summary_add") + f"?meeting={meeting.pk}"
        )
    return {
        "upcoming": upcoming,
        "held": held,
        "meetings_url": reverse("admin:dialogues_meeting_changelist"),
        "minutes_approved": MinutesStatus.APPROVED,
    }
