"""Registration questions in Chromium: a conditional question appears only when it applies,
is required only then, and the whole form works by keyboard alone; axe finds nothing on the
form or on Mina sidor with answers, in Swedish and English."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from dialogues import services as meetings
from dialogues.models import Registration
from portal.registrations.models import Answer, Question, QuestionKind
from tests.accessibility import axe_violations, describe
from tests.dialogues.factories import MeetingFactory, RegistrantFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CAR = re.compile(r"^(Kommer du med bil\?|Are you coming by car\?)")
PLATE = re.compile(r"^(Registreringsnummer|Number plate)")
REGISTER = re.compile(r"^(Anmäl dig|Register)$")


def _logged_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def _meeting_with_parking():
    meeting = MeetingFactory(title="Kulturskapares arbetsvillkor")
    car = Question.objects.create(
        meeting=meeting,
        position=1,
        kind=QuestionKind.YES_NO,
        label="Kommer du med bil?",
        label_en="Are you coming by car?",
        required=True,
    )
    plate = Question.objects.create(
        meeting=meeting,
        position=2,
        kind=QuestionKind.SHORT_TEXT,
        label="Registreringsnummer",
        label_en="Number plate",
        help_text="Vi ordnar parkeringstillstånd.",
        help_text_en="We arrange a parking permit.",
        required=True,
        condition_question=car,
        condition_value="yes",
    )
    return meeting, car, plate


def _tab_to(page, locator, limit: int = 80) -> None:
    """Press Tab until `locator` has the focus, as a keyboard user would."""
    handle = locator.element_handle()
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("element => document.activeElement === element", handle):
            return
    raise AssertionError(f"Tab never reached {locator}")


def _focused_name(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.name")


def test_the_conditional_question_appears_and_is_required_only_when_it_applies(page, live_server):
    meeting, car, plate = _meeting_with_parking()
    user = RegistrantFactory()
    _logged_in(page, live_server, user)
    page.goto(reverse("dialogues:registration_create", args=[meeting.slug]))
    main = page.locator("main")
    plate_box = main.get_by_role("textbox", name=PLATE)
    # Hidden until "yes": not shown, and not in the tab order.
    assert not plate_box.is_visible()

    group = main.get_by_role("group", name=CAR)
    yes = group.get_by_role("radio", name=re.compile(r"^(Ja|Yes)$"))
    _tab_to(page, yes)
    page.keyboard.press("Space")
    assert yes.is_checked()
    plate_box.wait_for(state="visible")
    page.keyboard.press("Tab")
    assert _focused_name(page) == f"question_{plate.pk}"
    # Left empty it is required now: the error is at the field, the answer kept.
    with page.expect_navigation():
        page.keyboard.press("Enter")
    plate_box = page.locator("main").get_by_role("textbox", name=PLATE)
    assert plate_box.is_visible()
    assert plate_box.get_attribute("aria-invalid") == "true"
    assert page.locator("main").get_by_role("radio", name=re.compile(r"^Ja$")).is_checked()
    violations = axe_violations(page)
    assert violations == [], describe(violations)
    assert not Registration.objects.exists()

    _tab_to(page, plate_box)
    page.keyboard.type("ABC123")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/dialogmoten/{meeting.slug}/")
    registration = Registration.objects.get(user=user)
    assert dict(Answer.objects.values_list("question_id", "value")) == {
        car.pk: "yes",
        plate.pk: "ABC123",
    }
    assert registration.is_confirmed


def test_answering_no_hides_the_question_and_the_form_goes_through_without_it(page, live_server):
    meeting, car, plate = _meeting_with_parking()
    user = RegistrantFactory()
    _logged_in(page, live_server, user)
    page.goto(reverse("dialogues:registration_create", args=[meeting.slug]))
    main = page.locator("main")
    group = main.get_by_role("group", name=CAR)
    yes = group.get_by_role("radio", name="Ja")
    no = group.get_by_role("radio", name="Nej")
    _tab_to(page, yes)
    page.keyboard.press("Space")
    main.get_by_role("textbox", name=PLATE).wait_for(state="visible")
    # Arrow keys move the choice within the group: "no" hides the plate again.
    page.keyboard.press("ArrowDown")
    assert no.is_checked()
    main.get_by_role("textbox", name=PLATE).wait_for(state="hidden")
    page.keyboard.press("Tab")
    assert _focused_name(page) != f"question_{plate.pk}"
    _tab_to(page, main.get_by_role("button", name=REGISTER))
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/dialogmoten/{meeting.slug}/")
    assert Registration.objects.filter(user=user).exists()
    assert dict(Answer.objects.values_list("question_id", "value")) == {car.pk: "no"}


def test_without_script_every_question_shows_with_its_condition_written_out(browser, live_server):
    meeting, _car, _plate = _meeting_with_parking()
    context = browser.new_context(
        base_url=live_server.url, locale="sv-SE", java_script_enabled=False
    )
    page = context.new_page()
    try:
        _logged_in(page, live_server, RegistrantFactory())
        page.goto(reverse("dialogues:registration_create", args=[meeting.slug]))
        plate_box = page.locator("main").get_by_role("textbox", name=PLATE)
        assert plate_box.is_visible()
        assert (
            "Svara bara om du svarade ”Ja” på ”Kommer du med bil?”"
            in page.locator("main").inner_text()
        )
    finally:
        context.close()


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_form_with_questions_and_mina_sidor_with_answers_pass_axe(page, live_server, language):
    meeting, car, plate = _meeting_with_parking()
    Question.objects.create(
        meeting=meeting,
        position=3,
        kind=QuestionKind.CHOICES,
        label="Teman",
        label_en="Themes",
        choices="Lokaler\nArvoden",
        choices_en="Premises\nFees",
    )
    Question.objects.create(
        meeting=meeting, position=4, kind=QuestionKind.NUMBER, label="Antal", label_en="Number"
    )
    Question.objects.create(
        meeting=meeting,
        position=5,
        kind=QuestionKind.LONG_TEXT,
        label="Övrigt",
        label_en="Anything else",
    )
    user = RegistrantFactory()
    _logged_in(page, live_server, user)
    with translation.override(language):
        form_url = reverse("dialogues:registration_create", args=[meeting.slug])
        my_pages = reverse("accounts:my_pages")
    page.goto(form_url)
    assert page.locator("html").get_attribute("lang") == language
    violations = axe_violations(page)
    assert violations == [], describe(violations)
    # With the conditional question shown, too.
    page.locator("main").get_by_role("group", name=CAR).get_by_role("radio").first.check()
    page.locator("main").get_by_role("textbox", name=PLATE).wait_for(state="visible")
    violations = axe_violations(page)
    assert violations == [], describe(violations)

    meetings.registration_create(
        meeting=meeting, user=user, answers={car.pk: "yes", plate.pk: "ABC123"}
    )
    page.goto(my_pages)
    assert "ABC123" in page.locator("main").inner_text()
    violations = axe_violations(page)
    assert violations == [], describe(violations)
