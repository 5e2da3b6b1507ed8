"""400, 403, 404 and 500 pages in the site's layout and language, with a way back."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client
from django.utils import translation
from django.utils.functional import SimpleLazyObject

from portal.views import server_error
from tests.accounts.factories import UserFactory

NAVIGATION = {"sv": 'aria-label="Huvudmeny"', "en": 'aria-label="Main navigation"'}
HOME = {"sv": '<a href="/">Till startsidan</a>', "en": '<a href="/en/">To the start page</a>'}


def _assert_site_page(response, language: str, heading: str) -> None:
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert f"<h1>{heading}</h1>" in html
    assert NAVIGATION[language] in html
    assert HOME[language] in html
    assert "css/portal.css" in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "language", "heading"),
    [
        ("/finns-inte/", "sv", "Sidan hittades inte"),
        ("/en/finns-inte/", "en", "Page not found"),
        ("/dialogmoten/finns-inte/", "sv", "Sidan hittades inte"),
    ],
)
def test_a_missing_page_gets_the_404_page(client, path, language, heading):
    response = client.get(path)
    assert response.status_code == 404
    _assert_site_page(response, language, heading)


@pytest.mark.django_db
def test_a_refused_page_gets_the_403_page(client):
    """A person without staff status who opens the admin is refused."""
    client.force_login(UserFactory())
    response = client.get("/admin/login/")
    assert response.status_code == 403
    _assert_site_page(response, "sv", "Åtkomst nekad")


@pytest.mark.django_db
def test_the_403_page_is_in_the_language_of_the_url(rf):
    from django.contrib.auth.models import AnonymousUser
    from django.core.exceptions import PermissionDenied
    from django.views.defaults import permission_denied

    request = rf.get("/en/dialogmoten/")
    request.user = AnonymousUser()
    with translation.override("en"):
        response = permission_denied(request, PermissionDenied())
    assert response.status_code == 403
    _assert_site_page(response, "en", "Access denied")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("prefix", "language", "heading"),
    [("", "sv", "Formuläret har gått ut"), ("/en", "en", "The form has expired")],
)
def test_a_form_without_its_csrf_token_gets_the_expired_form_page(prefix, language, heading):
    browser = Client(enforce_csrf_checks=True)
    response = browser.post(f"{prefix}/konto/login/", {"login": "anna@example.se"})
    assert response.status_code == 403
    _assert_site_page(response, language, heading)


@pytest.mark.django_db
@pytest.mark.parametrize(("prefix", "language"), [("", "sv"), ("/en", "en")])
def test_a_bad_request_gets_the_400_page(prefix, language):
    browser = Client(raise_request_exception=False)
    response = browser.get(f"{prefix}/dialogmoten/", HTTP_HOST="not-this-site.example")
    assert response.status_code == 400
    _assert_site_page(response, language, {"sv": "Felaktig begäran", "en": "Bad request"}[language])


@pytest.mark.django_db
@pytest.mark.urls("tests.portal.error_urls")
@pytest.mark.parametrize(
    ("path", "language", "heading"),
    [("/trasig/", "sv", "Något gick fel"), ("/en/trasig/", "en", "Something went wrong")],
)
def test_a_failing_page_gets_the_500_page_without_a_query(
    path, language, heading, django_assert_num_queries
):
    browser = Client(raise_request_exception=False)
    with django_assert_num_queries(0):
        response = browser.get(path)
    assert response.status_code == 500
    _assert_site_page(response, language, heading)
    assert "samverkan.kultur@regionstockholm.se" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "heading"), [("sv", "Något gick fel"), ("en", "Something went wrong")]
)
def test_the_500_page_reads_neither_session_nor_user(
    rf, language, heading, django_assert_num_queries
):
    """For a logged-in person too: their session and user are in the database, which may be
    the thing that is down, so the page shows the navigation of a visitor."""
    user = UserFactory()
    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session.create()
    request = rf.get("/en/dialogmoten/" if language == "en" else "/dialogmoten/")
    request.session = SessionStore(session_key=session.session_key)
    request.user = SimpleLazyObject(lambda: get_user(request))

    with translation.override(language), django_assert_num_queries(0):
        response = server_error(request)

    assert response.status_code == 500
    _assert_site_page(response, language, heading)
