"""iCalendar files for meetings: one stable UID per meeting, SEQUENCE bumped on changes."""

from __future__ import annotations

from collections.abc import Iterable
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.utils import timezone

from .models import Meeting, MeetingStatus

PRODID = "-//Region Stockholm//Samverkansportalen//SV"


def meeting_uid(meeting: Meeting) -> str:
    return f"meeting-{meeting.pk}@samverkan.regionstockholm.se"


def _location(meeting: Meeting, *, with_online_link: bool) -> str:
    parts = []
    if meeting.has_place:
        parts += [part for part in (meeting.venue, meeting.address) if part]
    if meeting.is_online and with_online_link and meeting.online_url:
        parts.append(meeting.online_url)
    return ", ".join(parts)


def meeting_event(meeting: Meeting, *, with_online_link: bool = False) -> icalendar.Event:
    """One VEVENT. The online link goes in only for a confirmed registrant's own file."""
    tz = ZoneInfo(settings.TIME_ZONE)
    event = icalendar.Event()
    event.add("uid", meeting_uid(meeting))
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", timezone.now())
    event.add("dtstart", timezone.localtime(meeting.starts_at, tz))
    event.add("dtend", timezone.localtime(meeting.ends_at, tz))
    event.add("summary", meeting.title)
    description = meeting.description
    if with_online_link and meeting.is_online and meeting.online_url:
        description = f"{description}\n\n{meeting.online_url}".strip()
    if description:
        event.add("description", description)
    location = _location(meeting, with_online_link=with_online_link)
    if location:
        event.add("location", location)
    event.add("url", settings.SITE_URL + meeting.get_absolute_url())
    cancelled = meeting.status == MeetingStatus.CANCELLED
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    return event


def calendar_render(
    meetings: Iterable[Meeting], *, with_online_link: bool = False, name: str = ""
) -> bytes:
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    if name:
        calendar.add("x-wr-calname", name)
    for meeting in meetings:
        calendar.add_component(meeting_event(meeting, with_online_link=with_online_link))
    calendar.add_missing_timezones()
    return calendar.to_ical()
