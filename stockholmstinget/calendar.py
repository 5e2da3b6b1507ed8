"""iCalendar files: the whole programme, and a registrant's own schedule."""

from __future__ import annotations

from collections.abc import Iterable
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.utils import timezone

from dialogues.calendar import PRODID

from .models import Edition, EditionRegistration, EditionStatus, Session, SignupStatus

UID_DOMAIN = "samverkan.regionstockholm.se"


def _local(value):
    return timezone.localtime(value, ZoneInfo(settings.TIME_ZONE))


def edition_event(edition: Edition, *, stream_url: str = "") -> icalendar.Event:
    """The whole day as one event; the stream link only when the caller may see it."""
    event = icalendar.Event()
    event.add("uid", f"tinget-{edition.year}@{UID_DOMAIN}")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", _local(edition.starts_at))
    event.add("dtend", _local(edition.ends_at))
    event.add("summary", edition.title)
    description = "\n\n".join(part for part in (edition.theme, stream_url) if part)
    if description:
        event.add("description", description)
    location = ", ".join(part for part in (edition.venue, edition.address) if part)
    if location and edition.has_place:
        event.add("location", location)
    event.add("url", settings.SITE_URL + edition.get_absolute_url())
    cancelled = edition.status == EditionStatus.CANCELLED
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    return event


def session_event(session: Session, *, tentative: bool = False) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", f"tinget-session-{session.pk}@{UID_DOMAIN}")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", _local(session.starts_at))
    event.add("dtend", _local(session.ends_at))
    event.add("summary", session.title)
    speakers = ", ".join(speaker.name for speaker in session.speakers.all())
    description = "\n\n".join(part for part in (session.description, speakers) if part)
    if description:
        event.add("description", description)
    if session.room:
        event.add("location", session.room)
    if session.track:
        event.add("categories", [session.track])
    event.add("status", "TENTATIVE" if tentative else "CONFIRMED")
    return event


def _calendar(events: Iterable[icalendar.Event], name: str) -> bytes:
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    for event in events:
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def programme_render(edition: Edition, sessions: Iterable[Session]) -> bytes:
    """The full public programme: the day and every session, without the stream link."""
    events = [edition_event(edition)] + [session_event(session) for session in sessions]
    return _calendar(events, edition.title)


def schedule_render(registration: EditionRegistration) -> bytes:
    """A registrant's own day: the edition and the sessions they chose.

    A session still on its waitlist is marked tentative; the stream link is in it only for a
    confirmed digital participant.
    """
    edition = registration.edition
    stream_url = edition.stream_url if registration.sees_stream else ""
    events = [edition_event(edition, stream_url=stream_url)]
    signups = (
        registration.signups.active()
        .select_related("session")
        .prefetch_related("session__speakers")
        .order_by("session__starts_at", "session__pk")
    )
    for signup in signups:
        events.append(
            session_event(signup.session, tentative=signup.status == SignupStatus.WAITLISTED)
        )
    return _calendar(events, edition.title)
