"""The reach and representation report: who the dialogue meetings reached, and what they raised.

Counts only, for the annual report to the culture committee. For a date range (the meetings
that began in it), per municipality (all 26, zeros shown), stakeholder group and sector:

- meetings: held meetings at which at least one person of the group was checked in;
- registrations: confirmed registrations (cancelled and declined ones are not counted);
- check-ins, and no-shows (confirmed, the meeting is over, never checked in);
- first-time and returning participants: distinct people checked in, "returning" when they
  were also checked in at a meeting that began before the range;
- insights raised in the range's published summaries, by status (municipalities and
  stakeholder groups only: insights carry no sector);
- beside the meetings, every other kind of event registered with the core's reach registry
  (Stockholmstinget's editions): its events, registrations and check-ins per municipality.

A person is counted by their profile's municipality, group and sectors (in each of their
sectors). Counts of people between 1 and 4 are shown as "< 5" so that nobody can be picked
out; meetings and insights are not people and are shown as they are.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import INTEREST_SECTORS, StakeholderGroup
from portal.county_map import CountyMap, county_map
from portal.models import Municipality
from portal.registrations.reach import PlaceFigures, ReachFigures, ReachSource, reach_figures

from .models import Meeting, MeetingStatus, Registration, RegistrationStatus
from .summaries.models import Insight, InsightStatus

SMALL = 5
MASKED = "< 5"
_NONE = PlaceFigures()
PEOPLE = ["registrations", "check_ins", "no_shows", "first_time", "returning"]


def masked(count: int) -> int | str:
    """A count of people as it may be shown: 1 to 4 become "< 5"; zero stays zero."""
    return MASKED if 0 < count < SMALL else count


@dataclass
class ReachRow:
    label: str
    key: str
    meetings: set = field(default_factory=set)
    registrations: int = 0
    check_ins: int = 0
    no_shows: int = 0
    first_time: set = field(default_factory=set)
    returning: set = field(default_factory=set)
    insights: dict = field(default_factory=lambda: defaultdict(int))
    # A row of the municipality table knows its municipality (for the county map).
    municipality: Municipality | None = None

    @property
    def reached(self) -> bool:
        return bool(self.registrations or self.check_ins)

    def shown(self) -> dict:
        """The row's figures as the page and the CSV show them."""
        return {
            "meetings": len(self.meetings),
            "registrations": masked(self.registrations),
            "check_ins": masked(self.check_ins),
            "no_shows": masked(self.no_shows),
            "first_time": masked(len(self.first_time)),
            "returning": masked(len(self.returning)),
            "insights": sum(self.insights.values()),
            **{f"insights_{status}": self.insights.get(status, 0) for status in InsightStatus},
        }


@dataclass
class Bar:
    """One bar of a chart: its figure as shown and its length in percent of the longest."""

    shown: int | str
    percent: int


def _bars(values: list[int]) -> list[Bar]:
    top = max([*values, 1])
    # A masked count gets a short bar of its own length, whatever it hides: the bar may not
    # tell more than "< 5" does.
    return [
        Bar(masked(value), 0 if not value else (2 if value < SMALL else round(100 * value / top)))
        for value in values
    ]


@dataclass
class AlongsideRow:
    """One municipality: the meetings' and every other kind of event's figures."""

    label: str
    key: str
    meetings: Bar
    meeting_check_ins: int | str
    others: list[tuple[Bar, int | str]]  # per source: registrations (a bar), check-ins


