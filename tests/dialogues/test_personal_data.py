"""Registration details are anonymised a configurable time after the event."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from dialogues import tasks
from dialogues.models import Registration, RegistrationStatus
from stockholmstinget import tasks as tinget_tasks
from stockholmstinget.models import EditionRegistration
from tests.dialogues.factories import MeetingFactory, RegistrationFactory
from tests.stockholmstinget.factories import EditionFactory
from tests.stockholmstinget.factories import RegistrationFactory as EditionRegistrationFactory

pytestmark = pytest.mark.django_db

NEEDS = {
    "accessibility_needs": "Rullstolsplats och hörslinga",
    "dietary_needs": "Vegansk kost",
    "message": "Jag kommer med min ledsagare Anna.",
}


def _registration(*, ended_days_ago: int, **kwargs) -> Registration:
    ends = timezone.now() - dt.timedelta(days=ended_days_ago)
    meeting = MeetingFactory(starts_at=ends - dt.timedelta(hours=2), ends_at=ends)
    return RegistrationFactory(meeting=meeting, **NEEDS, **kwargs)


def test_old_registrations_are_cleared_and_keep_status_and_attendance():
    checked_in = timezone.now() - dt.timedelta(days=100)
    old = _registration(ended_days_ago=100, checked_in_at=checked_in, consent_to_be_listed=True)
    cancelled = _registration(ended_days_ago=95, status=RegistrationStatus.CANCELLED)
    assert tasks.registrations_anonymise() == 2
    old.refresh_from_db()
    assert (old.accessibility_needs, old.dietary_needs, old.message) == ("", "", "")
    assert old.anonymised_at is not None
    assert old.status == RegistrationStatus.CONFIRMED
    assert old.checked_in_at == checked_in
    assert old.consent_to_be_listed is True
    assert old.check_in_code
    cancelled.refresh_from_db()
    assert cancelled.message == ""
    assert cancelled.status == RegistrationStatus.CANCELLED


def test_recent_and_upcoming_registrations_are_untouched():
    recent = _registration(ended_days_ago=settings.REGISTRATION_ANONYMISE_AFTER_DAYS - 1)
    upcoming = RegistrationFactory(**NEEDS)
    assert tasks.registrations_anonymise() == 0
    for registration in (recent, upcoming):
        registration.refresh_from_db()
        assert registration.accessibility_needs == NEEDS["accessibility_needs"]
        assert registration.message == NEEDS["message"]
        assert registration.anonymised_at is None


def test_running_twice_changes_nothing_more():
    old = _registration(ended_days_ago=100)
    assert tasks.registrations_anonymise() == 1
    old.refresh_from_db()
    first = old.anonymised_at
    assert tasks.registrations_anonymise() == 0
    old.refresh_from_db()
    assert old.anonymised_at == first


def test_the_delay_is_configurable(settings):
    settings.REGISTRATION_ANONYMISE_AFTER_DAYS = 5
    registration = _registration(ended_days_ago=6)
    assert tasks.registrations_anonymise() == 1
    registration.refresh_from_db()
    assert registration.dietary_needs == ""


def _edition_registration(*, ended_days_ago: int) -> EditionRegistration:
    ends = timezone.now() - dt.timedelta(days=ended_days_ago)
    edition = EditionFactory(starts_at=ends - dt.timedelta(hours=7), ends_at=ends)
    return EditionRegistrationFactory(
        edition=edition,
        accessibility_needs="Teckenspråkstolk",
        organisation="Kulturföreningen Ljus",
    )


def test_stockholmstinget_registrations_are_anonymised_the_same_way():
    old = _edition_registration(ended_days_ago=100)
    recent = _edition_registration(ended_days_ago=10)
    assert tinget_tasks.edition_registrations_anonymise() == 1
    assert tinget_tasks.edition_registrations_anonymise() == 0
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.accessibility_needs == ""
    assert old.anonymised_at is not None
    assert old.organisation == "Kulturföreningen Ljus"
    assert old.status == "confirmed"
    assert recent.accessibility_needs == "Teckenspråkstolk"
    assert recent.anonymised_at is None


def test_anonymisation_is_scheduled_daily_for_both_apps():
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert (
        schedule["dialogues-registrations-anonymise"]["task"]
        == "dialogues.tasks.registrations_anonymise"
    )
    assert (
        schedule["stockholmstinget-registrations-anonymise"]["task"]
        == "stockholmstinget.tasks.edition_registrations_anonymise"
    )
