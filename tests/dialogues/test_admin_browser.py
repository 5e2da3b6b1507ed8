"""The registrations list's meeting filter in a real Chromium: search, choose, filtered."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from playwright.sync_api import expect

from tests.accessibility import axe_violations, describe
from tests.accounts.factories import UserFactory
from tests.conftest import staff_login
from tests.dialogues.factories import MeetingFactory, RegistrationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_find_a_meeting_by_typing_and_the_list_shows_its_registrations(page, live_server):
    chosen = MeetingFactory(title="Kulturskapares villkor i Botkyrka")
    RegistrationFactory(meeting=chosen, user__display_name="Alva Berg")
    for meeting in MeetingFactory.create_batch(30):
        RegistrationFactory(meeting=meeting)
    client = Client()
    staff_login(client, UserFactory(is_staff=True, is_superuser=True))
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])

    page.goto(live_server.url + reverse("admin:dialogues_registration_changelist"))
    filters = page.locator("#changelist-filter")
    # The box is named by the filter's label once the page has loaded.
    expect(filters.locator(".select2-selection")).to_have_attribute(
        "aria-labelledby",
        "filter-meeting__id__exact-label select2-filter-meeting__id__exact-container",
    )
    # The filter's own (the admin's breadcrumbs are Django's, outside this test).
    violations = [v for v in axe_violations(page) if "select2" in str(v) or "filter" in str(v)]
    assert not violations, describe(violations)
    filters.get_by_role("combobox").click()
    page.locator(".select2-search__field").fill("Botkyrka")
    page.get_by_role("option", name="Kulturskapares villkor i Botkyrka").click()

    expect(page).to_have_url(
        f"{live_server.url}/admin/dialogues/registration/?meeting__id__exact={chosen.pk}"
    )
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    expect(page.locator("#result_list")).to_contain_text("Alva Berg")
    expect(filters.get_by_role("combobox")).to_contain_text("Kulturskapares villkor i Botkyrka")
