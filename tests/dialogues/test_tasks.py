"""The reminder sweep: due reminders once per registration and meeting start."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from dialogues import services, tasks
from dialogues.models import RegistrationStatus
from portal.outbox.models import OutgoingEmail
from tests.dialogues.factories import MeetingFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


def _reminders() -> list[str]:
    return list(
        OutgoingEmail.objects.filter(key__startswith="dialogues:meeting_reminder").values_list(
            "key", flat=True
        )
    )


@pytest.fixture
def soon_meeting():
    start = timezone.now() + dt.timedelta(hours=24)
    return MeetingFactory(starts_at=start, ends_at=start + dt.timedelta(hours=2))


def test_sweep_run_twice_sends_once(soon_meeting):
    RegistrationFactory(meeting=soon_meeting)
    assert tasks.meeting_reminders_send() == 1
    assert tasks.meeting_reminders_send() == 0
    assert len(_reminders()) == 1


def test_reminder_waits_for_the_meetings_own_lead_time():
    start = timezone.now() + dt.timedelta(hours=30)
    meeting = MeetingFactory(
        starts_at=start, ends_at=start + dt.timedelta(hours=1), reminder_lead_hours=24
    )
    RegistrationFactory(meeting=meeting)
    assert services.reminders_send() == 0
    assert services.reminders_send(now=timezone.now() + dt.timedelta(hours=7)) == 1


def test_only_confirmed_registrants_of_live_meetings_are_reminded(soon_meeting):
    RegistrationFactory(meeting=soon_meeting, status=RegistrationStatus.WAITLISTED)
    RegistrationFactory(meeting=soon_meeting, status=RegistrationStatus.CANCELLED)
    cancelled_start = timezone.now() + dt.timedelta(hours=3)
    RegistrationFactory(
        meeting=MeetingFactory(
            status="cancelled",
            starts_at=cancelled_start,
            ends_at=cancelled_start + dt.timedelta(hours=1),
        )
    )
    assert services.reminders_send() == 0


def test_moved_meeting_gets_a_fresh_reminder(soon_meeting):
    registration = RegistrationFactory(meeting=soon_meeting)
    services.reminders_send()
    new_start = soon_meeting.starts_at + dt.timedelta(hours=2)
    services.meeting_update(
        meeting=soon_meeting,
        changes={"starts_at": new_start, "ends_at": new_start + dt.timedelta(hours=1)},
    )
    assert services.reminders_send() == 1
    assert services.reminders_send() == 0
    assert sorted(_reminders()) == sorted(
        [
            f"dialogues:meeting_reminder:{registration.pk}:{soon_meeting.starts_at.isoformat()}",
            f"dialogues:meeting_reminder:{registration.pk}:{new_start.isoformat()}",
        ]
    )


def test_reminder_sweep_is_scheduled():
    entry = settings.CELERY_BEAT_SCHEDULE["dialogues-meeting-reminders"]
    assert entry["task"] == "dialogues.tasks.meeting_reminders_send"
    assert entry["schedule"] == 300