@dataclass
class ReachReport:
    start: dt.date
    end: dt.date
    meetings_held: int
    municipalities: list[ReachRow]
    groups: list[ReachRow]
    sectors: list[ReachRow]
    sources: list[tuple[ReachSource, ReachFigures]] = field(default_factory=list)
    insight_statuses: list[tuple[InsightStatus, Bar]] = field(default_factory=list)

    def alongside(self) -> list[AlongsideRow]:
        """Per municipality, registrations and check-ins at meetings and at every other kind
        of event, the registrations as bars (each kind scaled on its own)."""
        ids = [row.municipality.pk if row.municipality else None for row in self.municipalities]
        meeting_bars = _bars([row.registrations for row in self.municipalities])
        other_bars = [
            _bars([figures.places.get(pk, _NONE).registrations for pk in ids])
            for _source, figures in self.sources
        ]
        return [
            AlongsideRow(
                label=row.label,
                key=row.key,
                meetings=meeting_bars[index],
                meeting_check_ins=masked(row.check_ins),
                others=[
                    (bars[index], masked(figures.places.get(pk, _NONE).check_ins))
                    for bars, (_source, figures) in zip(other_bars, self.sources, strict=True)
                ],
            )
            for index, (row, pk) in enumerate(zip(self.municipalities, ids, strict=True))
        ]

    @property
    def unreached(self) -> list[ReachRow]:
        """Municipalities with no participation: the ones the report makes stand out."""
        return [row for row in self.municipalities if row.key and not row.reached]

    def tables(self):
        return [
            (_("Per municipality"), self.municipalities, True),
            (_("Per stakeholder group"), self.groups, True),
            (_("Per sector"), self.sectors, False),
        ]


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    first = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    after = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return first, after


