"""A person registers and chooses sessions on a phone, in a real Chromium."""

import datetime as dt

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from stockholmstinget.models import EditionRegistration, SignupStatus
from tests.accessibility import axe_violations, describe
from tests.dialogues.factories import RegistrantFactory
from tests.stockholmstinget.factories import EditionFactory, SessionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 740}


def _log_in(page, live_server, user):
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def test_registering_and_choosing_sessions_on_a_phone(page, live_server):
    nine = timezone.localtime(timezone.now() + dt.timedelta(days=30)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    edition = EditionFactory(year=2031, starts_at=nine)
    first = SessionFactory(edition=edition, title="Idrott som mötesplats för unga", capacity=30)
    SessionFactory(edition=edition, title="Folkbildning i hela länet", track="Spår B", capacity=12)
    SessionFactory(
        edition=edition,
        title="Välkommen till Stockholmstinget",
        plenary=True,
        capacity=None,
        starts_at=first.starts_at - dt.timedelta(minutes=30),
        ends_at=first.starts_at,
    )
    later = SessionFactory(
        edition=edition,
        title="Föreningslivets lokaler",
        starts_at=first.ends_at,
        ends_at=first.ends_at + dt.timedelta(hours=1),
    )
    user = RegistrantFactory(organisation="Botkyrka IF")
    _log_in(page, live_server, user)
    page.set_viewport_size(PHONE)

    page.goto(f"/en/stockholmstinget/{edition.year}/")
    page.get_by_role("link", name="Register", exact=True).click()
    assert page.get_by_label("Organisation", exact=True).input_value() == "Botkyrka IF"
    assert axe_violations(page) == [], describe(axe_violations(page))

    # Two sessions at the same time are one radio group: picking the second drops the first.
    sessions = page.get_by_role("group", name="Sessions")
    slot = sessions.get_by_role("group", name="09:00\u201310:00")
    slot.get_by_label("Idrott som mötesplats för unga", exact=False).check()
    slot.get_by_label("Folkbildning i hela länet", exact=False).check()
    assert not slot.get_by_label("Idrott som mötesplats för unga", exact=False).is_checked()
    # The plenary opening is in everyone's day, not a choice.
    assert sessions.get_by_text("Välkommen till Stockholmstinget").is_visible()
    assert sessions.get_by_role("radio", name="Välkommen till Stockholmstinget").count() == 0
    # A missing attendance mode is reported at its field; the session choice stays.
    page.get_by_role("button", name="Register").click()
    assert page.locator(".invalid-feedback").count() > 0
    assert not EditionRegistration.objects.exists()
    slot = page.get_by_role("group", name="09:00\u201310:00")
    assert slot.get_by_label("Folkbildning i hela länet", exact=False).is_checked()

    slot.get_by_label("Idrott som mötesplats för unga", exact=False).check()
    page.get_by_label("In person").check()
    page.get_by_label("Föreningslivets lokaler", exact=False).check()
    page.get_by_role("button", name="Register").click()
    page.wait_for_url(f"**/en/stockholmstinget/{edition.year}/")
    registration = EditionRegistration.objects.get(user=user)
    chosen = set(
        registration.signups.filter(status=SignupStatus.CONFIRMED).values_list(
            "session__title", flat=True
        )
    )
    assert chosen == {first.title, later.title}
    assert page.get_by_text(first.title).is_visible()
    # Nothing wider than the phone's screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # The Swedish form, with the choices made, passes axe too.
    page.goto(f"/stockholmstinget/{edition.year}/anmalan/")
    assert page.get_by_role("group", name="Pass").is_visible()
    violations = axe_violations(page)
    assert violations == [], describe(violations)
