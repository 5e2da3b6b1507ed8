"""The check-in station and the QR codes in a real Chromium: keyboard at the door, axe."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import expect

from dialogues.models import RegistrationStatus
from tests.accessibility import axe_violations, describe
from tests.accounts.factories import UserFactory
from tests.conftest import staff_login
from tests.dialogues.factories import MeetingFactory
from tests.dialogues.factories import RegistrationFactory as MeetingRegistrationFactory
from tests.stockholmstinget.factories import RegistrationFactory, SignupFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _as(page, live_server, client: Client, language: str = "sv") -> None:
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [
            {"name": cookie.key, "value": cookie.value, "url": live_server.url},
            {"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url},
        ]
    )


def _staff(page, live_server, language: str = "sv") -> None:
    client = Client()
    staff_login(client, UserFactory(is_staff=True, is_superuser=True, preferred_language=language))
    _as(page, live_server, client, language)


def test_staff_type_codes_see_each_result_and_keep_the_focus(page, live_server):
    """On a phone-sized screen: green, amber and red in turn, the counts follow, and the
    field is empty and focused after every check-in, without a page load."""
    page.set_viewport_size({"width": 390, "height": 844})
    meeting = MeetingFactory()
    kim = MeetingRegistrationFactory(meeting=meeting, user__display_name="Kim Lind")
    MeetingRegistrationFactory(meeting=meeting)
    _staff(page, live_server)
    page.goto(reverse("admin:dialogues_meeting_check_in", args=[meeting.pk]))
    field = page.get_by_label("Incheckningskod")
    result = page.get_by_role("status")
    loads = []
    page.on("load", lambda _: loads.append(1))

    expect(field).to_be_focused()
    page.keyboard.type(kim.check_in_code.lower())
    page.keyboard.press("Enter")
    expect(page.locator("#check-in-result.check-in-checked_in")).to_be_visible()
    assert re.search(r"Kim Lind: incheckad kl\. \d\d\.\d\d", result.inner_text())
    assert page.locator("#check-in-present").inner_text() == "1"
    assert page.locator("#check-in-expected").inner_text() == "2"
    assert field.input_value() == ""
    expect(field).to_be_focused()

    page.keyboard.type(kim.check_in_code)
    page.keyboard.press("Enter")
    expect(page.locator("#check-in-result.check-in-already")).to_be_visible()
    assert "Redan incheckad" in result.inner_text()
    assert "redan incheckad kl." in result.inner_text()

    page.keyboard.type("NOPE1234")
    page.keyboard.press("Enter")
    expect(page.locator("#check-in-result.check-in-refused")).to_be_visible()
    assert "Okänd kod." in result.inner_text()
    expect(field).to_be_focused()
    assert page.locator("#check-in-present").inner_text() == "1"
    assert loads == []
    # Nothing is wider than the phone's screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    violations = axe_violations(page)
    assert violations == [], describe(violations)


def test_station_and_printable_list_pages_pass_axe(page, live_server):
    """Admin pages are in Swedish: /admin/ has no language prefix, and an unprefixed path is
    the default language."""
    language = "sv"
    signup = SignupFactory()
    edition, session = signup.session.edition, signup.session
    meeting = MeetingRegistrationFactory().meeting
    _staff(page, live_server, language)
    urls = [
        reverse("admin:dialogues_meeting_check_in", args=[meeting.pk]),
        reverse("admin:dialogues_meeting_check_in_list", args=[meeting.pk]),
        reverse("admin:stockholmstinget_edition_check_in", args=[edition.pk]),
        reverse("admin:stockholmstinget_edition_check_in_list", args=[edition.pk]),
        reverse("admin:stockholmstinget_session_check_in", args=[edition.pk, session.pk]),
        reverse("admin:stockholmstinget_session_check_in_list", args=[edition.pk, session.pk]),
    ]
    for url in urls:
        response = page.goto(url)
        assert response is not None, url
        assert response.status == 200, url
        assert page.locator("html").get_attribute("lang") == language
        violations = axe_violations(page)
        assert violations == [], f"{url}: {describe(violations)}"


@pytest.mark.parametrize("language", ["sv", "en"])
def test_my_pages_and_the_registration_page_show_the_qr_code_accessibly(
    page, live_server, municipalities, language
):
    user = UserFactory(
        profile_completed_at="2026-01-10T10:00Z", invitations_consented_at="2026-01-10T10:00Z"
    )
    meeting_registration = MeetingRegistrationFactory(user=user)
    MeetingRegistrationFactory(user=user, status=RegistrationStatus.WAITLISTED)
    tinget = RegistrationFactory(user=user)
    client = Client()
    client.force_login(user)
    _as(page, live_server, client, language)
    name = "QR-kod med din incheckningskod" if language == "sv" else "QR code with your check-in"

    with translation.override(language):
        my_pages = reverse("accounts:my_pages")
        registration_page = reverse("stockholmstinget:registration", args=[tinget.edition.year])
    page.goto(my_pages)
    codes = page.get_by_role("img", name=re.compile(name))
    assert codes.count() == 2
    for code in (meeting_registration.check_in_code, tinget.check_in_code):
        assert page.get_by_role("img", name=re.compile(code)).count() == 1
        assert page.get_by_text(code, exact=True).count() == 1
    violations = axe_violations(page)
    assert violations == [], describe(violations)

    page.goto(registration_page)
    assert page.get_by_role("img", name=re.compile(tinget.check_in_code)).count() == 1
    violations = axe_violations(page)
    assert violations == [], describe(violations)


def _station(page, live_server, meeting) -> list[str]:
    """Open the meeting's station as staff; the list collects every script the page loads."""
    scripts = []
    page.on("request", lambda request: scripts.append(request.url))
    _staff(page, live_server)
    page.goto(reverse("admin:dialogues_meeting_check_in", args=[meeting.pk]))
    return scripts