def reach_report(*, start: dt.date, end: dt.date, now: dt.datetime | None = None) -> ReachReport:
    now = now or timezone.now()
    first, after = _bounds(start, end)
    meetings = Meeting.objects.filter(
        starts_at__gte=first, starts_at__lt=after, status=MeetingStatus.PUBLISHED
    )
    unknown = str(_("Not given"))
    places = {
        m.pk: ReachRow(m.name, m.slug, municipality=m)
        for m in Municipality.objects.order_by("name", "pk")
    }
    places[None] = ReachRow(unknown, "")
    groups = {value: ReachRow(str(label), value) for value, label in StakeholderGroup.choices}
    groups[""] = ReachRow(unknown, "")
    sectors = {value: ReachRow(str(label), value) for value, label in INTEREST_SECTORS}
    sectors[None] = ReachRow(unknown, "")

    rows = list(
        Registration.objects.filter(meeting__in=meetings, status=RegistrationStatus.CONFIRMED)
        .values_list(
            "meeting_id",
            "user_id",
            "checked_in_at",
            "meeting__ends_at",
            "user__municipality_id",
            "user__stakeholder_group",
            "user__sectors",
        )
        .order_by()
    )
    attendees = {user for _m, user, checked_in, *_rest in rows if checked_in}
    returning = set(
        Registration.objects.filter(
            user_id__in=attendees,
            checked_in_at__isnull=False,
            meeting__starts_at__lt=first,
        )
        .values_list("user_id", flat=True)
        .distinct()
    )
    for meeting, user, checked_in, ends_at, place, group, user_sectors in rows:
        targets = [
            places.get(place, places[None]),
            groups.get(group or "", groups[""]),
            *[sectors[s] for s in (user_sectors or []) if s in sectors],
        ]
        if not any(s in sectors for s in user_sectors or []):
            targets.append(sectors[None])
        for row in targets:
            row.registrations += 1
            if checked_in:
                row.check_ins += 1
                row.meetings.add(meeting)
                (row.returning if user in returning else row.first_time).add(user)
            elif ends_at < now:
                row.no_shows += 1

    insights = Insight.objects.published().filter(summary__meeting__in=meetings)
    through = Insight.municipalities.through.objects.filter(insight__in=insights)
    for place, status in through.values_list("municipality_id", "insight__status").order_by():
        places.get(place, places[None]).insights[status] += 1
    for stakeholder_groups, status in insights.values_list("stakeholder_groups", "status"):
        for group in stakeholder_groups or [""]:
            groups.get(group, groups[""]).insights[status] += 1

    by_status = dict(
        insights.order_by().values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    # Insights are not people: their bars show the numbers as they are.
    top = max([*by_status.values(), 1])
    status_bars = [
        Bar(by_status.get(status.value, 0), round(100 * by_status.get(status.value, 0) / top))
        for status in InsightStatus
    ]

    return ReachReport(
        start=start,
        end=end,
        meetings_held=meetings.filter(ends_at__lt=now).count(),
        municipalities=list(places.values()),
        groups=list(groups.values()),
        sectors=list(sectors.values()),
        sources=reach_figures(first=first, after=after, now=now),
        insight_statuses=list(zip(InsightStatus, status_bars, strict=True)),
    )


def reach_csv_rows(report: ReachReport):
    """Header, then one row per table row, "< 5" kept: the CSV shows what the page shows."""
    statuses = list(InsightStatus)
    yield [
        "table",
        "name",
        "meetings",
        "registrations",
        "check_ins",
        "no_shows",
        "first_time",
        "returning",
        "insights",
        *[f"insights_{status}" for status in statuses],
    ]
    for table, rows in (
        ("municipality", report.municipalities),
        ("stakeholder_group", report.groups),
        ("sector", report.sectors),
    ):
        for row in rows:
            shown = row.shown()
            yield [table, row.label, *list(shown.values())]
    # Every other kind of event, per municipality: its events held in the range (in the
    # meetings column), registrations and check-ins; the rest of the columns stay empty.
    blanks = [""] * (4 + len(statuses))
    alongside = report.alongside()
    for index, (source, figures) in enumerate(report.sources):
        yield [source.key, "", figures.events, "", "", *blanks]
        for row in alongside:
            bar, check_ins = row.others[index]
            yield [f"{source.key}_municipality", row.label, "", bar.shown, check_ins, *blanks]


def reach_default_range(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    today = today or timezone.localdate()
    return dt.date(today.year, 1, 1), dt.date(today.year, 12, 31)


# --- The staff page, on the meeting admin: a form, three tables, CSV, print ---------------

# A report longer than this is almost surely a typing slip (and would be slow to build).
MAX_DAYS = 366 * 5


class ReachReportForm(forms.Form):
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        default_start, default_end = reach_default_range()
        start = data.get("start") or default_start
        end = data.get("end") or (
            default_end if not data.get("start") else start.replace(month=12, day=31)
        )
        if end < start:
            self.add_error("end", _("The end date must not be before the start date."))
        elif end - start > dt.timedelta(days=MAX_DAYS):
            self.add_error("end", _("Choose a range of at most five years."))
        data["start"], data["end"] = start, end
        return data


def _check_ins_label(municipality: Municipality, count: int | str) -> str:
    # "< 5" is no number to choose a plural by: it reads as several.
    return ngettext(
        "%(name)s: %(count)s check-in",
        "%(name)s: %(count)s check-ins",
        5 if count == MASKED else count,
    ) % {"name": municipality.name, "count": count}


def reach_map(report: ReachReport) -> CountyMap:
    """The county map of check-ins per municipality, under the "< 5" rule; each tile links to
    its row in the table."""
    figures = [
        (row.municipality, row.shown()["check_ins"])
        for row in report.municipalities
        if row.municipality
    ]
    return county_map(figures, href=lambda m: f"#reach-row-{m.slug}", label=_check_ins_label)


class ReachReportAdminMixin:
    """Adds `rackvidd/`, the reach and representation report, to the meeting admin."""

    def get_urls(self):
        return [
            path(
                "rackvidd/",
                self.admin_site.admin_view(self.reach_view),
                name="dialogues_meeting_reach",
            ),
            *super().get_urls(),
        ]

    def reach_view(self, request: HttpRequest) -> HttpResponse:
        # Counts of registrations: staff who may see meetings may see the report.
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = ReachReportForm(request.GET or None)
        report = None
        if not request.GET or form.is_valid():
            start, end = (
                (form.cleaned_data["start"], form.cleaned_data["end"])
                if request.GET
                else reach_default_range()
            )
            report = reach_report(start=start, end=end)
            if request.GET.get("format") == "csv":
                response = HttpResponse(content_type="text/csv; charset=utf-8")
                response["Content-Disposition"] = (
                    f'attachment; filename="rackvidd-{start.isoformat()}-{end.isoformat()}.csv"'
                )
                csv.writer(response).writerows(reach_csv_rows(report))
                return response
        return TemplateResponse(
            request,
            "admin/dialogues/meeting/reach.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Reach and representation"),
                "opts": self.model._meta,
                "form": form,
                "report": report,
                "county_map": reach_map(report) if report else None,
                "statuses": list(InsightStatus),
                "query": request.GET.urlencode(),
            },
        )
