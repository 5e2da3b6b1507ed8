"""Demo access requests: a coming meeting with a planning summary to work through (one late
interpreter, one arranged hearing loop, a diet), and a Stockholmstinget participant's request.

Written directly (as the other demo rows are), so seeding sends no mail; idempotent.
"""

from __future__ import annotations

from django.apps import apps

from .models import AccessRequest, AccessRequestStatus

MEETING = "kulturskapares-arbetsvillkor"
REQUESTS = [
    # (index among the meeting's registrations, kind, details, status, late)
    (0, "sign_language", "", AccessRequestStatus.REQUESTED, True),
    (1, "hearing_loop", "", AccessRequestStatus.ARRANGED, False),
    (2, "diet", "Glutenfritt", AccessRequestStatus.REQUESTED, False),
    (3, "step_free", "", AccessRequestStatus.REQUESTED, False),
]


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
    tinget = EditionRegistration.objects.order_by("pk").first()
    if tinget is not None:
        AccessRequest.objects.update_or_create(
            edition_registration=tinget,
            kind="text_interpreter",
            defaults={"created_at": tinget.created_at},
        )
