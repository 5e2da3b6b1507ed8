"""Who staff invitations go to: consenting users by profile, and pasted addresses.

One rule for every kind of invitation (dialogue meetings, Stockholmstinget).
"""

import pytest
from django.utils import timezone

from accounts.models import User
from accounts.services import invitees_collect
from portal.models import Municipality
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def solna():
    municipality, _created = Municipality.objects.get_or_create(
        code="0184", defaults={"name": "Solna", "slug": "solna"}
    )
    return municipality


def _consenting(**fields):
    return UserFactory(invitations_consented_at=timezone.now(), **fields)


def test_invitable_users_consent_are_active_and_match_every_criterion(solna):
    match = _consenting(
        stakeholder_group="professional_artist", municipality=solna, sectors=["culture"]
    )
    sport = _consenting(
        stakeholder_group="professional_artist", municipality=solna, sectors=["sport"]
    )
    _consenting(stakeholder_group="professional_artist", sectors=["culture"])
    _consenting(stakeholder_group="civil_society", municipality=solna, sectors=["culture"])
    _consenting(
        stakeholder_group="professional_artist",
        municipality=solna,
        sectors=["culture"],
        is_active=False,
    )
    UserFactory(stakeholder_group="professional_artist", municipality=solna, sectors=["culture"])

    users = User.objects.invitable(
        groups=["professional_artist"], municipalities=[solna], sectors=["culture", "sport"]
    )
    assert set(users) == {match, sport}
    users = User.objects.invitable(
        groups=["professional_artist"], municipalities=[solna], sectors=["culture"]
    )
    assert list(users) == [match]


def test_without_criteria_nobody_is_picked_by_profile():
    _consenting(stakeholder_group="civil_society")
    invitees = invitees_collect(emails=["ny.person@example.se"])
    assert [(i.email, i.user) for i in invitees] == [("ny.person@example.se", None)]


def test_each_address_once_case_insensitively_and_tied_to_its_account():
    artist = _consenting(
        email="anna.konstnar@example.se",
        stakeholder_group="professional_artist",
        preferred_language="en",
    )
    owner = UserFactory(email="kultur@solna.example.se", preferred_language="en")
    invitees = invitees_collect(
        emails=["ANNA.konstnar@example.se", " Kultur@Solna.example.se ", "ny@example.se"],
        groups=["professional_artist"],
    )
    assert [(i.email, i.user, i.language) for i in invitees] == [
        (artist.email, artist, "en"),
        (owner.email, owner, "en"),
        ("ny@example.se", None, "sv"),
    ]
