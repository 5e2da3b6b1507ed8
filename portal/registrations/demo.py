"""Demo access requests: a coming meeting with a planning summary to work through (one late
interpreter, one arranged hearing loop, a diet), and a Stockholmstinget participant's request.
The same meeting asks registration questions (one shown only after a yes), with answers.

Written directly (as the other demo rows are), so seeding sends no mail; idempotent.
"""

from __future__ import annotations

from django.apps import apps

from .models import AccessRequest, AccessRequestStatus, Answer, Question, QuestionKind

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


def _questions(meeting) -> dict[int, Question]:
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
