"""schema.org Event JSON-LD on the pages of meetings and Stockholmstinget editions."""

from __future__ import annotations

import json
import re

import pytest
from django.test import override_settings
from django.urls import reverse

from dialogues import services as dialogue_services
from dialogues.models import MeetingFormat, MeetingStatus, Minutes
from stockholmstinget.models import AttendanceMode, EditionFormat, EditionStatus
from tests.dialogues.factories import MeetingFactory, RegistrantFactory
from tests.dialogues.factories import RegistrationFactory as MeetingRegistrationFactory
from tests.stockholmstinget.factories import EditionFactory, SessionFactory
from tests.stockholmstinget.factories import RegistrationFactory as EditionRegistrationFactory

pytestmark = pytest.mark.django_db

BLOCK = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)
ONLINE_URL = "https://meet.example.se/hemligt-rum"
SITE = "https://samverkan.example.se"


def json_ld(client, url: str) -> list[dict]:
    """Every JSON-LD block of the page, parsed."""
    response = client.get(url)
    assert response.status_code == 200
    return [json.loads(block) for block in BLOCK.findall(response.content.decode())]


@override_settings(SITE_URL=SITE)
def test_a_meeting_in_person_is_a_scheduled_event_at_a_place(client):
    meeting = MeetingFactory(title="Kultur i Norrtälje", address="Stora torget 1, Norrtälje")
    [event] = json_ld(client, meeting.get_absolute_url())
    assert event["@context"] == "https://schema.org"
    assert event["@type"] == "Event"
    assert event["name"] == "Kultur i Norrtälje"
    assert event["url"] == SITE + meeting.get_absolute_url()
    assert event["startDate"].startswith(meeting.starts_at.astimezone().date().isoformat())
    assert event["endDate"]
    assert event["eventStatus"] == "https://schema.org/EventScheduled"
    assert event["eventAttendanceMode"] == "https://schema.org/OfflineEventAttendanceMode"
    assert event["location"]["@type"] == "Place"
    assert event["location"]["address"]["streetAddress"] == "Stora torget 1, Norrtälje"
    assert event["organizer"]["@type"] == "Organization"


def test_a_hybrid_meeting_has_a_virtual_location_without_the_online_link(client):
    """The virtual location is the public page; the link is for confirmed registrants."""
    meeting = MeetingFactory(format=MeetingFormat.HYBRID, online_url=ONLINE_URL)
    confirmed = RegistrantFactory()
    MeetingRegistrationFactory(meeting=meeting, user=confirmed)
    client.force_login(confirmed)
    response = client.get(meeting.get_absolute_url())
    assert ONLINE_URL in response.content.decode()  # the registrant sees it on the page …
    [block] = BLOCK.findall(response.content.decode())
    assert ONLINE_URL not in block  # … but it is not in the data for search engines
    event = json.loads(block)
    assert event["eventAttendanceMode"] == "https://schema.org/MixedEventAttendanceMode"
    assert [place["@type"] for place in event["location"]] == ["Place", "VirtualLocation"]


def test_cancelled_moved_and_moved_online_meetings_say_so(client):
    cancelled = MeetingFactory()
    dialogue_services.meeting_cancel(meeting=cancelled)
    [event] = json_ld(client, cancelled.get_absolute_url())
    assert event["eventStatus"] == "https://schema.org/EventCancelled"

    moved = MeetingFactory()
    dialogue_services.meeting_update(meeting=moved, changes={"venue": "Stadsbiblioteket"})
    [event] = json_ld(client, moved.get_absolute_url())
    assert event["eventStatus"] == "https://schema.org/EventRescheduled"
    assert event["location"]["name"] == "Stadsbiblioteket"

    online = MeetingFactory()
    dialogue_services.meeting_update(
        meeting=online, changes={"format": MeetingFormat.ONLINE, "online_url": ONLINE_URL}
    )
    [event] = json_ld(client, online.get_absolute_url())
    assert event["eventStatus"] == "https://schema.org/EventMovedOnline"
    assert event["eventAttendanceMode"] == "https://schema.org/OnlineEventAttendanceMode"
    assert ONLINE_URL not in json.dumps(event)


def test_a_drafts_preview_and_the_minutes_never_reach_the_json_ld(staff_client):
    draft = MeetingFactory(status=MeetingStatus.DRAFT, published_at=None)
    assert json_ld(staff_client, draft.get_absolute_url()) == []
    held = MeetingFactory(description="Öppet samtal.")
    Minutes.objects.create(meeting=held, text="Hemligt protokoll", decisions="Hemligt beslut")
    [block] = BLOCK.findall(staff_client.get(held.get_absolute_url()).content.decode())
    assert "Hemligt" not in block


def test_text_cannot_close_the_script_element(client):
    meeting = MeetingFactory(title="</script><script>alert(1)</script>", description="a & b")
    body = client.get(meeting.get_absolute_url()).content.decode()
    assert "<script>alert(1)" not in body
    [event] = [json.loads(block) for block in BLOCK.findall(body)]
    assert event["name"] == "</script><script>alert(1)</script>"


def test_an_edition_is_an_event_without_its_stream_link(client):
    edition = EditionFactory(format=EditionFormat.HYBRID)
    digital = RegistrantFactory()
    EditionRegistrationFactory(edition=edition, user=digital, mode=AttendanceMode.DIGITAL)
    client.force_login(digital)
    response = client.get(edition.get_absolute_url())
    assert edition.stream_url in response.content.decode()
    [block] = BLOCK.findall(response.content.decode())
    assert edition.stream_url not in block
    event = json.loads(block)
    assert event["name"] == edition.title
    assert event["eventStatus"] == "https://schema.org/EventScheduled"
    assert event["eventAttendanceMode"] == "https://schema.org/MixedEventAttendanceMode"
    assert event["location"][0]["address"]["streetAddress"] == edition.address


def test_the_programme_lists_published_sessions_as_sub_events(client):
    edition = EditionFactory(format=EditionFormat.IN_PERSON)
    SessionFactory(edition=edition, title="Välkommen")
    SessionFactory(edition=edition, title="Opublicerat pass", published=False)
    [event] = json_ld(client, reverse("stockholmstinget:programme", args=[edition.year]))
    assert [sub["name"] for sub in event["subEvent"]] == ["Välkommen"]
    assert "Opublicerat" not in json.dumps(event)


def test_a_cancelled_edition_says_so_and_a_draft_says_nothing(client, staff_client):
    cancelled = EditionFactory(status=EditionStatus.CANCELLED)
    [event] = json_ld(client, cancelled.get_absolute_url())
    assert event["eventStatus"] == "https://schema.org/EventCancelled"
    draft = EditionFactory(status=EditionStatus.DRAFT, published_at=None)
    assert json_ld(staff_client, draft.get_absolute_url()) == []
