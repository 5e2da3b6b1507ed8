"""A person finds a meeting, registers, sees the confirmation and cancels, in Chromium."""

from __future__ import annotations

import re

import pytest

from dialogues.models import Registration, RegistrationStatus
from tests.accessibility import axe_violations, describe
from tests.accounts.factories import DEFAULT_PASSWORD
from tests.dialogues.factories import MeetingFactory, RegistrantFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The pages are Swedish; until the catalogue carries a new string its English msgid shows.
REGISTER = re.compile(r"^(Anmäl dig|Register)$")
DIETARY = re.compile(r"^(Kostönskemål|Dietary needs)")
CANCEL = re.compile(r"^(Avboka anmälan|Cancel registration)$")
CHANGE = re.compile(r"^(Ändra anmälan|Change registration)$")
SAVE = re.compile(r"^(Spara ändringarna|Save changes)$")
CONFIRM_CANCEL = re.compile(r"^(Ja, avboka min anmälan|Yes, cancel my registration)$")


def test_find_register_see_confirmation_and_cancel(page):
    meeting = MeetingFactory(title="Kulturskapares arbetsvillkor", capacity=5)
    user = RegistrantFactory(email="lena.sjoberg@example.se")

    page.goto("/dialogmoten/")
    page.get_by_role("link", name="Kulturskapares arbetsvillkor").click()
    assert page.get_by_role("heading", level=1).inner_text() == meeting.title
    page.get_by_role("link", name=REGISTER).click()

    page.wait_for_url("**/konto/login/**")
    page.get_by_label("E-postadress").fill(user.email)
    page.locator("main").get_by_label("Lösenord").fill(DEFAULT_PASSWORD)
    page.locator("main").get_by_role("button", name="Logga in").click()
    page.wait_for_url(f"**/dialogmoten/{meeting.slug}/anmalan/")
    violations = axe_violations(page)
    assert violations == [], describe(violations)

    page.get_by_role("textbox", name=DIETARY).fill("Vegetarisk")
    page.locator("main").get_by_role("button", name=REGISTER).click()
    page.wait_for_url(f"**/dialogmoten/{meeting.slug}/")
    registration = Registration.objects.get(user=user)
    assert registration.status == RegistrationStatus.CONFIRMED
    assert registration.dietary_needs == "Vegetarisk"
    assert registration.check_in_code in page.get_by_role("status").inner_text()

    page.get_by_role("link", name=CHANGE).click()
    page.wait_for_url(f"**/dialogmoten/{meeting.slug}/anmalan/andra/")
    violations = axe_violations(page)
    assert violations == [], describe(violations)
    assert page.get_by_role("textbox", name=DIETARY).input_value() == "Vegetarisk"
    page.get_by_role("textbox", name=DIETARY).fill("Vegansk")
    page.locator("main").get_by_role("button", name=SAVE).click()
    page.wait_for_url(f"**/dialogmoten/{meeting.slug}/")
    registration.refresh_from_db()
    assert registration.dietary_needs == "Vegansk"
    assert registration.status == RegistrationStatus.CONFIRMED

    page.get_by_role("link", name=CANCEL).click()
    page.get_by_role("button", name=CONFIRM_CANCEL).click()
    page.wait_for_url(f"**/dialogmoten/{meeting.slug}/")
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CANCELLED
    assert page.get_by_role("link", name=REGISTER).is_visible()


def test_on_a_phone_the_filter_waits_behind_a_button_and_the_first_meeting_shows(page):
    """At 390 by 844 the first meeting starts on the first screen; the filter opens from a button,
    by keyboard too, and stays open after filtering."""
    MeetingFactory(title="Kulturskapares arbetsvillkor")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/dialogmoten/")
    filters = page.get_by_role("form", name="Filtrera möten")
    assert not filters.is_visible()
    first = page.get_by_role("link", name="Kulturskapares arbetsvillkor")
    assert first.bounding_box()["y"] + first.bounding_box()["height"] < 844

    toggle = page.get_by_role("button", name="Filtrera möten")
    assert toggle.get_attribute("aria-expanded") == "false"
    toggle.focus()
    page.keyboard.press("Enter")
    filters.wait_for(state="visible")
    assert toggle.get_attribute("aria-expanded") == "true"
    violations = axe_violations(page)
    assert violations == [], describe(violations)
    filters.get_by_label("Format").select_option(index=1)
    page.get_by_role("button", name="Visa möten").click()
    page.wait_for_url("**/dialogmoten/?*")
    assert page.get_by_role("form", name="Filtrera möten").is_visible()

    # On a desktop there is no button: the filter is simply there.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/dialogmoten/")
    assert page.get_by_role("form", name="Filtrera möten").is_visible()
    assert not page.get_by_role("button", name="Filtrera möten").is_visible()
