"""Demo access requests: a coming meeting with a planning summary to work through (one late
interpreter, one arranged hearing loop, a diet), and a Stockholmstinget participant's request.
The same meeting asks registration questions (one shown only after a yes), with answers; the
held spring dialogue has an evaluation with enough answers for its results to show.

Written directly (as the other demo rows are), so seeding sends no mail; idempotent.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.apps import apps

from .models import (
    AccessRequest,
    AccessRequestStatus,
    Answer,
    Question,
    QuestionKind,
    QuestionPurpose,
    Survey,
    SurveyInvitation,
)

if TYPE_CHECKING:
    from dialogues.models import Meeting

MEETING = "kulturskapares-arbetsvillkor"
REQUESTS = [
    # (index among the meeting's registrations, kind, details, status, late)
    (0, "sign_language", "", AccessRequestStatus.REQUESTED, True),
    (1, "hearing_loop", "", AccessRequestStatus.ARRANGED, False),
    (2, "diet", "Glutenfritt", AccessRequestStatus.REQUESTED, False),
    (3, "step_free", "", AccessRequestStatus.REQUESTED, False),
]


# (position, kind, Swedish, English, choices in Swedish, in English, required, condition)
QUESTIONS = [
    (
        10,
        QuestionKind.CHOICES,
        "Vilka frågor vill du helst tala om?",
        "Which questions would you most like to discuss?",
        "Lokaler\nErsättning och arvoden\nNätverk i länet",
        "Premises\nPay and fees\nNetworks in the county",
        True,
        None,
    ),
    (
        20,
        QuestionKind.YES_NO,
        "Vill du berätta om ditt arbete under mötet?",
        "Would you like to tell us about your work at the meeting?",
        "",
        "",
        True,
        None,
    ),
    (
        30,
        QuestionKind.LONG_TEXT,
        "Vad vill du berätta om?",
        "What would you like to tell us about?",
        "",
        "",
        True,
        (20, "yes"),
    ),
    (
        40,
        QuestionKind.NUMBER,
        "Hur många år har du arbetat som kulturskapare?",
        "For how many years have you worked as an artist?",
        "",
        "",
        False,
        None,
    ),
]
ANSWERS = [
    # (index among the meeting's registrations, position -> value)
    (
        0,
        {
            10: "Lokaler\nNätverk i länet",
            20: "yes",
            30: "Vår kollektivateljé i Botkyrka.",
            40: "12",
        },
    ),
    (1, {10: "Ersättning och arvoden", 20: "no"}),
    (2, {10: "Lokaler", 20: "no", 40: "3"}),
]


def _questions(meeting: Meeting) -> dict[int, Question]:
    by_position: dict[int, Question] = {}
    for position, kind, label, label_en, choices, choices_en, required, condition in QUESTIONS:
        by_position[position], _created = Question.objects.update_or_create(
            meeting=meeting,
            position=position,
            defaults={
                "kind": kind,
                "label": label,
                "label_en": label_en,
                "choices": choices,
                "choices_en": choices_en,
                "required": required,
                "condition_question": by_position[condition[0]] if condition else None,
                "condition_value": condition[1] if condition else "",
            },
        )
    return by_position


def seed() -> None:
    seed_evaluation()
    seed_requests_and_questions()


def seed_requests_and_questions() -> None:
    # By label, as the core's foreign keys name them: the core imports no domain app.
    Meeting = apps.get_model("dialogues", "Meeting")
    Registration = apps.get_model("dialogues", "Registration")
    EditionRegistration = apps.get_model("stockholmstinget", "EditionRegistration")
    meeting = Meeting.objects.filter(slug=MEETING).first()
    if meeting is not None:
        registrations = list(Registration.objects.filter(meeting=meeting).order_by("pk"))
        for index, kind, details, status, late in REQUESTS:
            if index >= len(registrations):
                continue
            registration = registrations[index]
            AccessRequest.objects.update_or_create(
                meeting_registration=registration,
                kind=kind,
                defaults={
                    "details": details,
                    "status": status,
                    "is_late": late,
                    "created_at": registration.created_at,
                    "decided_at": registration.created_at
                    if status != AccessRequestStatus.REQUESTED
                    else None,
                    "staff_note": "Hörslingan finns i hela salen."
                    if status == AccessRequestStatus.ARRANGED
                    else "",
                },
            )
        questions = _questions(meeting)
        for index, values in ANSWERS:
            if index >= len(registrations):
                continue
            for position, value in values.items():
                Answer.objects.update_or_create(
                    question=questions[position],
                    meeting_registration=registrations[index],
                    defaults={"value": value, "created_at": registrations[index].created_at},
                )
    tinget = EditionRegistration.objects.order_by("pk").first()
    if tinget is not None:
        AccessRequest.objects.update_or_create(
            edition_registration=tinget,
            kind="text_interpreter",
            defaults={"created_at": tinget.created_at},
        )


HELD = "civilsamhallet-varen"
# Per checked-in participant, in registration order: value 1-5, what next, would come again.
EVALUATION = [
    ("5", "Fler möten i norra länet.", "yes"),
    ("4", "Ett nätverk för föreningar som saknar lokaler.", "yes"),
    ("4", "", "yes"),
    ("3", "Kortare presentationer, mer samtal.", "no"),
    ("5", "Följ upp lokalfrågan med kommunerna.", "yes"),
    ("4", "", "yes"),
]


def seed_evaluation() -> None:
    """A held meeting's evaluation: mailed to everyone checked in, six have answered."""
    from .surveys import survey_questions_default

    Meeting = apps.get_model("dialogues", "Meeting")
    Registration = apps.get_model("dialogues", "Registration")
    meeting = Meeting.objects.filter(slug=HELD).first()
    if meeting is None:
        return
    survey, _created = Survey.objects.update_or_create(
        meeting=meeting,
        defaults={"closes_at": meeting.ends_at + dt.timedelta(days=60), "reminder_after_days": 5},
    )
    survey_questions_default(survey)
    value, what_next, again = list(
        Question.objects.for_event(meeting).filter(purpose=QuestionPurpose.EVALUATION).in_order()
    )[:3]
    sent = meeting.ends_at + dt.timedelta(hours=2)
    registrations = Registration.objects.filter(
        meeting=meeting, checked_in_at__isnull=False
    ).order_by("pk")
    for index, registration in enumerate(registrations):
        answers = EVALUATION[index] if index < len(EVALUATION) else None
        SurveyInvitation.objects.update_or_create(
            survey=survey,
            meeting_registration=registration,
            defaults={
                "sent_at": sent,
                "answered_at": sent + dt.timedelta(days=1) if answers else None,
                "reminded_at": None if answers else sent + dt.timedelta(days=5),
            },
        )
        if answers is None:
            continue
        for question, given in zip((value, what_next, again), answers, strict=True):
            if given:
                Answer.objects.update_or_create(
                    question=question,
                    meeting_registration=registration,
                    defaults={"value": given, "created_at": sent + dt.timedelta(days=1)},
                )
