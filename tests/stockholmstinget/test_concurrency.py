"""Capacity holds under simultaneous sign-ups, against the real PostgreSQL."""

import pytest

from stockholmstinget import services
from stockholmstinget.models import EditionRegistration, SessionSignup, SignupStatus
from tests.concurrency import run_at_once
from tests.dialogues.factories import RegistrantFactory
from tests.stockholmstinget.factories import EditionFactory, SessionFactory

# Each race holds dozens of connections at once: the tests that do so share one xdist worker
# (make test runs with --dist loadgroup), so parallel workers never exhaust the server's 100.
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("many_connections"),
]


def test_eighty_simultaneous_signups_for_twenty_seats_give_exactly_twenty():
    edition = EditionFactory(capacity=None)
    session = SessionFactory(edition=edition, capacity=20)
    users = [RegistrantFactory() for _n in range(80)]

    def job(user):
        return lambda: services.registration_save(
            edition=edition, user=user, mode="in_person", sector="culture", session_ids=[session.pk]
        )

    errors = run_at_once([job(user) for user in users])
    assert errors == []
    signups = SessionSignup.objects.filter(session=session)
    assert signups.filter(status=SignupStatus.CONFIRMED).count() == 20
    assert signups.filter(status=SignupStatus.WAITLISTED).count() == 60


def test_simultaneous_registrations_never_exceed_the_edition_capacity():
    edition = EditionFactory(capacity=5)
    users = [RegistrantFactory() for _n in range(20)]

    def job(user):
        return lambda: services.registration_save(
            edition=edition, user=user, mode="in_person", sector="sport"
        )

    assert run_at_once([job(user) for user in users]) == []
    assert EditionRegistration.objects.holding_seat().filter(edition=edition).count() == 5
    assert EditionRegistration.objects.waitlist().filter(edition=edition).count() == 15
