"""The registration rules, enforced by the services whatever page or action calls them."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from dialogues import services
from dialogues.models import MeetingStatus, Registration, RegistrationStatus
from portal.errors import RefusalError
from portal.registrations.models import CHECK_IN_ALPHABET
from tests.dialogues.conftest import mail_keys
from tests.dialogues.factories import (
    InvitationFactory,
    MeetingFactory,
    RegistrantFactory,
    RegistrationFactory,
)
from tests.outbox import outbox_mail

pytestmark = pytest.mark.django_db


def _register(meeting, user=None, **kwargs):
    return services.registration_create(meeting=meeting, user=user or RegistrantFactory(), **kwargs)


def test_registration_confirms_while_seats_last_then_waitlists_in_order(meeting):
    """Seats go first come, first served; the rest join the waitlist with their position."""
    first, second, third, fourth = (_register(meeting) for _ in range(4))
    assert [r.status for r in (first, second)] == [RegistrationStatus.CONFIRMED] * 2
    assert [r.status for r in (third, fourth)] == [RegistrationStatus.WAITLISTED] * 2
    assert services.waitlist_position(third) == 1
    assert services.waitlist_position(fourth) == 2


def test_confirmation_mail_has_code_and_ics_and_waitlist_mail_has_position(meeting):
    meeting.capacity = 1
    meeting.save()
    confirmed = _register(meeting)
    waitlisted = _register(meeting)
    mail = outbox_mail(key=f"dialogues:registration_confirmed:{confirmed.pk}")
    assert confirmed.check_in_code in mail.body_text
    assert mail.attachments[0]["mimetype"] == "text/calendar; method=PUBLISH"
    assert mail.language == "sv"
    # A direct link cancels; My pages is not the only way.
    assert f"Avboka din anmälan: http://127.0.0.1:8000/dialogmoten/{meeting.slug}/avanmalan/" in (
        mail.body_text
    )
    wait_mail = outbox_mail(key=f"dialogues:registration_waitlisted:{waitlisted.pk}")
    assert "nummer 1" in wait_mail.body_text or "number 1" in wait_mail.body_text


def test_mail_is_in_the_recipients_language(meeting):
    registration = _register(meeting, RegistrantFactory(preferred_language="en"))
    mail = outbox_mail(key=f"dialogues:registration_confirmed:{registration.pk}")
    assert mail.language == "en"
    assert "confirmed" in mail.subject.lower()
    assert f"/en/dialogmoten/{meeting.slug}/avanmalan/" in mail.body_text


def test_check_in_code_has_eight_unambiguous_characters(meeting):
    registration = _register(meeting)
    assert re.fullmatch(r"[A-HJ-NP-Z2-9]{8}", registration.check_in_code)
    assert not set("01OI") & set(CHECK_IN_ALPHABET)


def test_registering_twice_is_refused_without_change(meeting, registrant):
    _register(meeting, registrant)
    with pytest.raises(RefusalError) as error:
        _register(meeting, registrant)
    assert error.value.code == "already_registered"
    assert Registration.objects.filter(meeting=meeting, user=registrant).count() == 1


def test_database_allows_only_one_active_registration_per_user(meeting, registrant):
    RegistrationFactory(meeting=meeting, user=registrant)
    with pytest.raises(IntegrityError), transaction.atomic():
        RegistrationFactory(meeting=meeting, user=registrant, status=RegistrationStatus.WAITLISTED)
    RegistrationFactory(meeting=meeting, user=registrant, status=RegistrationStatus.CANCELLED)


def test_database_rejects_end_before_start_and_negative_capacity():
    with pytest.raises(IntegrityError), transaction.atomic():
        MeetingFactory(ends_at=timezone.now() - dt.timedelta(days=400))
    with pytest.raises(IntegrityError), transaction.atomic():
        MeetingFactory(capacity=2, reserved_seats=3)


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"status": MeetingStatus.DRAFT}, "not_published"),
        ({"status": MeetingStatus.CANCELLED}, "cancelled"),
        ({"registration_closes_at": timezone.now() - dt.timedelta(hours=1)}, "closed"),
        ({"registration_opens_at": timezone.now() + dt.timedelta(days=1)}, "not_open_yet"),
        ({"audience_groups": ["municipality"]}, "audience"),
    ],
)
def test_registration_outside_the_rules_is_refused(changes, code, registrant):
    meeting = MeetingFactory(**changes)
    with pytest.raises(RefusalError) as error:
        _register(meeting, registrant)
    assert error.value.code == code
    assert not Registration.objects.exists()


def test_user_who_has_not_completed_profile_is_stopped(meeting):
    with pytest.raises(RefusalError) as error:
        _register(meeting, RegistrantFactory(profile_completed_at=None))
    assert error.value.code == "gate"


def test_audience_refusal_names_the_groups(registrant):
    meeting = MeetingFactory(audience_groups=["municipality"])
    refusal = services.registration_refusal(meeting=meeting, user=registrant)
    assert "Kommun" in str(refusal.message) or "Municipality" in str(refusal.message)


def test_reserved_seats_go_only_to_invitees():
    meeting = MeetingFactory(capacity=2, reserved_seats=1)
    assert _register(meeting).status == RegistrationStatus.CONFIRMED
    assert _register(meeting).status == RegistrationStatus.WAITLISTED
    invited = RegistrantFactory()
    InvitationFactory(meeting=meeting, email=invited.email.upper())
    assert _register(meeting, invited).status == RegistrationStatus.CONFIRMED


def test_invitation_lets_someone_outside_the_audience_register():
    meeting = MeetingFactory(audience_groups=["municipality"])
    invitation = InvitationFactory(meeting=meeting)
    user = RegistrantFactory(email=invitation.email)
    registration = _register(meeting, user, invitation_token=invitation.token)
    assert registration.invitation == invitation


def test_invitation_token_does_not_work_for_another_address(meeting, registrant):
    invitation = InvitationFactory(meeting=meeting)
    with pytest.raises(RefusalError) as error:
        _register(meeting, registrant, invitation_token=invitation.token)
    assert error.value.code == "invitation_other_address"
    with pytest.raises(RefusalError):
        _register(meeting, registrant, invitation_token="forged")
    assert not Registration.objects.exists()


def test_cancelled_seat_goes_to_first_waitlisted_once_with_mail(meeting):
    confirmed = _register(meeting)
    _register(meeting)
    first_waiting = _register(meeting)
    second_waiting = _register(meeting)
    services.registration_cancel(registration=confirmed, user=confirmed.user)
    first_waiting.refresh_from_db()
    second_waiting.refresh_from_db()
    assert first_waiting.status == RegistrationStatus.CONFIRMED
    assert second_waiting.status == RegistrationStatus.WAITLISTED
    assert services.waitlist_position(second_waiting) == 1
    assert f"dialogues:registration_promoted:{first_waiting.pk}:1" in mail_keys()
    assert f"dialogues:registration_cancelled:{confirmed.pk}" in mail_keys()
    # Promoting again finds no free seat: nobody else moves, no second mail.
    assert services.waitlist_promote(meeting=meeting) == []
    assert (
        mail_keys("dialogues:registration_promoted").count(
            f"dialogues:registration_promoted:{first_waiting.pk}:1"
        )
        == 1
    )


def test_cancelling_someone_elses_registration_is_refused(meeting, registrant):
    registration = _register(meeting)
    with pytest.raises(RefusalError) as error:
        services.registration_cancel(registration=registration, user=registrant)
    assert error.value.code == "not_owner"
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CONFIRMED


def test_registrant_cannot_cancel_after_the_start(meeting):
    registration = _register(meeting)
    with pytest.raises(RefusalError):
        services.registration_cancel(
            registration=registration,
            user=registration.user,
            now=meeting.starts_at + dt.timedelta(minutes=1),
        )


def test_capacity_increase_promotes_the_waitlist(meeting):
    for _ in range(4):
        _register(meeting)
    services.meeting_update(meeting=meeting, changes={"capacity": 3})
    statuses = list(Registration.objects.order_by("pk").values_list("status", flat=True))
    assert statuses == ["confirmed", "confirmed", "confirmed", "waitlisted"]


def test_approval_meeting_keeps_registrations_pending_until_staff_decide():
    meeting = MeetingFactory(capacity=1, requires_approval=True)
    pending = _register(meeting)
    waiting = _register(meeting)
    assert pending.status == RegistrationStatus.PENDING
    assert waiting.status == RegistrationStatus.WAITLISTED
    services.registration_decline(registration=pending)
    waiting.refresh_from_db()
    assert waiting.status == RegistrationStatus.PENDING
    services.registration_approve(registration=waiting)
    waiting.refresh_from_db()
    assert waiting.status == RegistrationStatus.CONFIRMED
    assert f"dialogues:registration_declined:{pending.pk}" in mail_keys()
    assert f"dialogues:registration_approved:{waiting.pk}" in mail_keys()
    with pytest.raises(RefusalError):
        services.registration_approve(registration=waiting)


def test_meeting_cancel_tells_every_active_registrant_with_cancelled_ics(meeting):
    registrations = [_register(meeting) for _ in range(3)]
    services.meeting_cancel(meeting=meeting)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CANCELLED
    for registration in registrations:
        mail = outbox_mail(key=f"dialogues:meeting_cancelled:{registration.pk}")
        import base64

        ics = base64.b64decode(mail.attachments[0]["content"]).decode()
        assert "STATUS:CANCELLED" in ics


def test_time_change_bumps_sequence_and_mails_registrants(meeting):
    registration = _register(meeting)
    new_start = meeting.starts_at + dt.timedelta(days=1)
    services.meeting_update(
        meeting=meeting,
        changes={"starts_at": new_start, "ends_at": new_start + dt.timedelta(hours=2)},
    )
    meeting.refresh_from_db()
    assert meeting.sequence == 1
    assert f"dialogues:meeting_changed:{registration.pk}:1" in mail_keys()
    services.meeting_update(meeting=meeting, changes={"description": "Ny text"})
    meeting.refresh_from_db()
    assert meeting.sequence == 1


def test_publish_only_from_draft():
    meeting = MeetingFactory(status=MeetingStatus.DRAFT, published_at=None)
    services.meeting_publish(meeting=meeting)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PUBLISHED
    assert meeting.published_at
    with pytest.raises(RefusalError):
        services.meeting_publish(meeting=meeting)


def test_a_registrant_changes_needs_and_consent_and_keeps_the_place_in_line(meeting):
    meeting.capacity = 1
    meeting.save()
    _register(meeting)
    waiting = _register(meeting, message="Hej")
    services.registration_update(
        registration=waiting,
        user=waiting.user,
        accessibility_needs="Hörslinga",
        dietary_needs="Vegetariskt",
        message="Jag kommer med en assistent",
        consent_to_be_listed=True,
    )
    waiting.refresh_from_db()
    assert waiting.status == RegistrationStatus.WAITLISTED
    assert services.waitlist_position(waiting) == 1
    assert (waiting.accessibility_needs, waiting.consent_to_be_listed) == ("Hörslinga", True)
    with pytest.raises(RefusalError) as error:
        services.registration_update(
            registration=waiting,
            user=RegistrantFactory(),
            accessibility_needs="",
            dietary_needs="",
            message="",
            consent_to_be_listed=False,
        )
    assert error.value.code == "not_owner"


def test_the_change_page_saves_and_keeps_what_was_typed_on_an_error(client, meeting):
    registration = _register(meeting)
    client.force_login(registration.user)
    url = reverse("dialogues:registration_update", args=[meeting.slug])
    assert client.get(url).status_code == 200
    too_long = "x" * 3000
    response = client.post(url, {"message": too_long, "dietary_needs": "Glutenfritt"})
    assert response.status_code == 200
    assert "Glutenfritt" in response.content.decode()
    response = client.post(url, {"dietary_needs": "Glutenfritt"})
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.dietary_needs == "Glutenfritt"
    assert registration.status == RegistrationStatus.CONFIRMED
