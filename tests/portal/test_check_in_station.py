"""The staff check-in station: three outcomes, counts, any input, two doors at once."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse

from dialogues.models import Registration, RegistrationStatus
from portal.registrations.station import ALREADY, CHECKED_IN, REFUSED, check_in_attempt
from stockholmstinget.models import SessionSignup
from tests.concurrency import run_at_once
from tests.dialogues.factories import MeetingFactory
from tests.dialogues.factories import RegistrationFactory as MeetingRegistrationFactory
from tests.stockholmstinget.factories import (
    RegistrationFactory,
    SessionFactory,
    SignupFactory,
)

pytestmark = pytest.mark.django_db


def _station(meeting) -> str:
    return reverse("admin:dialogues_meeting_check_in", args=[meeting.pk])


def _post(client, url, code, **headers):
    return client.post(url, {"code": code}, headers=headers)


def test_green_then_amber_with_name_and_time_in_swedish(staff_client):
    registration = MeetingRegistrationFactory(user__display_name="Kim Lind")
    url = _station(registration.meeting)

    code = registration.check_in_code
    # Typed with any case and spacing, as read off a phone or a printed list.
    first = _post(staff_client, url, " " + code[:4].lower() + " " + code[4:])
    second = _post(staff_client, url, code)

    assert first.context["result"].outcome == CHECKED_IN
    assert "Kim Lind: incheckad kl. " in first.context["result"].message
    assert second.context["result"].outcome == ALREADY
    assert "Kim Lind var redan incheckad kl. " in second.context["result"].message
    text = second.content.decode()
    assert "Redan incheckad" in text
    assert 'role="status"' in text


def test_red_for_an_unknown_code_a_cancelled_registration_and_another_meeting(staff_client):
    meeting = MeetingFactory()
    cancelled = MeetingRegistrationFactory(meeting=meeting, status=RegistrationStatus.CANCELLED)
    waitlisted = MeetingRegistrationFactory(meeting=meeting, status=RegistrationStatus.WAITLISTED)
    other = MeetingRegistrationFactory()
    url = _station(meeting)

    answers = {
        code: _post(staff_client, url, code).context["result"]
        for code in ("ZZZZZZZZ", cancelled.check_in_code, other.check_in_code)
    }
    not_confirmed = _post(staff_client, url, waitlisted.check_in_code).context["result"]

    assert {a.outcome for a in answers.values()} == {REFUSED}
    assert answers["ZZZZZZZZ"].message == "Okänd kod."
    assert answers[cancelled.check_in_code].message.startswith("Avbokad")
    assert answers[other.check_in_code].message.startswith("Fel evenemang")
    assert not_confirmed.outcome == REFUSED
    assert "Inte bekräftad" in not_confirmed.message
    assert not Registration.objects.filter(checked_in_at__isnull=False).exists()


@pytest.mark.parametrize(
    "typed", ["", " ", "x" * 5000, "'; DROP TABLE x; --", "<script>alert(1)</script>", "ÅÄÖ\x00"]
)
def test_any_string_is_safe_to_submit(staff_client, typed):
    meeting = MeetingFactory()
    response = _post(staff_client, _station(meeting), typed)
    assert response.status_code == 200
    assert response.context["result"].outcome == REFUSED
    assert "<script>alert(1)</script>" not in response.content.decode()


def test_the_script_gets_the_result_and_the_counts_as_json(staff_client):
    meeting = MeetingFactory()
    registration = MeetingRegistrationFactory(meeting=meeting)
    MeetingRegistrationFactory(meeting=meeting)
    MeetingRegistrationFactory(meeting=meeting, status=RegistrationStatus.CANCELLED)

    response = _post(
        staff_client, _station(meeting), registration.check_in_code, accept="application/json"
    )

    assert response.json() == {
        "outcome": CHECKED_IN,
        "message": response.json()["message"],
        "present": 1,
        "expected": 2,
    }


@override_settings(ACCOUNT_RATE_LIMITS={"check_in": "3/m/key"})
def test_check_ins_are_rate_limited_per_staff_session(staff_client):
    meeting = MeetingFactory()
    url = _station(meeting)
    for _ in range(3):
        assert _post(staff_client, url, "ZZZZZZZZ", accept="application/json").status_code == 200
    limited = _post(staff_client, url, "ZZZZZZZZ", accept="application/json")
    assert limited.status_code == 429
    assert limited.json()["message"] == "För många försök. Vänta en minut."


def test_staff_without_change_permission_cannot_check_in(client):
    from tests.accounts.factories import UserFactory
    from tests.conftest import staff_login

    registration = MeetingRegistrationFactory()
    staff_login(client, UserFactory(is_staff=True))
    response = _post(client, _station(registration.meeting), registration.check_in_code)
    assert response.status_code == 403
    registration.refresh_from_db()
    assert registration.checked_in_at is None


def test_the_printable_list_has_everyone_expected_with_their_code(staff_client):
    meeting = MeetingFactory()
    confirmed = MeetingRegistrationFactory(meeting=meeting)
    cancelled = MeetingRegistrationFactory(meeting=meeting, status=RegistrationStatus.CANCELLED)
    url = reverse("admin:dialogues_meeting_check_in_list", args=[meeting.pk])
    text = staff_client.get(url).content.decode()
    assert confirmed.check_in_code in text
    assert confirmed.user.email in text
    assert cancelled.check_in_code not in text


def test_a_session_door_checks_in_by_the_registration_code(staff_client):
    signup = SignupFactory(registration__user__display_name="Alva Berg")
    session = signup.session
    edition = session.edition
    elsewhere = RegistrationFactory(edition=edition)
    SignupFactory(registration=elsewhere, session=SessionFactory(edition=edition, room="Sal B"))
    url = reverse("admin:stockholmstinget_session_check_in", args=[edition.pk, session.pk])

    first = _post(staff_client, url, signup.registration.check_in_code).context["result"]
    wrong = _post(staff_client, url, elsewhere.check_in_code).context["result"]

    assert first.outcome == CHECKED_IN
    assert "Alva Berg" in first.message
    assert wrong.outcome == REFUSED
    assert wrong.message.startswith("Fel evenemang")
    signup.refresh_from_db()
    assert signup.checked_in_at is not None
    # The session's door is its own: the edition's check-in is untouched.
    signup.registration.refresh_from_db()
    assert signup.registration.checked_in_at is None
    edition_page = staff_client.get(
        reverse("admin:stockholmstinget_edition_check_in", args=[edition.pk])
    )
    assert url in edition_page.content.decode()


@pytest.mark.django_db(transaction=True)
def test_two_doors_checking_in_the_same_code_at_once_count_once():
    registration = MeetingRegistrationFactory()
    bookings = Registration.objects.filter(meeting=registration.meeting)
    results = []

    def door():
        results.append(check_in_attempt(bookings=bookings, code=registration.check_in_code))

    assert run_at_once([door, door, door, door]) == []
    assert sorted(r.outcome for r in results) == [ALREADY, ALREADY, ALREADY, CHECKED_IN]
    assert SessionSignup.objects.count() == 0
    registration.refresh_from_db()
    assert registration.checked_in_at is not None
