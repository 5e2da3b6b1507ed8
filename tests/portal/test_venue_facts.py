"""Venue facts (hearing loop, step-free access, transport) on the meeting and edition pages."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import translation

from dialogues.models import MeetingFormat
from stockholmstinget.models import EditionFormat
from tests.dialogues.factories import MeetingFactory
from tests.stockholmstinget.factories import EditionFactory

pytestmark = pytest.mark.django_db

FACTS = {
    "hearing_loop": True,
    "step_free_access": False,
    "public_transport": "Slussen (tunnelbana), 2 minuter till fots",
}


def _swedish_url(event) -> str:
    # A request before may have left another language active in this thread.
    with translation.override("sv"):
        return event.get_absolute_url()


def _section(html: str) -> str:
    match = re.search(
        r'<section[^>]*aria-labelledby="venue-facts-heading".*?</section>', html, re.S
    )
    assert match, "no venue facts section"
    return match.group(0)


def _facts(section: str) -> dict[str, str]:
    pairs = re.findall(r"<dt>(.*?)</dt>\s*<dd>(.*?)</dd>", section, re.S)
    return {term.strip(): value.strip() for term, value in pairs}


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "sv",
            {
                "Hörslinga": "Ja",
                "Tillgängligt utan trappsteg": "Nej",
                "Närmaste kollektivtrafik": FACTS["public_transport"],
            },
        ),
        (
            "en",
            {
                "Hearing loop": "Yes",
                "Step-free access": "No",
                "Nearest public transport": FACTS["public_transport"],
            },
        ),
    ],
)
def test_meeting_page_lists_the_stated_facts_as_words(client, language, expected):
    """Each stated fact is a term and its answer in words; facts not stated (the accessible
    toilet, the quiet room) are left out rather than shown as "no"."""
    meeting = MeetingFactory(**FACTS)
    with translation.override(language):
        url = reverse("dialogues:meeting_detail", args=[meeting.slug])
    section = _section(client.get(url).content.decode())
    assert _facts(section) == expected


def test_edition_page_lists_the_facts_with_notes(client):
    edition = EditionFactory(
        accessible_toilet=True, quiet_room=True, access_notes="Ingång från torget.\nHiss."
    )
    section = _section(client.get(_swedish_url(edition)).content.decode())
    assert _facts(section) == {
        "Tillgänglighetsanpassad toalett": "Ja",
        "Vilorum": "Ja",
        "Mer om tillgänglighet": "Ingång från torget.<br>Hiss.",
    }


def test_no_section_without_facts_or_without_a_place(client):
    """An event with nothing stated, or held only online, has no venue section."""
    plain = MeetingFactory()
    online = MeetingFactory(format=MeetingFormat.ONLINE, venue="", address="", **FACTS)
    digital = EditionFactory(format=EditionFormat.DIGITAL, venue="", **FACTS)
    for url in map(_swedish_url, (plain, online, digital)):
        assert "venue-facts-heading" not in client.get(url).content.decode(), url


def test_staff_set_the_facts_on_the_admin_pages(staff_client):
    meeting = MeetingFactory()
    edition = EditionFactory()
    for url in (
        reverse("admin:dialogues_meeting_change", args=[meeting.pk]),
        reverse("admin:stockholmstinget_edition_change", args=[edition.pk]),
    ):
        html = staff_client.get(url).content.decode()
        for field in ("hearing_loop", "step_free_access", "public_transport", "access_notes"):
            assert f'name="{field}"' in html, (url, field)
