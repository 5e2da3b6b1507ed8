"""The page of one municipality: what a culture officer reads before the yearly municipal
dialogue. Reads only; everything on it is public already (published meetings, summaries and
insights) or counts of people that follow the reach report's "< 5" rule.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from portal.models import Municipality

from .models import Meeting
from .reach import ReachRow, masked, reach_report
from .summaries.models import Insight, InsightStatus, Summary

# The page is a briefing, not the register: the newest of each, with a link to all of them.
MEETINGS_SHOWN = 10
INSIGHTS_SHOWN = 20
SUMMARIES_SHOWN = 10
# Participation over the last year, whatever the date.
PARTICIPATION_DAYS = 365


@dataclass
class Briefing:
    municipality: Municipality
    meetings: list[Meeting]
    county_meetings: list[Meeting]
    insights: list[Insight]
    insight_total: int
    insight_statuses: list[tuple[InsightStatus, int]]
    summaries: list[Summary]
    summary_total: int
    participation: ReachRow
    # Every other kind of event (Stockholmstinget): (its name, registrations, check-ins).
    other_participation: list[tuple[object, int | str, int | str]]
    participation_start: dt.date
    participation_end: dt.date


def _upcoming(now: dt.datetime) -> QuerySet[Meeting]:
    return Meeting.objects.public().upcoming(now).select_related("series").with_counts()


def municipality_briefing(
    *, municipality: Municipality, now: dt.datetime | None = None
) -> Briefing:
    now = now or timezone.now()
    meetings = list(_upcoming(now).filter(municipalities=municipality)[:MEETINGS_SHOWN])
    # Meetings for the whole county (no municipality named) concern every municipality.
    county_meetings = list(_upcoming(now).filter(municipalities=None)[:MEETINGS_SHOWN])

    insights = Insight.objects.published().filter(municipalities=municipality)
    statuses = dict(
        insights.order_by().values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    shown = list(
        insights.select_related("summary__meeting", "theme")
        .prefetch_related("municipalities")
        .order_by("-summary__meeting__starts_at", "summary", "position", "pk")[:INSIGHTS_SHOWN]
    )

    summaries = Summary.objects.published().filter(municipalities=municipality)
    summary_list = list(
        summaries.select_related("meeting__series")
        .prefetch_related("themes", Prefetch("municipalities"))
        .defer("search_vector")
        .order_by("-meeting__starts_at", "-pk")[:SUMMARIES_SHOWN]
    )

    end = timezone.localdate(now)
    start = end - dt.timedelta(days=PARTICIPATION_DAYS - 1)
    report = reach_report(start=start, end=end, now=now)
    participation = next(row for row in report.municipalities if row.key == municipality.slug)

    return Briefing(
        municipality=municipality,
        meetings=meetings,
        county_meetings=county_meetings,
        insights=shown,
        insight_total=sum(statuses.values()),
        insight_statuses=[(status, statuses.get(status.value, 0)) for status in InsightStatus],
        summaries=summary_list,
        summary_total=summaries.count(),
        participation=participation,
        other_participation=[
            (
                source.label,
                masked(figures.places[municipality.pk].registrations),
                masked(figures.places[municipality.pk].check_ins),
            )
            if municipality.pk in figures.places
            else (source.label, 0, 0)
            for source, figures in report.sources
        ],
        participation_start=start,
        participation_end=end,
    )


def municipality_overview(*, now: dt.datetime | None = None) -> list[dict]:
    """All 26 municipalities with their counts of upcoming meetings, summaries and insights."""
    now = now or timezone.now()
    upcoming = Meeting.objects.public().filter(ends_at__gte=now)
    published_summaries = Summary.objects.published()
    published_insights = Insight.objects.published()
    municipalities = Municipality.objects.annotate(
        meeting_count=Count(
            "meetings", filter=Q(meetings__in=upcoming.values("pk")), distinct=True
        ),
        summary_count=Count(
            "summaries", filter=Q(summaries__in=published_summaries.values("pk")), distinct=True
        ),
        insight_count=Count(
            "insights", filter=Q(insights__in=published_insights.values("pk")), distinct=True
        ),
    ).order_by("name")
    return list(municipalities)
