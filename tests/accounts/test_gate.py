"""The gate before any registration: logged in, address confirmed, profile complete."""

from __future__ import annotations

import pytest

from accounts.services import GateBlock, registration_gate_block
from portal.models import Municipality
from tests.accounts.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.accounts.gate_urls")]


@pytest.mark.parametrize("url", ["/gated/"])
def test_anonymous_visitor_is_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/konto/login/?next={url.replace('/', '%2F')}"


@pytest.mark.parametrize("url", ["/gated/"])
def test_unverified_user_cannot_register(client, url):
    """Without a confirmed address there is no registering, even when logged in."""
    user = UserFactory(verified=False)
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/konto/email/?next=")
    assert registration_gate_block(user) == GateBlock.UNVERIFIED


def test_incomplete_profile_is_completed_first_and_then_the_visit_continues(client, municipalities):
    user = UserFactory(profile_completed_at=None, stakeholder_group="")
    client.force_login(user)
    response = client.get("/gated/")
    assert response.status_code == 302
    assert response["Location"] == "/mina-sidor/komplettera-profil/?next=%2Fgated%2F"
    assert registration_gate_block(user) == GateBlock.PROFILE

    page = client.get(response["Location"])
    assert page.status_code == 200
    response = client.post(
        "/mina-sidor/komplettera-profil/",
        {
            "display_name": "Olle Berg",
            "stakeholder_group": "municipality",
            "municipality": Municipality.objects.get(name="Nacka").pk,
            "preferred_language": "sv",
            "next": "/gated/",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/gated/"
    assert client.get("/gated/").content == b"registered"
    user.refresh_from_db()
    assert user.profile_is_complete
    assert user.municipality.name == "Nacka"


def test_completion_refuses_an_outside_next_url(client):
    user = UserFactory(profile_completed_at=None)
    client.force_login(user)
    response = client.post(
        "/mina-sidor/komplettera-profil/",
        {
            "display_name": "Olle Berg",
            "stakeholder_group": "other",
            "preferred_language": "sv",
            "next": "https://evil.example/",
        },
    )
    assert response["Location"] == "/mina-sidor/"


def test_verified_user_with_profile_passes(client):
    user = UserFactory()
    client.force_login(user)
    assert client.get("/gated/").content == b"registered"
    assert registration_gate_block(user) is None


def test_login_sends_a_person_without_profile_to_completion(client):
    from tests.accounts.factories import DEFAULT_PASSWORD

    UserFactory(email="ny@example.se", profile_completed_at=None)
    response = client.post(
        "/konto/login/", {"login": "ny@example.se", "password": DEFAULT_PASSWORD}
    )
    assert response["Location"] == "/mina-sidor/komplettera-profil/"
