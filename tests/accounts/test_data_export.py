"""Download my data: every stored field of the person, and nothing about anybody else."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from accounts.models import User
from accounts.registry import AccountSection, section_register, section_unregister
from portal.models import Municipality
from portal.services import email_enqueue
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def notes_section():
    """A section of some other app that stores one note per person."""
    notes = {}
    section_register(
        AccountSection(
            key="notes",
            title="Notes",
            template="accounts/my_pages.html",
            export=lambda user: notes.get(user.pk),
        )
    )
    yield notes
    section_unregister("notes")


def test_export_holds_every_field_and_only_this_person(client, notes_section, municipalities):
    municipality = Municipality.objects.get(name="Solna")
    user = UserFactory(
        email="eva.holm@example.se",
        display_name="Eva Holm",
        stakeholder_group="municipality",
        municipality=municipality,
        sectors=["culture", "sport"],
        invitations_consented_at=timezone.now(),
    )
    other = UserFactory(email="nils.ek@example.se", display_name="Nils Ek")
    notes_section[user.pk] = "Eva's note"
    notes_section[other.pk] = "Nils's note"
    email_enqueue(
        key="test:eva",
        to="eva.holm@example.se",
        template="accounts/email/account_deleted",
        context={"name": "Eva Holm"},
        language="sv",
    )
    email_enqueue(
        key="test:nils",
        to="nils.ek@example.se",
        template="accounts/email/account_deleted",
        context={"name": "Nils Ek"},
        language="sv",
    )

    client.force_login(user)
    response = client.get("/mina-sidor/mina-uppgifter.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)

    stored = {field.name for field in User._meta.concrete_fields}
    assert stored <= set(data["profile"])
    assert data["profile"]["email"] == "eva.holm@example.se"
    assert data["profile"]["municipality"] == {"code": municipality.code, "name": "Solna"}
    assert data["profile"]["sectors"] == ["culture", "sport"]
    # No password hash leaves the database, only whether one is set.
    assert data["profile"]["password"] == {"is_set": True}
    assert user.password not in response.content.decode()
    assert data["consents"]["invitations"]["given"] is True
    assert data["consents"]["invitations"]["given_at"]
    assert data["consents"]["public_attendee_lists"] == {"given": False, "given_at": None}
    assert data["email_addresses"] == [
        {"email": "eva.holm@example.se", "verified": True, "primary": True}
    ]
    assert data["sections"]["notes"] == "Eva's note"
    assert [e["key"] for e in data["emails_sent"]] == ["test:eva"]
    assert data["emails_sent"][0]["subject"]

    text = response.content.decode()
    for trace in ("nils.ek@example.se", "Nils Ek", "Nils's note"):
        assert trace not in text


def test_export_needs_login(client):
    response = client.get("/mina-sidor/mina-uppgifter.json")
    assert response.status_code == 302
