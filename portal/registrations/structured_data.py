"""schema.org `Event` JSON-LD for the public page of every kind of event, so search engines
can show its date, place and status.

Only what the public page shows goes in. An online event's `VirtualLocation` is the event's
public page, never the online or stream link: that link is for confirmed registrants only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import timezone

SCHEMA = "https://schema.org/"


@dataclass(frozen=True)
class EventFacts:
    """What the page of an event shows, in the terms schema.org uses."""

    name: str
    path: str  # the public page, from get_absolute_url()
    starts_at: dt.datetime
    ends_at: dt.datetime
    in_person: bool
    online: bool
    cancelled: bool
    # The calendar sequence: above zero, the event has been moved in time or place.
    sequence: int = 0
    description: str = ""
    venue: str = ""
    address: str = ""
    language: str = "sv"
    sub_events: list[EventFacts] = field(default_factory=list)


def _status(facts: EventFacts) -> str:
    if facts.cancelled:
        return SCHEMA + "EventCancelled"
    if facts.sequence:
        # A moved event that now only meets online was, as far as its visitors go, moved online.
        if facts.online and not facts.in_person:
            return SCHEMA + "EventMovedOnline"
        return SCHEMA + "EventRescheduled"
    return SCHEMA + "EventScheduled"


def _mode(facts: EventFacts) -> str:
    if facts.in_person and facts.online:
        return SCHEMA + "MixedEventAttendanceMode"
    if facts.online:
        return SCHEMA + "OnlineEventAttendanceMode"
    return SCHEMA + "OfflineEventAttendanceMode"


def _locations(facts: EventFacts, url: str) -> list[dict[str, Any]]:
    locations: list[dict[str, Any]] = []
    if facts.in_person:
        place: dict[str, Any] = {"@type": "Place", "name": facts.venue or facts.address}
        if facts.address:
            place["address"] = {
                "@type": "PostalAddress",
                "streetAddress": facts.address,
                "addressRegion": "Stockholms län",
                "addressCountry": "SE",
            }
        locations.append(place)
    if facts.online:
        locations.append({"@type": "VirtualLocation", "url": url})
    return locations


def _event(facts: EventFacts, *, top: bool) -> dict[str, Any]:
    url = settings.SITE_URL + facts.path
    event: dict[str, Any] = {
        "@type": "Event",
        "name": facts.name,
        "url": url,
        "startDate": timezone.localtime(facts.starts_at).isoformat(),
        "endDate": timezone.localtime(facts.ends_at).isoformat(),
        "eventStatus": _status(facts),
        "eventAttendanceMode": _mode(facts),
    }
    locations = _locations(facts, url)
    if locations:
        event["location"] = locations[0] if len(locations) == 1 else locations
    if facts.description:
        event["description"] = facts.description
    if top:
        event = {"@context": "https://schema.org", **event, "inLanguage": facts.language}
        event["organizer"] = {
            "@type": "Organization",
            "name": settings.OPEN_DATA_PUBLISHER_NAME,
            "url": settings.OPEN_DATA_PUBLISHER_URL,
        }
    if facts.sub_events:
        event["subEvent"] = [_event(sub, top=False) for sub in facts.sub_events]
    return event


def event_json_ld(facts: EventFacts) -> dict[str, Any]:
    """The event as a schema.org `Event` (render it with the `json_ld` template filter)."""
    return _event(facts, top=True)
