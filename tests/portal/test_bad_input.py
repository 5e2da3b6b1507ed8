"""Malformed input gets a field error or a 400 page, never a 500: the cases found by hand.

tests/portal/test_fuzz.py throws generated values at every form and parameter; these are the
ones that once answered 500, each kept as a plain regression test.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.test import Client

from dialogues.models import DialogueSeries, Minutes
from dialogues.summaries.models import Subscription, Summary
from portal.models import Theme
from tests.accounts.factories import UserFactory
from tests.dialogues.factories import MeetingFactory
from tests.dialogues.summary_fixtures import themes  # noqa: F401

pytestmark = pytest.mark.django_db

PROFILE = {
    "display_name": "Maja Ek",
    "organisation": "Teater Tre",
    "stakeholder_group": "professional_artist",
    "sectors": ["culture"],
    "preferred_language": "sv",
}


@pytest.fixture
def person(client):
    client.raise_request_exception = False
    client.force_login(UserFactory())
    return client


@pytest.mark.parametrize(
    "target", ["foo", "my_pages", "https://evil.example/", "/x\r\nSet-Cookie: a=b"]
)
def test_a_next_that_is_no_path_on_this_site_goes_to_my_pages(person, target):
    """`redirect()` takes a bare word for a URL name and fails; only paths are followed."""
    response = person.get("/mina-sidor/komplettera-profil/", {"next": target})
    assert response.status_code == 302
    assert response["Location"] == "/mina-sidor/"

    response = person.post(f"/mina-sidor/profil/?{urlencode({'next': target})}", PROFILE)
    assert response.status_code == 302
    assert response["Location"] == "/mina-sidor/"

    response = person.post("/mina-sidor/komplettera-profil/", {**PROFILE, "next": target})
    assert response.status_code == 302
    assert response["Location"] == "/mina-sidor/"


def test_a_next_on_this_site_is_followed_after_saving_the_profile(person):
    response = person.post("/mina-sidor/profil/?next=/dialogmoten/", PROFILE)
    assert response.status_code == 302
    assert response["Location"] == "/dialogmoten/"


@pytest.mark.usefixtures("themes")
def test_alert_subscribe_and_unsubscribe_with_a_bare_word_next(person):
    response = person.post("/sammanfattningar/bevakningar/", {"tema": "lokaler", "next": "foo"})
    assert response.status_code == 302
    assert response["Location"] == "/mina-sidor/"
    subscription = Subscription.objects.get()

    response = person.post(
        f"/sammanfattningar/bevakningar/{subscription.pk}/ta-bort/", {"next": "foo"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/mina-sidor/"
    assert not Subscription.objects.exists()


@pytest.mark.parametrize(
    ("path", "charset", "heading"),
    [
        ("/konto/login/", "utf-16", "Felaktig begäran"),
        ("/konto/login/", "latin-1", "Felaktig begäran"),
        ("/en/konto/login/", "utf-16", "Bad request"),
        ("/konto/signup/", "iso-8859-1", "Felaktig begäran"),
    ],
)
def test_a_form_post_in_another_charset_than_utf8_gets_the_400_page(path, charset, heading):
    """Django refuses such a body, then reads it again for the 400 page's CSRF check; the
    second failure used to escape as the server's bare 500. A browser sends the CSRF token."""
    browser = Client(enforce_csrf_checks=True, raise_request_exception=False)
    browser.get(path)
    token = browser.cookies["csrftoken"].value
    response = browser.post(
        path,
        f"login=anna%40example.se&password=x&csrfmiddlewaretoken={token}",
        content_type=f"application/x-www-form-urlencoded; charset={charset}",
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert f"<h1>{heading}</h1>" in html
    assert 'aria-label="Huvudmeny"' in html or 'aria-label="Main navigation"' in html


# --- Staff ---------------------------------------------------------------------------------


@pytest.fixture
def staff(staff_client):
    staff_client.raise_request_exception = False
    return staff_client


@pytest.mark.parametrize("value", ["abc", "1.5", "99999999999999999999999", ""])
def test_an_action_on_ids_that_are_no_ids_is_a_400(staff, value):
    MeetingFactory()
    response = staff.post(
        "/admin/dialogues/meeting/", {"action": "export_csv", "_selected_action": [value]}
    )
    assert response.status_code == 400


@pytest.mark.parametrize("value", ["abc", "²", "-1", "99999999999999999999999", "%"])
def test_summary_and_minutes_forms_take_non_ids_as_a_field_error(staff, value):
    meeting = MeetingFactory()
    Theme.objects.create(name="Lokaler", slug="lokaler")
    response = staff.post(
        "/admin/dialogues/summary/add/",
        {
            "meeting": value,
            "title": "Sammanfattning",
            "slug": "sammanfattning",
            "language": "sv",
            "text": "Text",
            "themes": [value],
            "municipalities": [value],
            "insights-TOTAL_FORMS": "0",
            "insights-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert {"meeting", "themes", "municipalities"} <= set(errors)
    response = staff.post(
        "/admin/dialogues/minutes/add/",
        {"meeting": value, "status": "draft", "attendee_count": "0"},
    )
    assert response.status_code == 200
    assert "meeting" in response.context["adminform"].form.errors
    assert not Summary.objects.exists()
    assert not Minutes.objects.exists()

    # The add forms prefilled from the query string (the meeting's "write minutes" link).
    for url in ("/admin/dialogues/summary/add/", "/admin/dialogues/minutes/add/"):
        for name in ("meeting", "themes", "municipalities"):
            assert staff.get(url, {name: value}).status_code == 200
    assert staff.get("/admin/dialogues/minutes/add/", {"meeting": meeting.pk}).status_code == 200


@pytest.mark.parametrize("value", ["%", "%(x)s", "civil_society,%"])
def test_a_percent_sign_in_sectors_or_audience_groups_is_a_field_error(staff, value):
    person = UserFactory()
    response = staff.post(
        f"/admin/accounts/user/{person.pk}/change/",
        {
            "email": person.email,
            "stakeholder_group": "civil_society",
            "preferred_language": "sv",
            "sectors": [value],
        },
    )
    assert response.status_code == 200
    assert "sectors" in response.context["adminform"].form.errors

    response = staff.post(
        "/admin/dialogues/dialogueseries/add/",
        {"name": "Dialog", "slug": "dialog", "audience_groups": [value]},
    )
    assert response.status_code == 200
    assert "audience_groups" in response.context["adminform"].form.errors
    assert not DialogueSeries.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "/admin/dialogues/meeting/?audience_groups=%25",
        "/admin/dialogues/dialogueseries/?audience_groups__contains=x",
        "/admin/accounts/user/?sectors=%25",
    ],
)
def test_a_raw_changelist_lookup_on_an_array_is_a_400(staff, url):
    assert staff.get(url).status_code == 400


@pytest.mark.parametrize(
    "query",
    [
        "starts_at__year=99999999999999999999",
        "starts_at__year=9999",
        "starts_at__year=2026&starts_at__month=13",
        "starts_at__year=abc",
        "starts_at__year=2026&starts_at__month=2&starts_at__day=99999999999999999999",
    ],
)
def test_a_date_drill_down_out_of_the_calendar_is_a_400(staff, query):
    """Django's changelist computes the next year's start and fails on such years."""
    assert staff.get(f"/admin/dialogues/meeting/?{query}").status_code == 400


def test_a_date_drill_down_in_the_calendar_works(staff):
    meeting = MeetingFactory()
    year = meeting.starts_at.year
    response = staff.get(f"/admin/dialogues/meeting/?starts_at__year={year}")
    assert response.status_code == 200
    assert meeting.title in response.content.decode()
