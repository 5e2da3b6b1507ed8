"""The logged-in account pages pass axe-core (WCAG 2.0/2.1 A and AA) in a real Chromium.

The public account pages (login, sign-up, password reset, "check your email") are in
PUBLIC_PAGES in tests/portal/test_accessibility.py; these need a logged-in person.
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests.accessibility import axe_violations, describe
from tests.accounts.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ACCOUNT_PAGES = [
    "accounts:my_pages",
    "accounts:profile_edit",
    "accounts:profile_complete",
    "accounts:account_delete",
    "account_change_password",
    "account_email",
    "mfa_index",
    # A session without a recent password asks for it first: the reauthentication page.
    "mfa_activate_totp",
]


def _logged_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


@pytest.mark.parametrize("language", ["sv", "en"])
@pytest.mark.parametrize("name", ACCOUNT_PAGES)
def test_account_page_has_no_axe_violations(page, live_server, municipalities, name, language):
    user = UserFactory(
        # The completion page shows its form only to people whose profile is not complete.
        profile_completed_at=None if name == "accounts:profile_complete" else "2026-01-10T10:00Z",
        invitations_consented_at="2026-01-10T10:00Z",
    )
    _logged_in(page, live_server, user)
    with translation.override(language):
        url = reverse(name)
    response = page.goto(url)
    assert response is not None, url
    assert response.status == 200, url
    assert page.locator("html").get_attribute("lang") == language
    violations = axe_violations(page)
    assert violations == [], describe(violations)


def test_form_errors_are_announced_at_the_field(page, live_server, municipalities):
    """A refused profile form passes axe too, with the error tied to its field."""
    _logged_in(page, live_server, UserFactory())
    page.goto(reverse("accounts:profile_edit"))
    form = page.locator("main form")
    form.get_by_role(
        "combobox", name=re.compile(r"^(Aktörsgrupp|Stakeholder group)")
    ).select_option("municipality")
    form.get_by_role("button", name=re.compile(r"^(Spara|Save)$")).click()
    municipality = form.get_by_role("combobox", name=re.compile(r"^(Kommun|Municipality)"))
    assert municipality.get_attribute("aria-invalid") == "true"
    described_by = municipality.get_attribute("aria-describedby") or ""
    assert described_by
    violations = axe_violations(page)
    assert violations == [], describe(violations)
