"""Sign-up, confirmation and login in a real Chromium, by labels and roles, as a person would."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache

from tests.outbox import outbox_mail

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Required fields carry a "*" after the label text.
EMAIL = re.compile(r"^E-postadress\*?$")
PASSWORD = re.compile(r"^Lösenord\*?$")
PASSWORD_AGAIN = re.compile(r"^Lösenord \(igen\)\*?$")


def test_sign_up_with_profile_confirm_and_log_in(page, municipalities):
    # The cache table outlives the flush between transactional tests; its rate-limit counts
    # (one confirmation mail per address per three minutes) must not carry over.
    cache.clear()
    page.goto("/konto/signup/")
    page.get_by_role("textbox", name=EMAIL).fill("greta.sund@example.se")
    page.get_by_role("textbox", name=PASSWORD).fill("konst-i-hela-lanet-26")
    page.get_by_role("textbox", name=PASSWORD_AGAIN).fill("konst-i-hela-lanet-26")
    form = page.locator("main form")
    form.get_by_role("textbox", name=re.compile(r"^(Namn|Name)")).fill("Greta Sund")
    form.get_by_role(
        "combobox", name=re.compile(r"^(Intressentgrupp|Stakeholder group)")
    ).select_option("municipality")
    page.get_by_role("button", name="Skapa konto").click()
    # A municipality officer without a municipality gets the error at the field.
    municipality = form.get_by_role("combobox", name=re.compile(r"^(Kommun|Municipality)"))
    assert municipality.get_attribute("aria-invalid") == "true" or "is-invalid" in (
        municipality.get_attribute("class") or ""
    )
    assert not get_user_model().objects.exists()

    page.get_by_role("textbox", name=PASSWORD).fill("konst-i-hela-lanet-26")
    page.get_by_role("textbox", name=PASSWORD_AGAIN).fill("konst-i-hela-lanet-26")
    municipality.select_option(label="Huddinge")
    form.get_by_role("checkbox", name=re.compile(r"^(Kultur|Culture)$")).check()
    form.get_by_role(
        "checkbox", name=re.compile(r"^(Skicka mig inbjudningar|Send me invitations)")
    ).check()
    page.get_by_role("button", name="Skapa konto").click()
    page.wait_for_url("**/konto/confirm-email/")

    user = get_user_model().objects.get(email="greta.sund@example.se")
    assert user.municipality.name == "Huddinge" and user.sectors == ["culture"]
    assert user.invitations_consented_at is not None

    row = outbox_mail(to="greta.sund@example.se")
    # The link is absolute (https in production); the test server answers its path.
    path = re.search(r"https?://[^/\s]+(/konto/confirm-email/\S+)", row.body_text).group(1)
    page.goto(path)
    page.locator("main").get_by_role("button", name="Verifiera").click()
    page.wait_for_url("**/mina-sidor/")
    assert page.get_by_role("heading", level=1).inner_text() == "Mina sidor"

    page.locator("header").get_by_role("button", name="Logga ut").click()
    page.goto("/konto/login/")
    page.get_by_role("textbox", name=EMAIL).fill("greta.sund@example.se")
    page.get_by_role("textbox", name=PASSWORD).fill("konst-i-hela-lanet-26")
    page.locator("main").get_by_role("button", name="Logga in").click()
    page.wait_for_url("**/mina-sidor/")
