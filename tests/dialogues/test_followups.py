"""Follow-ups: staff are reminded to finish a held meeting, invitees who have not registered
are reminded once before it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from dialogues import services, tasks
from dialogues.models import Invitation, Meeting, MeetingStatus, Minutes, MinutesStatus
from tests.dialogues.conftest import mail_keys
from tests.dialogues.factories import (
    InvitationFactory,
    MeetingFactory,
    RegistrantFactory,
    RegistrationFactory,
    SummaryFactory,
)
from tests.outbox import outbox_mail

pytestmark = pytest.mark.django_db


def _held(days_ago: float = 4, **kwargs) -> Meeting:
    ends = timezone.now() - dt.timedelta(days=days_ago)
    return MeetingFactory(starts_at=ends - dt.timedelta(hours=2), ends_at=ends, **kwargs)


def _approved_minutes(meeting: Meeting) -> Minutes:
    return Minutes.objects.create(
        meeting=meeting, status=MinutesStatus.APPROVED, approved_at=timezone.now()
    )


# --- staff: minutes and summary ---------------------------------------------------------------


def test_followup_reminder_run_twice_sends_once_to_the_contact_with_the_admin_link():
    meeting = _held(contact_email="ansvarig@regionstockholm.se")
    assert tasks.meeting_followup_reminders_send() == 1
    assert tasks.meeting_followup_reminders_send() == 0
    assert mail_keys("dialogues:followup-reminder:") == [
        f"dialogues:followup-reminder:{meeting.pk}"
    ]
    mail = outbox_mail(key=f"dialogues:followup-reminder:{meeting.pk}")
    assert mail.to == "ansvarig@regionstockholm.se"
    admin_url = settings.SITE_URL + reverse("admin:dialogues_meeting_change", args=[meeting.pk])
    assert admin_url in mail.body_text
    meeting.refresh_from_db()
    assert meeting.followup_reminded_at is not None


def test_followup_reminder_goes_to_the_series_contact_without_a_meeting_contact():
    meeting = _held()
    services.meeting_followup_reminders_send()
    mail = outbox_mail(key=f"dialogues:followup-reminder:{meeting.pk}")
    assert mail.to == meeting.series.contact_email


def test_meeting_with_approved_minutes_and_published_summary_is_skipped():
    summary = SummaryFactory(
        meeting=_held(),
    )
    _approved_minutes(summary.meeting)
    assert services.meeting_followup_reminders_send() == 0
    assert mail_keys("dialogues:followup-reminder:") == []


def test_missing_summary_alone_is_reminded_and_named(settings):
    settings.LANGUAGE_CODE = "en"
    meeting = _held()
    _approved_minutes(meeting)
    SummaryFactory(meeting=meeting, published_at=None)
    assert services.meeting_followup_reminders_send() == 1
    body = outbox_mail(key=f"dialogues:followup-reminder:{meeting.pk}").body_text
    assert "the summary is not published" in body
    assert "the minutes are not approved" not in body


def test_no_followup_reminder_too_early_for_cancelled_or_draft_or_long_past_meetings():
    _held(days_ago=1)
    _held(status=MeetingStatus.CANCELLED)
    _held(status=MeetingStatus.DRAFT, published_at=None)
    _held(days_ago=120)
    MeetingFactory()
    assert services.meeting_followup_reminders_send() == 0


def test_followup_reminder_waits_the_configured_days(settings):
    settings.DIALOGUE_FOLLOWUP_REMINDER_AFTER_DAYS = 7
    meeting = _held(days_ago=4)
    assert services.meeting_followup_reminders_send() == 0
    later = timezone.now() + dt.timedelta(days=4)
    assert services.meeting_followup_reminders_send(now=later) == 1
    assert mail_keys("dialogues:followup-reminder:") == [
        f"dialogues:followup-reminder:{meeting.pk}"
    ]


def test_meeting_without_any_contact_address_waits_for_one():
    meeting = _held(series__contact_email="")
    assert services.meeting_followup_reminders_send() == 0
    meeting.refresh_from_db()
    assert meeting.followup_reminded_at is None
    Meeting.objects.filter(pk=meeting.pk).update(contact_email="ny@regionstockholm.se")
    assert services.meeting_followup_reminders_send() == 1


# --- invitees who have not registered ---------------------------------------------------------


@pytest.fixture
def soon_meeting() -> Meeting:
    start = timezone.now() + dt.timedelta(days=2)
    return MeetingFactory(starts_at=start, ends_at=start + dt.timedelta(hours=2))


def _invitation(meeting: Meeting, **kwargs) -> Invitation:
    kwargs.setdefault("created_at", timezone.now() - dt.timedelta(days=10))
    return InvitationFactory(meeting=meeting, **kwargs)


def test_invitation_followup_run_twice_sends_once(soon_meeting):
    invitation = _invitation(soon_meeting)
    assert tasks.invitation_followups_send() == 1
    assert tasks.invitation_followups_send() == 0
    assert mail_keys("dialogues:invitation-followup:") == [
        f"dialogues:invitation-followup:{invitation.pk}"
    ]
    mail = outbox_mail(key=f"dialogues:invitation-followup:{invitation.pk}")
    assert mail.to == invitation.email
    assert invitation.token in mail.body_text
    invitation.refresh_from_db()
    assert invitation.followed_up_at is not None


def test_registered_invitees_get_no_followup(soon_meeting):
    through_link = _invitation(soon_meeting)
    RegistrationFactory(meeting=soon_meeting, invitation=through_link)
    registrant = RegistrantFactory(email="Redan.Anmald@example.se")
    _invitation(soon_meeting, email="redan.anmald@example.se")
    RegistrationFactory(meeting=soon_meeting, user=registrant)
    cancelled = _invitation(soon_meeting)
    RegistrationFactory(meeting=soon_meeting, invitation=cancelled, status="cancelled")
    assert services.invitation_followups_send() == 0
    assert mail_keys("dialogues:invitation-followup:") == []


def test_no_followup_far_ahead_after_closing_or_for_a_fresh_invitation(soon_meeting):
    _invitation(MeetingFactory())
    closed = MeetingFactory(
        starts_at=soon_meeting.starts_at,
        ends_at=soon_meeting.ends_at,
        registration_closes_at=timezone.now() - dt.timedelta(hours=1),
    )
    _invitation(closed)
    _invitation(soon_meeting, created_at=timezone.now() - dt.timedelta(hours=3))
    _invitation(
        MeetingFactory(
            starts_at=soon_meeting.starts_at,
            ends_at=soon_meeting.ends_at,
            status=MeetingStatus.CANCELLED,
        )
    )
    assert services.invitation_followups_send() == 0


def test_followups_are_scheduled_daily():
    schedule = settings.CELERY_BEAT_SCHEDULE
    reminder = schedule["dialogues-followup-reminders"]
    assert reminder["task"] == "dialogues.tasks.meeting_followup_reminders_send"
    assert reminder["schedule"].hour == {8}
    assert reminder["schedule"].minute == {0}
    followup = schedule["dialogues-invitation-followups"]
    assert followup["task"] == "dialogues.tasks.invitation_followups_send"
    assert followup["schedule"].hour == {9}
