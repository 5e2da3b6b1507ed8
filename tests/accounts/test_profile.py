"""Profile editing on Mina sidor: consents keep the time they were given and can be withdrawn."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from accounts.models import User
from tests.accounts.factories import UserFactory

STOCKHOLM = ZoneInfo("Europe/Stockholm")

pytestmark = pytest.mark.django_db

PROFILE_URL = "/mina-sidor/profil/"


def _data(**overrides) -> dict:
    data = {
        "display_name": "Maja Ek",
        "organisation": "Teater Tre",
        "stakeholder_group": "professional_artist",
        "sectors": ["culture"],
        "preferred_language": "sv",
    }
    data.update(overrides)
    return data


def test_consent_is_stamped_kept_and_withdrawn(client):
    user = UserFactory()
    client.force_login(user)
    assert user.invitations_consented_at is None

    before = timezone.now()
    client.post(PROFILE_URL, _data(invitations_consent="on"))
    user.refresh_from_db()
    given_at = user.invitations_consented_at
    assert given_at is not None
    assert given_at >= before
    assert user.public_listing_consented_at is None

    # Saving again with the consent still given keeps the original time.
    client.post(PROFILE_URL, _data(invitations_consent="on", public_listing_consent="on"))
    user.refresh_from_db()
    assert user.invitations_consented_at == given_at
    assert user.public_listing_consented_at is not None

    # Unticking withdraws it.
    response = client.post(PROFILE_URL, _data(public_listing_consent="on"))
    assert response.status_code == 302
    assert response["Location"] == "/mina-sidor/"
    user.refresh_from_db()
    assert user.invitations_consented_at is None
    assert not user.wants_invitations
    assert user.may_be_listed


def test_profile_page_shows_when_a_consent_was_given(client):
    given = dt.datetime(2026, 3, 5, 14, 30, tzinfo=STOCKHOLM)
    user = UserFactory(invitations_consented_at=given)
    client.force_login(user)
    page = client.get(PROFILE_URL).content.decode()
    assert "checked" in page.split('name="invitations_consent"')[1].split(">")[0]
    overview = client.get("/mina-sidor/").content.decode()
    assert "14:30" in overview


def test_bad_profile_input_changes_nothing(client):
    user = UserFactory(display_name="Maja Ek", stakeholder_group="civil_society")
    client.force_login(user)
    response = client.post(PROFILE_URL, _data(stakeholder_group="municipality", display_name="X"))
    assert response.status_code == 200
    assert "municipality" in response.context["form"].errors
    user.refresh_from_db()
    assert user.display_name == "Maja Ek"
    assert user.stakeholder_group == "civil_society"


def test_database_refuses_a_municipality_officer_without_municipality():
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        User.objects.create_user("a@example.se", stakeholder_group="municipality")


def test_my_pages_needs_login(client):
    response = client.get("/mina-sidor/")
    assert response.status_code == 302
    assert response["Location"].startswith("/konto/login/")


@pytest.mark.parametrize("url", ["/konto/signup/", PROFILE_URL])
def test_the_consents_link_the_privacy_notice(client, url):
    """A consent is informed: sign-up and the profile link what it covers."""
    if url == PROFILE_URL:
        client.force_login(UserFactory())
    page = client.get(url).content.decode()
    assert 'står på sidan <a href="/integritet/">Integritet och personuppgifter</a>' in page


def test_my_pages_has_no_placeholder_for_what_already_works(client):
    client.force_login(UserFactory())
    page = client.get("/mina-sidor/").content.decode()
    assert "Här kommer du att kunna" not in page
    assert page.count("Bevakningar") <= 1
