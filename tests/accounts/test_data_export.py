"""Download my data: every stored field of the person, and nothing about anybody else."""

from __future__ import annotations

import json
import re

import pytest
from allauth.account.models import EmailAddress
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from accounts.registry import AccountSection, section_register, section_unregister
from accounts.services import verified_addresses
from portal.models import Municipality
from portal.outbox.enqueue import email_enqueue
from tests.accounts.factories import UserFactory
from tests.outbox import outbox_mail

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


RESET_URL = "/konto/password/reset/"


def _export(client, user) -> tuple[dict, str]:
    client.force_login(user)
    response = client.get("/mina-sidor/mina-uppgifter.json")
    assert response.status_code == 200
    return json.loads(response.content), response.content.decode()


def _add_address_unconfirmed(client, user, email: str) -> None:
    """What anybody can do on the email page: add an address, confirmation pending."""
    client.force_login(user)
    response = client.post("/konto/email/", {"action_add": "", "email": email})
    assert response.status_code == 302
    assert EmailAddress.objects.get(user=user, email=email).verified is False
    client.logout()


def test_export_leaves_out_mail_to_an_address_added_but_never_confirmed(client):
    """Adding someone else's address must not let anybody read the mail sent to it."""
    victim = UserFactory(email="karin.victim@example.se")
    attacker = UserFactory(email="ulf.attacker@example.se")
    _add_address_unconfirmed(client, attacker, "karin.victim@example.se")

    # A password reset for the victim, requested anonymously, and other mail to her.
    response = client.post(RESET_URL, {"email": "karin.victim@example.se"})
    assert response.status_code == 302
    reset = outbox_mail(
        to="karin.victim@example.se", key__startswith="allauth:account/email/password_reset"
    )
    reset_path = re.search(r"/konto/password/reset/key/\S+", reset.body_text).group(0)
    email_enqueue(
        key="test:checkin:karin",
        to="KARIN.VICTIM@example.se",
        template="accounts/email/account_deleted",
        context={"name": "Karin Victim"},
        language="sv",
    )

    data, text = _export(client, attacker)
    assert not [e for e in data["emails_sent"] if "karin" in e["to"].lower()]
    assert reset_path not in text
    assert reset.key not in text
    assert "Karin Victim" not in text
    # The unconfirmed address is the attacker's own row and is listed as such.
    assert {"email": "karin.victim@example.se", "verified": False, "primary": False} in data[
        "email_addresses"
    ]

    # The victim, who holds the address, sees her mail (and the reset without its link).
    data, text = _export(client, victim)
    keys = [e["key"] for e in data["emails_sent"]]
    assert reset.key in keys
    assert "test:checkin:karin" in keys
    assert reset_path not in text


def test_own_mail_is_exported_and_allauth_mail_without_its_content(client):
    user = UserFactory(email="eva.holm@example.se", display_name="Eva Holm")
    email_enqueue(
        key="test:eva",
        to="eva.holm@example.se",
        template="accounts/email/account_deleted",
        context={"name": "Eva Holm"},
        language="sv",
    )
    client.post(RESET_URL, {"email": "eva.holm@example.se"})
    reset = outbox_mail(key__startswith="allauth:account/email/password_reset")
    reset_path = re.search(r"/konto/password/reset/key/\S+", reset.body_text).group(0)

    data, text = _export(client, user)
    rows = {e["key"]: e for e in data["emails_sent"]}
    assert set(rows) == {"test:eva", reset.key}
    assert "Eva Holm" in rows["test:eva"]["body_text"]
    assert rows[reset.key] == {
        "key": reset.key,
        "to": "eva.holm@example.se",
        "language": reset.language,
        "subject": reset.subject,
        "status": "queued",
        "created_at": reset.created_at.isoformat(),
        "sent_at": None,
        "content_withheld": True,
    }
    assert reset_path not in text


def test_only_confirmed_addresses_count_as_the_persons_own():
    user = UserFactory(email="ny@example.se", verified=False)
    EmailAddress.objects.create(user=user, email="ny@example.se", verified=False, primary=True)
    # The primary address, copied into user.email at sign-up, is not proof before confirmation.
    assert verified_addresses(user) == set()
    EmailAddress.objects.filter(user=user).update(verified=True)
    EmailAddress.objects.create(user=user, email="annan@example.se", verified=False)
    assert verified_addresses(user) == {"ny@example.se"}


def test_a_confirmed_address_belongs_to_one_account_only():
    """ACCOUNT_UNIQUE_EMAIL: the database holds a confirmed address on one account at a time."""
    UserFactory(email="karin@example.se")
    other = UserFactory()
    pending = EmailAddress.objects.create(user=other, email="karin@example.se", verified=False)
    # Following the confirmation link cannot take it over either.
    assert not pending.can_set_verified()
    with pytest.raises(IntegrityError), transaction.atomic():
        EmailAddress.objects.filter(pk=pending.pk).update(verified=True)
