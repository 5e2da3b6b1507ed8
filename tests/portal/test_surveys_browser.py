"""The evaluation in Chromium: the personal-link page and Mina sidor with an open evaluation
pass axe in Swedish and English, answered by keyboard alone; the staff pages (results,
questions) pass axe too (the admin is Swedish: /admin/ has no language prefix)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from portal.registrations import surveys
from portal.registrations.models import Answer, Question, SurveyInvitation
from tests.accessibility import axe_violations, describe
from tests.accounts.factories import UserFactory
from tests.conftest import staff_login
from tests.dialogues.factories import MeetingFactory, RegistrantFactory, RegistrationFactory

SEND = re.compile(r"^(Skicka mina svar|Send my answers)$")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _cookies(page, live_server, client: Client, language: str) -> None:
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [
            {"name": cookie.key, "value": cookie.value, "url": live_server.url},
            {"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url},
        ]
    )


def _held_evaluation(participants: int = 1):
    start = timezone.now() - dt.timedelta(days=1)
    meeting = MeetingFactory(
        title="Vårdialogen", starts_at=start, ends_at=start + dt.timedelta(hours=2)
    )
    survey = surveys.survey_create(event=meeting)
    registrations = [
        RegistrationFactory(meeting=meeting, user=RegistrantFactory(), checked_in_at=start)
        for _ in range(participants)
    ]
    surveys.surveys_send()
    return meeting, survey, registrations


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_evaluation_page_and_mina_sidor_pass_axe_and_work_by_keyboard(
    page, live_server, language
):
    _meeting, _survey, (registration,) = _held_evaluation()
    invitation = SurveyInvitation.objects.get()
    with translation.override(language):
        url = reverse("registrations:survey", args=[invitation.token])
        my_pages = reverse("accounts:my_pages")
    page.goto(url)
    assert page.locator("html").get_attribute("lang") == language
    violations = axe_violations(page)
    assert violations == [], describe(violations)

    # By keyboard: the first choice of the 1-5 scale, the text, yes, then send.
    main = page.locator("main")
    value, what_next, again = Question.objects.evaluation().in_order()
    first_radio = main.locator(f'input[name="question_{value.pk}"]').first
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("e => document.activeElement === e", first_radio.element_handle()):
            break
    page.keyboard.press("ArrowDown")  # from 1 to 2 ...
    page.keyboard.press("ArrowDown")  # ... to 3
    page.keyboard.press("Tab")
    page.keyboard.type("Fler möten i Nacka")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")  # yes
    send = main.get_by_role("button", name=SEND)
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("e => document.activeElement === e", send.element_handle()):
            break
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert dict(Answer.objects.values_list("question_id", "value")) == {
        value.pk: "3",
        what_next.pk: "Fler möten i Nacka",
        again.pk: "yes",
    }
    violations = axe_violations(page)
    assert violations == [], describe(violations)

    client = Client()
    client.force_login(registration.user)
    _cookies(page, live_server, client, language)
    page.goto(my_pages)
    assert url in page.locator("main").inner_html()
    violations = axe_violations(page)
    assert violations == [], describe(violations)


def test_the_staff_results_and_question_pages_pass_axe(page, live_server):
    meeting, survey, _registrations = _held_evaluation(participants=5)
    value, what_next, again = Question.objects.evaluation().in_order()
    for invitation in SurveyInvitation.objects.all():
        surveys.survey_answer(
            invitation=invitation,
            values={value.pk: "4", what_next.pk: "Mer dans", again.pk: "yes"},
        )
    client = Client()
    staff_login(client, UserFactory(is_staff=True, is_superuser=True))
    _cookies(page, live_server, client, "sv")
    for url in (
        reverse("admin:registrations_survey_results", args=[survey.pk]),
        reverse("admin:registrations_survey_changelist"),
        reverse("admin:registrations_question_changelist") + f"?meeting__id__exact={meeting.pk}",
    ):
        response = page.goto(url)
        assert response is not None, url
        assert response.status == 200, url
        violations = axe_violations(page)
        assert violations == [], f"{url}: {describe(violations)}"
    page.goto(reverse("admin:registrations_survey_results", args=[survey.pk]))
    assert "Mer dans" in page.locator("#content").inner_text()
