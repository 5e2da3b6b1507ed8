"""The evaluation after an event (portal/registrations/surveys.py)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from dialogues.models import Meeting, RegistrationStatus
from portal.models import Municipality, OutgoingEmail
from portal.registrations import surveys, tasks
from portal.registrations.forms import question_field_name
from portal.registrations.models import (
    Answer,
    Question,
    QuestionKind,
    SurveyInvitation,
    SurveyOptOut,
)
from tests.dialogues.factories import MeetingFactory, RegistrantFactory, RegistrationFactory
from tests.outbox import outbox_mail
from tests.stockholmstinget.factories import EditionFactory
from tests.stockholmstinget.factories import RegistrationFactory as EditionRegistrationFactory

pytestmark = pytest.mark.django_db


def held_meeting(**fields) -> Meeting:
    start = timezone.now() - dt.timedelta(days=1)
    return MeetingFactory(starts_at=start, ends_at=start + dt.timedelta(hours=2), **fields)


def checked_in(meeting, count: int, **user_fields):
    return [
        RegistrationFactory(
            meeting=meeting,
            user=RegistrantFactory(**user_fields),
            checked_in_at=meeting.starts_at,
        )
        for _ in range(count)
    ]


def survey_keys(kind: str = "survey") -> list[str]:
    return sorted(
        OutgoingEmail.objects.filter(key__startswith=f"registrations:{kind}:").values_list(
            "key", flat=True
        )
    )


def evaluation(meeting):
    survey = surveys.survey_create(event=meeting)
    value, what_next, again = Question.objects.for_event(meeting).evaluation().in_order()
    return survey, value, what_next, again


# --- the survey and its default questions ---------------------------------------------------------


def test_a_survey_comes_with_the_three_default_questions():
    meeting = held_meeting()
    survey, value, what_next, again = evaluation(meeting)
    assert value.kind == QuestionKind.CHOICE
    assert value.choice_values() == ["1", "2", "3", "4", "5"]
    assert what_next.label == "Vad borde regionen göra härnäst?"
    assert again.kind == QuestionKind.YES_NO
    assert survey.closes_at > meeting.ends_at
    # Creating it again changes nothing.
    assert surveys.survey_create(event=meeting) == survey
    assert Question.objects.for_event(meeting).evaluation().count() == 3
    # Evaluation questions are not asked at registration.
    from portal.registrations.questions import questions_asked

    assert questions_asked(meeting) == []


# --- the mails: once, one reminder, none for those who opted out ----------------------------------


def test_each_checked_in_participant_gets_one_mail_however_often_the_task_runs():
    meeting = held_meeting(title="Vårdialogen")
    evaluation(meeting)
    present = checked_in(meeting, 3)
    RegistrationFactory(meeting=meeting, user=RegistrantFactory())  # not checked in
    opted_out = checked_in(meeting, 1)[0]
    SurveyOptOut.objects.create(user=opted_out.user)
    assert tasks.surveys_send() == 3
    assert tasks.surveys_send() == 0
    invitations = SurveyInvitation.objects.order_by("pk")
    assert [i.meeting_registration for i in invitations] == present
    assert survey_keys() == sorted(f"registrations:survey:{i.pk}" for i in invitations)
    mail = outbox_mail(key=f"registrations:survey:{invitations[0].pk}")
    assert mail.to == present[0].user.email
    assert "Vårdialogen" in mail.subject
    assert settings.SITE_URL + surveys.survey_url(invitations[0]) in mail.body_text


def test_no_mail_before_the_event_has_ended_or_after_the_survey_closed():
    coming = MeetingFactory()
    evaluation(coming)
    RegistrationFactory(meeting=coming, checked_in_at=timezone.now())
    closed = held_meeting()
    surveys.survey_create(event=closed, closes_at=timezone.now() - dt.timedelta(minutes=1))
    checked_in(closed, 1)
    assert tasks.surveys_send() == 0
    assert survey_keys() == []


def test_one_reminder_to_those_who_have_not_answered_after_the_set_days():
    meeting = held_meeting()
    survey, value, _what_next, again = evaluation(meeting)
    checked_in(meeting, 3)
    tasks.surveys_send()
    first, second, third = SurveyInvitation.objects.order_by("pk")
    surveys.survey_answer(invitation=first, values={value.pk: "4", again.pk: "yes"})
    SurveyOptOut.objects.create(user=third.registration.user)
    # Not yet: the reminder waits reminder_after_days.
    assert surveys.surveys_send(now=timezone.now() + dt.timedelta(days=4)) == 0
    later = timezone.now() + dt.timedelta(days=survey.reminder_after_days, hours=1)
    assert surveys.surveys_send(now=later) == 1
    assert surveys.surveys_send(now=later + dt.timedelta(days=3)) == 0
    assert survey_keys("survey_reminder") == [f"registrations:survey_reminder:{second.pk}"]


def test_a_stockholmstinget_edition_has_its_evaluation_too():
    start = timezone.now() - dt.timedelta(days=2)
    edition = EditionFactory(starts_at=start, ends_at=start + dt.timedelta(hours=8))
    surveys.survey_create(event=edition)
    registration = EditionRegistrationFactory(edition=edition, checked_in_at=start)
    assert tasks.surveys_send() == 1
    assert SurveyInvitation.objects.get().edition_registration == registration


def test_the_sweep_is_in_the_beat_schedule():
    tasks_scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "portal.registrations.tasks.surveys_send" in tasks_scheduled


# --- answering through the personal link ---------------------------------------------------------


def test_the_personal_link_takes_one_answer_per_registration_editable_until_it_closes(client):
    meeting = held_meeting(title="Vårdialogen")
    survey, value, what_next, again = evaluation(meeting)
    checked_in(meeting, 1)
    tasks.surveys_send()
    invitation = SurveyInvitation.objects.get()
    url = surveys.survey_url(invitation)
    page = client.get(url)
    assert page.status_code == 200
    assert "Vårdialogen" in page.content.decode()
    assert page["X-Robots-Tag"] == "noindex"
    # A required question left out is a field error; what was typed stays.
    response = client.post(url, {question_field_name(what_next): "Fler möten i Nacka"})
    assert response.status_code == 200
    assert response.context["form"].has_error(question_field_name(value), "required")
    assert "Detta fält måste fyllas i." in response.content.decode()
    assert "Fler möten i Nacka" in response.content.decode()
    assert not Answer.objects.exists()
    data = {
        question_field_name(value): "4",
        question_field_name(what_next): "Fler möten i Nacka",
        question_field_name(again): "yes",
    }
    assert client.post(url, data).status_code == 302
    data[question_field_name(value)] = "5"
    assert client.post(url, data).status_code == 302
    assert Answer.objects.get(question=value).value == "5"
    assert Answer.objects.count() == 3
    invitation.refresh_from_db()
    assert invitation.answered_at is not None
    # Closed: the answers stand, and nothing more is taken.
    survey.closes_at = timezone.now() - dt.timedelta(minutes=1)
    survey.save()
    data[question_field_name(value)] = "1"
    client.post(url, data)
    assert Answer.objects.get(question=value).value == "5"
    assert client.get("/mina-sidor/utvardering/not-a-token/").status_code == 404


def test_the_link_lets_a_person_say_no_to_evaluation_mails(client):
    meeting = held_meeting()
    evaluation(meeting)
    registration = checked_in(meeting, 1)[0]
    tasks.surveys_send()
    invitation = SurveyInvitation.objects.get()
    client.post(surveys.survey_url(invitation), {"opt_out": "1"})
    assert SurveyOptOut.objects.filter(user=registration.user).exists()
    later = timezone.now() + dt.timedelta(days=30)
    assert surveys.surveys_send(now=later) == 0


def test_open_evaluations_are_on_mina_sidor_and_in_the_data_export(client):
    meeting = held_meeting(title="Vårdialogen")
    evaluation(meeting)
    registration = checked_in(meeting, 1)[0]
    tasks.surveys_send()
    client.force_login(registration.user)
    page = client.get(reverse("accounts:my_pages")).content.decode()
    assert surveys.survey_url(SurveyInvitation.objects.get()) in page
    exported = surveys.export(registration.user)
    assert exported["evaluations"][0]["event"] == "Vårdialogen"
    old = surveys.survey_url(SurveyInvitation.objects.get())
    surveys.erase(registration.user)
    assert client.get(old).status_code == 404


# --- results: five answers or more, staff only -------------------------------------------------


def _answered(meeting, count: int, *, municipality=None, group="civil_society", text="Mer dans"):
    survey, value, what_next, again = evaluation(meeting)
    for registration in checked_in(
        meeting, count, municipality=municipality, stakeholder_group=group
    ):
        invitation = SurveyInvitation.objects.create(
            survey=survey, meeting_registration=registration
        )
        surveys.survey_answer(
            invitation=invitation,
            values={value.pk: "4", what_next.pk: text, again.pk: "yes"},
        )
    return survey


def test_results_show_only_for_five_answers_or_more(municipalities):
    nacka = Municipality.objects.get(name="Nacka")
    four = _answered(held_meeting(), 4, municipality=nacka)
    results = surveys.survey_results(four)
    assert results.answered == 4
    assert not results.shown
    assert not any(question.shown for question in results.questions)

    meeting = held_meeting()
    five = _answered(meeting, 5, municipality=nacka)
    # Two more in another group: mailed, one answered; too few to show on their own.
    survey, value, _w, again = evaluation(meeting)
    for index, registration in enumerate(
        checked_in(meeting, 2, municipality=None, stakeholder_group="business")
    ):
        invitation = SurveyInvitation.objects.create(
            survey=survey, meeting_registration=registration
        )
        if index == 0:
            surveys.survey_answer(invitation=invitation, values={value.pk: "2", again.pk: "no"})
    results = surveys.survey_results(five)
    assert (results.invited, results.answered, results.percent) == (7, 6, 86)
    rows = {row.label: row for row in results.municipalities}
    assert rows["Nacka"].shown
    assert rows["Nacka"].percent == 100
    assert not rows["Inte angivet"].shown
    groups = {row.label: row for row in results.groups}
    assert groups["Civilsamhället"].shown
    assert not groups["Näringsliv"].shown
    value_result = results.questions[0]
    assert value_result.shown
    assert {c.label: c.count for c in value_result.choices} == {
        "1": 0,
        "2": 1,
        "3": 0,
        "4": 5,
        "5": 0,
    }
    assert results.questions[1].texts == ["Mer dans"] * 5


def test_staff_see_results_with_charts_and_download_them_as_csv(staff_client):
    survey = _answered(held_meeting(), 5, text="Fler konserter")
    page = staff_client.get(reverse("admin:registrations_survey_results", args=[survey.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert "<meter" in body
    assert "Fler konserter" in body
    response = staff_client.get(reverse("admin:registrations_survey_results_csv", args=[survey.pk]))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert ["Besvarat", "5"] in rows
    assert sum(1 for row in rows if row[1:] == ["Fler konserter"]) == 5


def test_with_fewer_than_five_answers_the_csv_and_page_show_no_results(staff_client):
    survey = _answered(held_meeting(), 4, text="Hemligt förslag")
    page = staff_client.get(reverse("admin:registrations_survey_results", args=[survey.pk]))
    assert "Hemligt förslag" not in page.content.decode()
    csv_body = staff_client.get(
        reverse("admin:registrations_survey_results_csv", args=[survey.pk])
    ).content.decode("utf-8-sig")
    assert "Hemligt förslag" not in csv_body


def test_evaluation_answers_are_on_no_public_page_nor_on_a_persons_admin_page(client, staff_client):
    meeting = held_meeting()
    survey = _answered(meeting, 5, text="HEMLIG-IDE")
    registration = SurveyInvitation.objects.filter(survey=survey).first().registration
    for url in (
        meeting.get_absolute_url(),
        reverse("dialogues:meeting_archive"),
        reverse("dialogues:meeting_feed"),
        reverse("dialogues:meeting_ics", args=[meeting.slug]),
        reverse("portal:home"),
        reverse("dialogues:insight_list"),
    ):
        assert "HEMLIG-IDE" not in client.get(url).content.decode(), url
    page = staff_client.get(reverse("admin:dialogues_registration_change", args=[registration.pk]))
    assert "HEMLIG-IDE" not in page.content.decode()


def test_anonymisation_clears_free_text_but_keeps_the_evaluations_counts():
    from portal.registrations import services as core

    meeting = held_meeting()
    survey = _answered(meeting, 5, text="Mer dans")
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=timezone.now() - dt.timedelta(days=800),
        ends_at=timezone.now() - dt.timedelta(days=799),
    )
    core.registrations_anonymise(model=type(SurveyInvitation.objects.first().registration))
    results = surveys.survey_results(survey)
    assert results.questions[0].answered == 5
    assert results.questions[1].texts == []


def test_the_demo_data_has_a_held_meeting_with_evaluation_results():
    from django.core.management import call_command

    call_command("seed_demo")
    call_command("seed_demo")
    meeting = Meeting.objects.get(slug="civilsamhallet-varen")
    results = surveys.survey_results(meeting.survey)
    assert results.shown
    assert results.answered >= 5
    assert meeting.registrations.filter(status=RegistrationStatus.CONFIRMED).exists()


def test_the_meeting_page_in_admin_links_to_a_new_evaluation_and_then_to_its_results(
    staff_client,
):
    meeting = held_meeting()
    change = reverse("admin:dialogues_meeting_change", args=[meeting.pk])
    add = f"{reverse('admin:registrations_survey_add')}?meeting={meeting.pk}"
    assert add in staff_client.get(change).content.decode()
    response = staff_client.post(
        reverse("admin:registrations_survey_add"),
        {
            "meeting": meeting.pk,
            "closes_at_0": "2099-01-01",
            "closes_at_1": "12:00",
            "reminder_after_days": 5,
        },
    )
    assert response.status_code == 302, response.content.decode()
    survey = meeting.__class__.objects.get(pk=meeting.pk).survey
    # Saving it in admin gives it the default questions.
    assert Question.objects.for_event(meeting).evaluation().count() == 3
    results = reverse("admin:registrations_survey_results", args=[survey.pk])
    assert results in staff_client.get(change).content.decode()


def test_bad_input_on_the_evaluation_page_is_a_field_error_never_a_5xx(client):
    meeting = held_meeting()
    _survey, value, what_next, again = evaluation(meeting)
    checked_in(meeting, 1)
    tasks.surveys_send()
    url = surveys.survey_url(SurveyInvitation.objects.get())
    response = client.post(
        url,
        {
            question_field_name(value): "99",
            question_field_name(what_next): "x" * 5000,
            question_field_name(again): ["yes", "kanske"],
            "question_abc": "\x00",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) >= {question_field_name(value), question_field_name(what_next)}
    assert not Answer.objects.exists()
    for token in ("\x00", "a" * 500, "%00", "..%2F"):
        assert client.get(f"/mina-sidor/utvardering/{token}/").status_code == 404


def test_the_results_take_as_many_queries_for_five_answers_as_for_twenty(staff_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count(size: int) -> int:
        survey = _answered(held_meeting(), size)
        with CaptureQueriesContext(connection) as queries:
            staff_client.get(reverse("admin:registrations_survey_results", args=[survey.pk]))
        return len(queries)

    assert count(5) == count(20)
