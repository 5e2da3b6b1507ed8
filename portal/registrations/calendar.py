"""iCalendar files for every registrable event: one builder, one VTIMEZONE per process.

An event becomes a `CalendarEntry` (its `calendar_entry()`); `calendar_render` turns entries
into a file. The UID of an entry never changes and its SEQUENCE grows with every change of time
or place, so a calendar that imported the file once replaces the entry when it moves, and
removes it when the file says STATUS:CANCELLED.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.utils import timezone

PRODID = "-//Region Stockholm//Samverkansportalen//SV"
UID_DOMAIN = "samverkan.regionstockholm.se"


@dataclass(frozen=True)
class CalendarEntry:
    uid: str
    sequence: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    summary: str
    description: str = ""
    location: str = ""
    url: str = ""
    # CONFIRMED, TENTATIVE (e.g. a session still on its waitlist) or CANCELLED.
    status: str = "CONFIRMED"
    categories: Sequence[str] = field(default_factory=tuple)


def uid(kind: str, pk: object) -> str:
    return f"{kind}-{pk}@{UID_DOMAIN}"


@functools.cache
def _vtimezone(tzid: str) -> icalendar.Timezone:
    # Built once per process: icalendar derives every transition of the zone, which costs more
    # than the rest of a file.
    return icalendar.Timezone.from_tzid(tzid, first_date=dt.date(2015, 1, 1))


def _event(entry: CalendarEntry, tz: ZoneInfo, stamp: dt.datetime) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", entry.uid)
    event.add("sequence", entry.sequence)
    event.add("dtstamp", stamp)
    event.add("dtstart", timezone.localtime(entry.starts_at, tz))
    event.add("dtend", timezone.localtime(entry.ends_at, tz))
    event.add("summary", entry.summary)
    if entry.description:
        event.add("description", entry.description)
    if entry.location:
        event.add("location", entry.location)
    if entry.url:
        event.add("url", entry.url)
    if entry.categories:
        event.add("categories", list(entry.categories))
    event.add("status", entry.status)
    return event


def calendar_render(
    entries: Iterable[CalendarEntry], *, name: str = "", method: str = "PUBLISH"
) -> bytes:
    """One iCalendar file of `entries`, times in the portal's time zone."""
    tz = ZoneInfo(settings.TIME_ZONE)
    stamp = timezone.now()
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    if name:
        calendar.add("x-wr-calname", name)
    calendar.add_component(_vtimezone(settings.TIME_ZONE))
    for entry in entries:
        calendar.add_component(_event(entry, tz, stamp))
    ical: bytes = calendar.to_ical()
    return ical