def test_without_barcode_detector_the_self_hosted_reader_reads_a_qr_code(page, live_server):
    """A browser without BarcodeDetector loads jsQR from this site (under the page's policy)
    and offers the camera; the reader gets the check-in code out of a QR image from segno."""
    import base64

    from portal.registrations.qr import check_in_qr_png

    registration = MeetingRegistrationFactory()
    page.add_init_script("delete window.BarcodeDetector;")
    violations = []
    page.on("console", lambda message: violations.append(message.text))
    scripts = _station(page, live_server, registration.meeting)

    page.wait_for_function("window.checkInScanner !== undefined")
    expect(page.get_by_role("button", name="Skanna med kameran")).to_be_visible()
    png = base64.b64encode(check_in_qr_png(registration.check_in_code)).decode()
    read = page.evaluate(
        """async (src) => {
            const image = new Image();
            image.src = src;
            await image.decode();
            const codes = await window.checkInScanner.detect(image);
            return codes.map((code) => code.rawValue);
        }""",
        f"data:image/png;base64,{png}",
    )

    assert read == [registration.check_in_code]
    assert any(url.endswith("/static/vendor/jsqr/jsQR.js") for url in scripts)
    assert all(url.startswith(live_server.url) or url.startswith("data:") for url in scripts)
    assert not [text for text in violations if "Content Security Policy" in text]


def test_a_browser_that_reads_qr_codes_itself_does_not_load_the_fallback(page, live_server):
    registration = MeetingRegistrationFactory()
    page.add_init_script(
        """window.BarcodeDetector = class {
            static getSupportedFormats() { return Promise.resolve(["qr_code"]); }
            detect() { return Promise.resolve([{ rawValue: "ABCD1234" }]); }
        };"""
    )
    scripts = _station(page, live_server, registration.meeting)

    page.wait_for_function("window.checkInScanner !== undefined")
    read = page.evaluate("window.checkInScanner.detect(document.body)")

    assert read == [{"rawValue": "ABCD1234"}]
    assert not any("jsQR" in url for url in scripts)
