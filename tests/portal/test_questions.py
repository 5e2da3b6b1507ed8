"""Registration questions for every kind of event (portal/registrations/questions.py)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import RestrictedError
from django.urls import reverse
from django.utils import timezone, translation

from dialogues import services as meetings
from dialogues.models import Meeting, MeetingStatus
from portal.errors import RefusalError
from portal.registrations import questions
from portal.registrations import services as core
from portal.registrations.forms import question_field_name
from portal.registrations.models import Answer, Question, QuestionKind, QuestionPurpose
from stockholmstinget import services as tinget
from tests.dialogues.factories import MeetingFactory, RegistrantFactory
from tests.stockholmstinget.factories import EditionFactory

pytestmark = pytest.mark.django_db


def asked(event, **fields) -> Question:
    field = "meeting" if isinstance(event, Meeting) else "edition"
    fields.setdefault("kind", QuestionKind.SHORT_TEXT)
    return Question.objects.create(**{field: event}, **fields)


@pytest.fixture
def meeting():
    return MeetingFactory(title="Kulturskapares arbetsvillkor")


@pytest.fixture
def parking(meeting):
    """A yes/no question and a required one shown only after a yes."""
    car = asked(
        meeting,
        position=1,
        kind=QuestionKind.YES_NO,
        label="Kommer du med bil?",
        label_en="Are you coming by car?",
        required=True,
    )
    plate = asked(
        meeting,
        position=2,
        label="Registreringsnummer",
        label_en="Number plate",
        required=True,
        condition_question=car,
        condition_value="yes",
    )
    return car, plate


def _post(client, meeting, data):
    return client.post(reverse("dialogues:registration_create", args=[meeting.slug]), data)


# --- types, conditions and the form ------------------------------------------------------------


def test_every_kind_of_question_is_asked_and_stored(client, meeting):
    short = asked(meeting, position=1, label="Organisation")
    long = asked(meeting, position=2, kind=QuestionKind.LONG_TEXT, label="Vad vill du ta upp?")
    one = asked(
        meeting, position=3, kind=QuestionKind.CHOICE, label="Lunch", choices="Kött\nVegetariskt"
    )
    several = asked(
        meeting,
        position=4,
        kind=QuestionKind.CHOICES,
        label="Teman",
        choices="Lokaler\nArvoden\nNätverk",
    )
    yes_no = asked(meeting, position=5, kind=QuestionKind.YES_NO, label="Fotografering ok?")
    number = asked(meeting, position=6, kind=QuestionKind.NUMBER, label="Antal år i yrket")
    user = RegistrantFactory()
    client.force_login(user)
    page = client.get(reverse("dialogues:registration_create", args=[meeting.slug]))
    body = page.content.decode()
    for question in (short, long, one, several, yes_no, number):
        assert question.label in body
    assert re.search(rf'<textarea[^>]*name="question_{long.pk}"', body)
    assert re.search(rf'type="checkbox"[^>]*name="question_{several.pk}"', body)

    response = _post(
        client,
        meeting,
        {
            f"question_{short.pk}": "Botkyrka konsthall",
            f"question_{long.pk}": "Ateljéhyror",
            f"question_{one.pk}": "Vegetariskt",
            f"question_{several.pk}": ["Lokaler", "Nätverk"],
            f"question_{yes_no.pk}": "no",
            f"question_{number.pk}": "12,5",
        },
    )
    assert response.status_code == 302, response.content.decode()
    values = dict(Answer.objects.values_list("question_id", "value"))
    assert values == {
        short.pk: "Botkyrka konsthall",
        long.pk: "Ateljéhyror",
        one.pk: "Vegetariskt",
        several.pk: "Lokaler\nNätverk",
        yes_no.pk: "no",
        number.pk: "12.5",
    }


def test_a_conditional_question_is_required_only_when_its_condition_holds(client, meeting, parking):
    car, plate = parking
    client.force_login(RegistrantFactory())
    # "No": the plate is not asked for, and what was typed there is not kept.
    response = _post(
        client, meeting, {question_field_name(car): "no", question_field_name(plate): "ABC123"}
    )
    assert response.status_code == 302
    assert dict(Answer.objects.values_list("question__label", "value")) == {
        "Kommer du med bil?": "no"
    }


def test_a_required_conditional_question_left_empty_is_a_field_error_that_keeps_the_input(
    client, meeting, parking
):
    car, plate = parking
    client.force_login(RegistrantFactory())
    response = _post(client, meeting, {question_field_name(car): "yes", "message": "Hej hej"})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.has_error(question_field_name(plate), "required")
    body = response.content.decode()
    assert "Detta fält måste fyllas i." in body
    # The answer and the message the person typed are still there.
    assert re.search(r'value="yes"[^>]*checked', body)
    assert "Hej hej" in body
    assert not Answer.objects.exists()
    # The help text says when to answer, so the form reads right without the script.
    assert "Kommer du med bil?" in body
    assert "Svara bara om du svarade ”Ja” på ”Kommer du med bil?”" in body


def test_a_required_question_and_a_bad_number_are_field_errors(client, meeting):
    required = asked(meeting, position=1, label="Organisation", required=True)
    number = asked(meeting, position=2, kind=QuestionKind.NUMBER, label="Antal")
    client.force_login(RegistrantFactory())
    response = _post(client, meeting, {question_field_name(number): "många"})
    errors = response.context["form"].errors
    assert set(errors) == {question_field_name(required), question_field_name(number)}
    body = response.content.decode()
    # The page says it as the other fields do, in Swedish.
    assert "Detta fält måste fyllas i." in body
    assert "Fyll i ett tal." in body
    assert 'value="många"' in response.content.decode()


def test_a_bad_input_in_a_question_that_does_not_apply_does_not_stop_the_form(
    client, meeting, parking
):
    car, _plate = parking
    how_many = asked(
        meeting,
        position=3,
        kind=QuestionKind.NUMBER,
        label="Hur många i bilen?",
        condition_question=car,
        condition_value="yes",
    )
    client.force_login(RegistrantFactory())
    response = _post(
        client, meeting, {question_field_name(car): "no", question_field_name(how_many): "x"}
    )
    assert response.status_code == 302


def test_questions_are_asked_in_english_with_english_choices(client, meeting):
    asked(
        meeting,
        kind=QuestionKind.CHOICE,
        label="Lunch",
        label_en="Lunch choice",
        help_text="Vi bjuder",
        help_text_en="On us",
        choices="Kött\nVegetariskt",
        choices_en="Meat\nVegetarian",
    )
    client.force_login(RegistrantFactory())
    with translation.override("en"):
        url = reverse("dialogues:registration_create", args=[meeting.slug])
    body = client.get(url).content.decode()
    assert "Lunch choice" in body
    assert "On us" in body
    assert re.search(r'value="Vegetariskt"[^>]*>\s*<label[^>]*>\s*Vegetarian', body)


def test_archived_questions_and_other_events_questions_are_not_asked(client, meeting):
    asked(meeting, label="Arkiverad fråga", archived_at=timezone.now())
    other = asked(MeetingFactory(), label="Ett annat mötes fråga")
    user = RegistrantFactory()
    client.force_login(user)
    body = client.get(reverse("dialogues:registration_create", args=[meeting.slug])).content
    assert "Arkiverad fråga" not in body.decode()
    # A forged answer to another meeting's question is not stored.
    registration = meetings.registration_create(
        meeting=meeting, user=user, answers={other.pk: "smuggel"}
    )
    assert not Answer.objects.for_registration(registration).exists()


def test_changing_the_registration_shows_and_changes_the_answers(client, meeting, parking):
    car, plate = parking
    user = RegistrantFactory()
    meetings.registration_create(
        meeting=meeting, user=user, answers={car.pk: "yes", plate.pk: "ABC123"}
    )
    client.force_login(user)
    url = reverse("dialogues:registration_update", args=[meeting.slug])
    assert 'value="ABC123"' in client.get(url).content.decode()
    response = client.post(url, {question_field_name(car): "no"})
    assert response.status_code == 302
    # The plate no longer applies: its answer goes.
    assert list(Answer.objects.values_list("value", flat=True)) == ["no"]


def test_stockholmstinget_asks_its_own_questions(client):
    edition = EditionFactory()
    question = asked(edition, label="Vilket spår lockar mest?", required=True)
    user = RegistrantFactory()
    registration = tinget.registration_save(
        edition=edition,
        user=user,
        mode="in_person",
        sector="culture",
        answers={question.pk: "Folkbildning"},
    )
    answer = Answer.objects.get()
    assert answer.edition_registration == registration
    client.force_login(user)
    page = client.get(reverse("stockholmstinget:registration", args=[edition.year]))
    assert 'value="Folkbildning"' in page.content.decode()
    response = client.post(
        reverse("stockholmstinget:registration", args=[edition.year]),
        {"mode": "in_person", "sector": "culture"},
    )
    assert response.status_code == 200
    assert question_field_name(question) in response.context["form"].errors


# --- the model's rules ----------------------------------------------------------------------------


def test_a_condition_must_name_an_earlier_choice_question_of_the_same_event(meeting, parking):
    car, plate = parking
    text = asked(meeting, position=5, label="Fritext")
    cases = [
        (Question(meeting=meeting, position=9, kind="short_text", label="x",
                  condition_question=text, condition_value="a"), "condition_question"),
        (Question(meeting=meeting, position=0, kind="short_text", label="x",
                  condition_question=car, condition_value="yes"), "condition_question"),
        (Question(meeting=MeetingFactory(), position=9, kind="short_text", label="x",
                  condition_question=car, condition_value="yes"), "condition_question"),
        (Question(meeting=meeting, position=9, kind="short_text", label="x",
                  condition_question=car, condition_value="kanske"), "condition_value"),
        (Question(meeting=meeting, position=9, kind="choice", label="x", choices="bara en"),
         "choices"),
        (Question(meeting=meeting, position=9, kind="choice", label="x", choices="a\nb",
                  choices_en="a"), "choices_en"),
    ]  # fmt: skip
    for question, field in cases:
        with pytest.raises(ValidationError) as error:
            question.clean()
        assert field in error.value.message_dict, (question, error.value.message_dict)
    plate.clean()


def test_the_database_holds_one_event_per_question_and_one_answer_per_registration(meeting):
    with pytest.raises(IntegrityError), transaction.atomic():
        Question.objects.create(kind="short_text", label="Utan evenemang")
    question = asked(meeting, label="Fråga")
    registration = meetings.registration_create(meeting=meeting, user=RegistrantFactory())
    Answer.objects.create(question=question, meeting_registration=registration, value="a")
    with pytest.raises(IntegrityError), transaction.atomic():
        Answer.objects.create(question=question, meeting_registration=registration, value="b")


def test_an_answered_question_cannot_be_deleted_only_archived(meeting):
    question = asked(meeting, label="Fråga")
    unanswered = asked(meeting, label="Obesvarad")
    meetings.registration_create(
        meeting=meeting, user=RegistrantFactory(), answers={question.pk: "Svar"}
    )
    with pytest.raises(RefusalError) as error:
        questions.question_delete(question=question)
    assert error.value.code == "answered"
    with pytest.raises(RestrictedError):
        question.delete()
    questions.question_archive(question=question)
    assert Question.objects.get(pk=question.pk).is_archived
    assert Answer.objects.get().value == "Svar"
    questions.question_delete(question=unanswered)
    assert not Question.objects.filter(pk=unanswered.pk).exists()
    # The meeting's own deletion takes its questions and answers with it.
    meeting.registrations.all().delete()
    Meeting.objects.filter(pk=meeting.pk).delete()
    assert not Question.objects.exists()


def test_admin_refuses_to_delete_an_answered_question_and_archives_it(staff_client, meeting):
    question = asked(meeting, label="Fråga")
    meetings.registration_create(
        meeting=meeting, user=RegistrantFactory(), answers={question.pk: "Svar"}
    )
    delete = reverse("admin:registrations_question_delete", args=[question.pk])
    assert staff_client.post(delete, {"post": "yes"}).status_code == 403
    changelist = reverse("admin:registrations_question_changelist")
    staff_client.post(
        changelist, {"action": "delete_selected", "_selected_action": [question.pk], "post": "yes"}
    )
    assert Question.objects.filter(pk=question.pk).exists()
    staff_client.post(changelist, {"action": "archive", "_selected_action": [question.pk]})
    assert Question.objects.get(pk=question.pk).is_archived


def test_staff_add_a_question_from_the_meeting_page(staff_client, meeting, parking):
    change = staff_client.get(reverse("admin:dialogues_meeting_change", args=[meeting.pk]))
    body = change.content.decode()
    add = f"{reverse('admin:registrations_question_add')}?meeting={meeting.pk}"
    assert add.replace("&", "&amp;") in body or add in body
    listing = staff_client.get(
        f"{reverse('admin:registrations_question_changelist')}?meeting__id__exact={meeting.pk}"
    )
    assert listing.status_code == 200
    assert "Registreringsnummer" in listing.content.decode()
    response = staff_client.post(
        reverse("admin:registrations_question_add"),
        {
            "meeting": meeting.pk,
            "purpose": QuestionPurpose.REGISTRATION,
            "position": 3,
            "kind": QuestionKind.CHOICE,
            "label": "Lunch",
            "choices": "Kött\nVegetariskt",
            "condition_question": parking[0].pk,
            "condition_value": "kanske",
        },
    )
    # A condition value the earlier question cannot have is a field error, the input kept.
    assert response.status_code == 200
    assert "condition_value" in response.context["adminform"].form.errors
    assert "Vegetariskt" in response.content.decode()


# --- where answers show, and where they go ---------------------------------------------------


def test_answers_are_in_the_registrations_export_and_in_admin(staff_client, meeting, parking):
    car, plate = parking
    registration = meetings.registration_create(
        meeting=meeting, user=RegistrantFactory(), answers={car.pk: "yes", plate.pk: "ABC123"}
    )
    response = staff_client.post(
        reverse("admin:dialogues_meeting_changelist"),
        {"action": "export_csv", "_selected_action": [meeting.pk]},
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    header = next(row for row in rows if "Kommer du med bil?" in row)
    line = rows[rows.index(header) + 1]
    assert line[header.index("Kommer du med bil?")] == "Ja"
    assert line[header.index("Registreringsnummer")] == "ABC123"
    page = staff_client.get(reverse("admin:dialogues_registration_change", args=[registration.pk]))
    assert "ABC123" in page.content.decode()


def test_stockholmstinget_export_has_the_answers(staff_client):
    edition = EditionFactory()
    question = asked(edition, label="Spår")
    tinget.registration_save(
        edition=edition,
        user=RegistrantFactory(),
        mode="in_person",
        sector="culture",
        answers={question.pk: "Idrott"},
    )
    from stockholmstinget.models import EditionRegistration

    response = staff_client.post(
        reverse("admin:stockholmstinget_editionregistration_changelist"),
        {"action": "export_csv", "_selected_action": list(
            EditionRegistration.objects.values_list("pk", flat=True)
        )},
    )  # fmt: skip
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][-1] == "Spår"
    assert rows[1][-1] == "Idrott"


def test_answers_are_on_mina_sidor_and_in_the_data_export_and_erased_with_the_account(
    client, meeting, parking
):
    car, plate = parking
    user = RegistrantFactory()
    meetings.registration_create(
        meeting=meeting, user=user, answers={car.pk: "yes", plate.pk: "ABC123"}
    )
    other = RegistrantFactory()
    meetings.registration_create(
        meeting=meeting, user=other, answers={car.pk: "yes", plate.pk: "XYZ999"}
    )
    client.force_login(user)
    page = client.get(reverse("accounts:my_pages")).content.decode()
    assert "Registreringsnummer" in page
    assert "ABC123" in page
    assert "XYZ999" not in page
    exported = client.get(reverse("accounts:data_export"))
    assert b"ABC123" in exported.content
    assert b"XYZ999" not in exported.content
    assert {row["answer"] for row in questions.export(user)} == {"yes", "ABC123"}
    questions.erase(user)
    theirs = Answer.objects.filter(meeting_registration__user=user)
    assert set(theirs.values_list("value", flat=True)) == {""}
    assert Answer.objects.filter(value="XYZ999").exists()


def test_answers_are_cleared_with_the_rest_after_the_retention_period(meeting, parking):
    car, plate = parking
    registration = meetings.registration_create(
        meeting=meeting, user=RegistrantFactory(), answers={car.pk: "yes", plate.pk: "ABC123"}
    )
    assert core.registrations_anonymise(model=type(registration)) == 0
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=timezone.now() - dt.timedelta(days=800),
        ends_at=timezone.now() - dt.timedelta(days=799),
    )
    assert core.registrations_anonymise(model=type(registration)) == 1
    # The rows stay (the question stays answered, so it cannot be deleted), the values go.
    assert list(Answer.objects.values_list("value", flat=True)) == ["", ""]


def test_answers_never_reach_public_pages_feeds_or_calendar_files(client, meeting, parking):
    car, plate = parking
    meetings.registration_create(
        meeting=meeting,
        user=RegistrantFactory(),
        consent_to_be_listed=True,
        answers={car.pk: "yes", plate.pk: "HEMLIG-SKYLT"},
    )
    for url in (
        meeting.get_absolute_url(),
        reverse("dialogues:meeting_list"),
        reverse("dialogues:meeting_ics", args=[meeting.slug]),
        reverse("dialogues:meeting_feed"),
        reverse("portal:home"),
    ):
        body = client.get(url).content.decode()
        assert "HEMLIG-SKYLT" not in body, url
        assert "Registreringsnummer" not in body, url


# --- copying a meeting ---------------------------------------------------------------------------


def test_copying_a_meeting_copies_its_current_questions_and_their_conditions(meeting, parking):
    asked(meeting, position=9, label="Arkiverad", archived_at=timezone.now())
    asked(
        meeting,
        position=10,
        kind=QuestionKind.YES_NO,
        purpose=QuestionPurpose.EVALUATION,
        label="Kommer du igen?",
    )
    meetings.registration_create(meeting=meeting, user=RegistrantFactory())
    copy = meetings.meeting_copy(meeting=meeting)
    assert copy.status == MeetingStatus.DRAFT
    assert copy.slug != meeting.slug
    assert copy.registrations.count() == 0
    copied = {q.label: q for q in Question.objects.for_event(copy)}
    assert set(copied) == {"Kommer du med bil?", "Registreringsnummer", "Kommer du igen?"}
    assert copied["Registreringsnummer"].condition_question == copied["Kommer du med bil?"]
    assert copied["Registreringsnummer"].condition_value == "yes"
    assert copied["Registreringsnummer"].required
    # A second copy gets a slug of its own.
    assert meetings.meeting_copy(meeting=meeting).slug not in {meeting.slug, copy.slug}


def test_staff_copy_a_meeting_in_admin_and_land_on_the_copy(staff_client, meeting, parking):
    response = staff_client.post(
        reverse("admin:dialogues_meeting_changelist"),
        {"action": "copy_meetings", "_selected_action": [meeting.pk]},
    )
    copy = Meeting.objects.exclude(pk=meeting.pk).get()
    assert response["Location"] == reverse("admin:dialogues_meeting_change", args=[copy.pk])
    assert Question.objects.for_event(copy).count() == 2


def test_the_demo_data_has_a_meeting_with_questions_and_answers():
    from django.core.management import call_command

    call_command("seed_demo")
    call_command("seed_demo")
    meeting = Meeting.objects.get(slug="kulturskapares-arbetsvillkor")
    asked_here = list(Question.objects.for_event(meeting))
    assert len(asked_here) == 4
    assert any(question.condition_question_id for question in asked_here)
    assert Answer.objects.filter(question__meeting=meeting).count() >= 5


def test_every_question_admin_action_is_registered():
    actions = {name for _f, name, _d in admin.site._registry[Question]._get_base_actions()}
    assert {"archive", "restore"} <= actions


def test_the_form_and_the_export_take_as_many_queries_for_two_questions_as_for_eight(
    client, staff_client
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def counts(size: int) -> tuple[int, int]:
        meeting = MeetingFactory()
        made = [asked(meeting, position=n, label=f"Fråga {n}") for n in range(size)]
        user = RegistrantFactory()
        meetings.registration_create(
            meeting=meeting, user=user, answers={q.pk: f"svar {q.pk}" for q in made}
        )
        for _ in range(size):
            meetings.registration_create(
                meeting=meeting,
                user=RegistrantFactory(),
                answers={q.pk: "svar" for q in made},
            )
        client.force_login(user)
        url = reverse("dialogues:registration_update", args=[meeting.slug])
        with CaptureQueriesContext(connection) as form:
            assert client.get(url).status_code == 200
        with CaptureQueriesContext(connection) as export:
            staff_client.post(
                reverse("admin:dialogues_meeting_changelist"),
                {"action": "export_csv", "_selected_action": [meeting.pk]},
            )
        return len(form), len(export)

    assert counts(2) == counts(8)
