"""The registration core's rules, once for every kind of event (portal/registrations)."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from dialogues import services as meetings
from dialogues.models import Registration, RegistrationStatus
from portal.errors import RefusalError
from portal.outbox.models import OutgoingEmail
from portal.registrations import models as core_models
from portal.registrations import services as core
from portal.registrations.calendar import calendar_render
from stockholmstinget import services as tinget
from stockholmstinget.models import EditionStatus
from tests.dialogues.conftest import mail_keys
from tests.dialogues.factories import InvitationFactory, MeetingFactory, RegistrantFactory
from tests.outbox import outbox_mail
from tests.stockholmstinget.factories import EditionFactory

pytestmark = pytest.mark.django_db


def test_reserved_seats_are_left_only_for_invitees():
    """Two of five seats are reserved: after three general seats, only invitees get one."""
    seats = core.Seats(capacity=5, reserved=2)
    for _ in range(3):
        assert seats.has_seat(invited=False)
        seats.take(invited=False)
    assert seats.left(invited=False) == 0
    assert seats.left(invited=True) == 2
    seats.take(invited=True)
    seats.take(invited=True)
    assert seats.left(invited=True) == 0
    assert core.Seats(capacity=None).left() is None


def test_waitlist_fill_goes_in_order_and_passes_over_who_cannot_take_the_seat():
    """Only a reserved seat is free: the first waitlisted invitee gets it, not the first in line."""
    seats = core.Seats(capacity=3, taken=2, reserved=1, taken_by_invitees=0)
    waiting = [("anna", False), ("bo", True), ("cecilia", True)]
    promoted = core.waitlist_fill(
        waiting=waiting, seats=seats, promote=lambda entry: None, invited=lambda e: e[1]
    )
    assert promoted == [("bo", True)]
    assert seats.left(invited=True) == 0


def test_freed_seat_goes_to_the_first_waitlisted_once_and_cancelling_twice_frees_nothing():
    meeting = MeetingFactory(capacity=1)
    holder = meetings.registration_create(meeting=meeting, user=RegistrantFactory())
    first = meetings.registration_create(meeting=meeting, user=RegistrantFactory())
    second = meetings.registration_create(meeting=meeting, user=RegistrantFactory())
    meetings.registration_cancel(registration=holder, user=holder.user)
    with pytest.raises(RefusalError):
        meetings.registration_cancel(registration=holder, user=holder.user)
    meetings.waitlist_promote(meeting=meeting)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("confirmed", "waitlisted")
    assert [k for k in mail_keys() if "promoted" in k] == [
        f"dialogues:registration_promoted:{first.pk}:1"
    ]


def test_an_invitee_on_the_waitlist_takes_a_freed_reserved_seat():
    meeting = MeetingFactory(capacity=2, reserved_seats=1)
    invited_user = RegistrantFactory()
    InvitationFactory(meeting=meeting, email=invited_user.email, user=invited_user)
    general = meetings.registration_create(meeting=meeting, user=RegistrantFactory())
    waiting = meetings.registration_create(meeting=meeting, user=RegistrantFactory())
    assert waiting.status == RegistrationStatus.WAITLISTED
    invitee = meetings.registration_create(meeting=meeting, user=invited_user)
    assert invitee.status == RegistrationStatus.CONFIRMED
    assert general.status == RegistrationStatus.CONFIRMED


def test_checking_in_twice_keeps_the_first_time_and_says_when():
    meeting = MeetingFactory()
    registration = meetings.registration_create(meeting=meeting, user=RegistrantFactory())
    first = core.check_in(registration=registration)
    assert first.first
    again = core.check_in(registration=registration)
    assert not again.first
    assert again.registration.checked_in_at == first.registration.checked_in_at
    at = timezone.localtime(first.registration.checked_in_at).strftime("%H.%M")
    with translation.override("sv"):
        assert f"redan incheckad kl. {at}" in str(again.message)


def test_a_colliding_check_in_code_is_drawn_again(monkeypatch):
    """The unique constraint decides: a code already used at the event is drawn again, in a
    fresh transaction, and the registration is made once."""
    meeting = MeetingFactory()
    taken = meetings.registration_create(meeting=meeting, user=RegistrantFactory())
    codes = iter([taken.check_in_code, "BBBBBBBB"])
    monkeypatch.setattr(core, "check_in_code_generate", lambda: next(codes))
    user = RegistrantFactory()
    fresh = meetings.registration_create(meeting=meeting, user=user)
    assert fresh.check_in_code == "BBBBBBBB"
    assert Registration.objects.filter(meeting=meeting, user=user).count() == 1
    assert OutgoingEmail.objects.filter(key=f"dialogues:registration_confirmed:{fresh.pk}").exists()


def test_sequence_grows_on_every_move_and_the_calendar_follows():
    meeting = MeetingFactory()
    registration = meetings.registration_create(meeting=meeting, user=RegistrantFactory())
    meetings.meeting_update(
        meeting=meeting, changes={"starts_at": meeting.starts_at + dt.timedelta(hours=1)}
    )
    meetings.meeting_update(meeting=meeting, changes={"venue": "Nytt rum"})
    meeting.refresh_from_db()
    assert meeting.sequence == 2
    ics = outbox_mail(key=f"dialogues:meeting_changed:{registration.pk}:2").attachments[0]
    assert ics["mimetype"] == "text/calendar; method=PUBLISH"

    edition = EditionFactory()
    edition.starts_at += dt.timedelta(days=1)
    edition.ends_at += dt.timedelta(days=1)
    tinget.edition_save(edition=edition)
    edition.refresh_from_db()
    assert edition.sequence == 1
    entries = calendar_render([edition.calendar_entry()]).decode()
    assert "SEQUENCE:1" in entries
    assert entries.count("BEGIN:VTIMEZONE") == 1


def test_a_cancelled_event_and_a_cancelled_registration_say_cancelled_in_the_calendar():
    meeting = MeetingFactory()
    registration = meetings.registration_create(meeting=meeting, user=RegistrantFactory())
    other = meetings.registration_create(meeting=meeting, user=RegistrantFactory())
    meetings.registration_cancel(registration=other, user=other.user)
    other.refresh_from_db()
    assert "STATUS:CANCELLED" in calendar_render(other.calendar_entries()).decode()
    own = outbox_mail(key=f"dialogues:registration_cancelled:{other.pk}").attachments[0]
    assert own["mimetype"] == "text/calendar; method=CANCEL"
    assert "METHOD:CANCEL" in base64.b64decode(own["content"]).decode()
    meetings.meeting_cancel(meeting=meeting)
    mail = outbox_mail(key=f"dialogues:meeting_cancelled:{registration.pk}")

    ics = base64.b64decode(mail.attachments[0]["content"]).decode()
    assert "STATUS:CANCELLED" in ics
    assert "SEQUENCE:1" in ics

    edition = EditionFactory()
    person = tinget.registration_save(
        edition=edition, user=RegistrantFactory(), mode="in_person", sector="culture"
    )
    edition.status = EditionStatus.CANCELLED
    tinget.edition_save(edition=edition)
    cancelled = outbox_mail(key=f"stockholmstinget:edition_cancelled:{person.pk}:1")
    assert "STATUS:CANCELLED" in base64.b64decode(cancelled.attachments[0]["content"]).decode()


def test_a_moved_event_is_reminded_again():
    now = timezone.now()
    edition = EditionFactory(starts_at=now + dt.timedelta(hours=20))
    person = tinget.registration_save(
        edition=edition, user=RegistrantFactory(), mode="in_person", sector="culture"
    )
    assert tinget.reminders_send(now=now) == 1
    assert tinget.reminders_send(now=now) == 0
    edition.starts_at += dt.timedelta(hours=2)
    edition.ends_at += dt.timedelta(hours=2)
    tinget.edition_save(edition=edition)
    assert tinget.reminders_send(now=now) == 1
    keys = [k for k in mail_keys("stockholmstinget:edition_reminder") if str(person.pk) in k]
    assert len(keys) == 2


def test_the_registration_request_writes_the_mail_but_renders_none(client):
    """Under the lock only the decision and the writes: the worker renders mail and .ics."""
    meeting = MeetingFactory()
    user = RegistrantFactory()
    client.force_login(user)
    response = client.post(reverse("dialogues:registration_create", args=[meeting.slug]))
    assert response.status_code == 302
    rendered = [t.name for t in response.templates if t.name]
    assert not [name for name in rendered if "/email/" in name]
    row = OutgoingEmail.objects.get(key__startswith="dialogues:registration_confirmed:")
    assert row.pending_render is not None
    assert row.body_text == ""
    assert row.attachments == []
    sent = outbox_mail(pk=row.pk)
    registration = Registration.objects.get(meeting=meeting, user=user)
    assert registration.check_in_code in sent.body_text
    assert sent.pending_render is None
    assert sent.attachments[0]["filename"].endswith(".ics")


def test_anonymising_clears_what_people_wrote_for_every_kind_once():
    ended = timezone.now() - dt.timedelta(days=400)
    meeting = MeetingFactory(starts_at=ended - dt.timedelta(hours=2), ends_at=ended)
    Registration.objects.create(
        meeting=meeting,
        user=RegistrantFactory(),
        status="confirmed",
        check_in_code="CCCCCCCC",
        accessibility_needs="Hörslinga",
        message="Hej",
    )
    assert core.registrations_anonymise(model=Registration) == 1
    assert core.registrations_anonymise(model=Registration) == 0
    row = Registration.objects.get(meeting=meeting)
    assert (row.accessibility_needs, row.message) == ("", "")
    assert row.anonymised_at is not None
    assert core_models.Registration.PERSONAL_TEXT_FIELDS == (
        "accessibility_needs",
        "dietary_needs",
        "message",
    )
