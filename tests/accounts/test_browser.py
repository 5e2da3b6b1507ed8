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
        "combobox", name=re.compile(r"^(Aktörsgrupp|Stakeholder group)")
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
    assert user.municipality.name == "Huddinge"
    assert user.sectors == ["culture"]
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


def test_newcomer_from_a_meeting_is_offered_an_account_and_keeps_the_meeting(page, municipalities):
    """ "Anmäl dig" leads a newcomer to the log-in page, whose sign-up link says so and keeps
    the meeting as the destination; the header's "Skapa konto" keeps it too."""
    from tests.dialogues.factories import MeetingFactory

    cache.clear()
    meeting = MeetingFactory(title="Civilsamhällets vårdialog")
    page.goto(f"/dialogmoten/{meeting.slug}/")
    page.get_by_role("link", name="Anmäl dig").click()
    page.wait_for_url("**/konto/login/?next=**")
    main = page.locator("main")
    assert "Har du inget konto?" in main.inner_text()
    assert "Har du redan ett konto" not in main.inner_text()

    header_signup = page.locator("header").get_by_role("link", name="Skapa konto")
    assert f"next=%2Fdialogmoten%2F{meeting.slug}%2Fanmalan%2F" in header_signup.get_attribute(
        "href"
    )
    main.get_by_role("link", name="Skapa ett konto").click()
    page.wait_for_url(f"**/konto/signup/?next=%2Fdialogmoten%2F{meeting.slug}%2Fanmalan%2F")

    page.get_by_role("textbox", name=EMAIL).fill("ny.deltagare@example.se")
    page.get_by_role("textbox", name=PASSWORD).fill("konst-i-hela-lanet-26")
    page.get_by_role("textbox", name=PASSWORD_AGAIN).fill("konst-i-hela-lanet-26")
    form = page.locator("main form")
    form.get_by_role("textbox", name=re.compile(r"^Namn")).fill("Ny Deltagare")
    form.get_by_role("combobox", name=re.compile(r"^Aktörsgrupp")).select_option("civil_society")
    page.get_by_role("button", name="Skapa konto").click()
    page.wait_for_url("**/konto/confirm-email/**")
    row = outbox_mail(to="ny.deltagare@example.se")
    path = re.search(r"https?://[^/\s]+(/konto/confirm-email/\S+)", row.body_text).group(1)
    page.goto(path)
    page.locator("main").get_by_role("button", name="Verifiera").click()
    page.wait_for_url(f"**/dialogmoten/{meeting.slug}/anmalan/")


def test_header_account_links_return_to_the_page(page):
    """From any page the header's log-in and sign-up links bring the visitor back to it."""
    page.goto("/sammanfattningar/?q=bibliotek")
    header = page.locator("header")
    for name in ("Logga in", "Skapa konto"):
        href = header.get_by_role("link", name=name).get_attribute("href")
        assert href.endswith("?next=%2Fsammanfattningar%2F%3Fq%3Dbibliotek"), href


def test_header_account_links_never_carry_another_sites_address(client):
    """A "next" pointing elsewhere is not passed on from the account pages."""
    page = client.get("/konto/login/?next=https://evil.example/").content.decode()
    links = re.findall(r'class="nav-link" href="(/konto/(?:login|signup)/[^"]*)"', page)
    assert "/konto/signup/" in links
    assert not [link for link in links if "evil" in link]
