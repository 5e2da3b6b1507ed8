"""Public pages for visitors without a session come from the cache, and stay correct."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.dialogues.factories import MeetingFactory, RegistrantFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def public_cache(settings):
    settings.PUBLIC_CACHE_SECONDS = 30


def test_an_anonymous_visitor_gets_the_stored_page_and_a_change_shows_at_once(client):
    meeting = MeetingFactory(title="Kulturskapares villkor")
    url = reverse("dialogues:meeting_list")
    first = client.get(url)
    second = client.get(url)
    assert first["X-Public-Cache"] == "miss"
    assert second["X-Public-Cache"] == "hit"
    assert second.content == first.content
    assert "Kulturskapares villkor" in second.content.decode()

    meeting.title = "Kulturskapares arbetsvillkor"
    meeting.save()
    fresh = client.get(url)
    assert fresh["X-Public-Cache"] == "miss"
    assert "Kulturskapares arbetsvillkor" in fresh.content.decode()


def test_a_logged_in_person_never_gets_a_stored_page_nor_leaves_one(client):
    meeting = MeetingFactory()
    person = RegistrantFactory()
    url = reverse("dialogues:meeting_detail", args=[meeting.slug])
    anonymous = client.get(url)
    assert anonymous["X-Public-Cache"] == "miss"
    my_pages = f'href="{reverse("accounts:my_pages")}"'
    client.force_login(person)
    own = client.get(url)
    assert "X-Public-Cache" not in own
    assert my_pages in own.content.decode()
    client.logout()
    after = client.get(url)
    assert after["X-Public-Cache"] == "hit"
    assert my_pages not in after.content.decode()
    assert after.content == anonymous.content


def test_a_page_with_a_form_token_is_never_stored(client):
    url = reverse("account_login")
    client.get(url)
    assert "X-Public-Cache" not in client.get(url)


def test_head_is_answered_from_the_store_without_a_body(client):
    url = reverse("dialogues:summary_list")
    client.get(url)
    response = client.head(url)
    assert response.status_code == 200
    assert response["X-Public-Cache"] == "hit"
    assert response.content == b""


def test_feeds_and_calendar_files_answer_304_to_a_known_etag(client):
    MeetingFactory()
    url = reverse("dialogues:meeting_feed")
    response = client.get(url)
    etag = response["ETag"]
    again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""


def test_a_draft_a_member_of_staff_previewed_stays_hidden_from_visitors(staff_client):
    draft = MeetingFactory(status="draft", title="Hemligt utkast")
    url = reverse("dialogues:meeting_detail", args=[draft.slug])
    assert "Hemligt utkast" in staff_client.get(url).content.decode()
    visitor = Client()
    for _ in range(2):
        response = visitor.get(url)
        assert response.status_code == 404
        assert "Hemligt utkast" not in response.content.decode()
