"""Capacity holds under real concurrency: many threads, one PostgreSQL, one meeting row lock."""

from __future__ import annotations

import pytest

from dialogues import services
from dialogues.models import Registration, RegistrationStatus
from tests.concurrency import run_at_once
from tests.dialogues.factories import MeetingFactory, RegistrantFactory

# Each race holds dozens of connections at once: the tests that do so share one xdist worker
# (make test runs with --dist loadgroup), so parallel workers never exhaust the server's 100.
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("many_connections"),
]


def test_sixty_simultaneous_registrations_for_ten_seats():
    """Exactly 10 confirmed, 50 waitlisted in arrival order (positions 1..50), no errors."""
    meeting = MeetingFactory(capacity=10)
    users = RegistrantFactory.create_batch(60)

    def register(user):
        return lambda: services.registration_create(meeting=meeting, user=user)

    errors = run_at_once([register(user) for user in users])
    assert errors == []
    registrations = Registration.objects.filter(meeting=meeting)
    assert registrations.filter(status=RegistrationStatus.CONFIRMED).count() == 10
    waitlist = list(registrations.waitlist())
    assert len(waitlist) == 50
    assert [services.waitlist_position(r) for r in waitlist] == list(range(1, 51))
    # Seats went to the first ten arrivals: every confirmed row precedes every waitlisted one.
    confirmed_ids = registrations.filter(status="confirmed").values_list("pk", flat=True)
    assert max(confirmed_ids) < waitlist[0].pk


def test_simultaneous_cancellations_promote_each_waitlisted_person_once():
    """Three seats freed at once move exactly the first three waitlisted people, once each."""
    meeting = MeetingFactory(capacity=5)
    confirmed = [
        services.registration_create(meeting=meeting, user=RegistrantFactory()) for _ in range(5)
    ]
    waiting = [
        services.registration_create(meeting=meeting, user=RegistrantFactory()) for _ in range(5)
    ]

    def cancel(registration):
        return lambda: services.registration_cancel(
            registration=registration, user=registration.user
        )

    def promote():
        return services.waitlist_promote(meeting=meeting)

    errors = run_at_once([cancel(r) for r in confirmed[:3]] + [promote] * 5)
    assert errors == []
    statuses = [Registration.objects.get(pk=r.pk).status for r in waiting]
    assert statuses == ["confirmed"] * 3 + ["waitlisted"] * 2
    assert Registration.objects.filter(meeting=meeting, status="confirmed").count() == 5
    from portal.outbox.models import OutgoingEmail

    promoted_mail = OutgoingEmail.objects.filter(key__startswith="dialogues:registration_promoted")
    assert sorted(promoted_mail.values_list("key", flat=True)) == sorted(
        f"dialogues:registration_promoted:{r.pk}:1" for r in waiting[:3]
    )
