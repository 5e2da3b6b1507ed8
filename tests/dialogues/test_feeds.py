"""The Atom feed of summaries: published only, filterable like the list, never names."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.accounts.factories import UserFactory
from tests.dialogues.factories import RegistrationFactory, SummaryFactory

pytestmark = pytest.mark.django_db

FEED = reverse("dialogues:summary_feed")


def test_feed_holds_only_published_summaries(client):
    SummaryFactory(title="Publicerad sammanfattning")
    SummaryFactory(title="Hemligt utkast", published_at=None)
    response = client.get(FEED)
    body = response.content.decode()
    assert response["Content-Type"].startswith("application/atom+xml")
    assert "Publicerad sammanfattning" in body
    assert "Hemligt utkast" not in body


def test_feed_filters_like_the_list(client, places):
    SummaryFactory(title="I Solna", municipalities=[places["Solna"]])
    SummaryFactory(title="Någon annanstans")
    body = client.get(FEED, {"kommun": "solna"}).content.decode()
    assert "I Solna" in body
    assert "Någon annanstans" not in body
    body = client.get(FEED, {"q": "annanstans"}).content.decode()
    assert "I Solna" not in body


def test_feed_sanitises_text_and_names_no_attendee(client):
    summary = SummaryFactory(text="Text <script>alert(1)</script>")
    RegistrationFactory(
        meeting=summary.meeting,
        checked_in_at=timezone.now(),
        user=UserFactory(display_name="Namn Utan Samtycke", organisation="Dold förening"),
    )
    body = client.get(FEED).content.decode()
    assert "<script>" not in body
    assert "&lt;script&gt;" not in body
    assert "Namn Utan Samtycke" not in body
    assert "Dold förening" not in body


def test_feed_bad_filters_do_not_fail(client):
    assert client.get(FEED, {"ar": "x", "kommun": "nowhere"}).status_code == 200


def test_feed_names_its_required_author(client):
    """Atom (RFC 4287) requires an author: the feed names the administration."""
    SummaryFactory()
    body = client.get(FEED).content.decode()
    assert "<author><name>Region Stockholm, kulturförvaltningen</name></author>" in body
