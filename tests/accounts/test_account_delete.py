"""Delete my account: registrations cancelled through the normal service, person anonymised,
counts kept, a confirmation mailed, the session ended."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.utils import timezone

from accounts.models import User
from accounts.registry import AccountSection, section_register, section_unregister
from dialogues.models import Registration, RegistrationStatus
from portal.outbox.enqueue import email_enqueue
from portal.outbox.models import OutgoingEmail
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory
from tests.dialogues.factories import MeetingFactory, RegistrationFactory
from tests.outbox import outbox_mail

pytestmark = pytest.mark.django_db

DELETE_URL = "/mina-sidor/radera-konto/"


def test_deletion_anonymises_cancels_and_keeps_counts(client, django_capture_on_commit_callbacks):
    meeting = MeetingFactory(capacity=1)
    user = UserFactory(
        email="lena.ek@example.se", display_name="Lena Ek", organisation="Lenas förening"
    )
    waiting = UserFactory()
    mine = RegistrationFactory(meeting=meeting, user=user, status=RegistrationStatus.CONFIRMED)
    theirs = RegistrationFactory(
        meeting=meeting, user=waiting, status=RegistrationStatus.WAITLISTED
    )
    email_enqueue(
        key="earlier:lena",
        to="lena.ek@example.se",
        template="accounts/email/account_deleted",
        context={"name": "Lena Ek"},
        language="sv",
    )
    OutgoingEmail.objects.filter(key="earlier:lena").update(status="sent", sent_at=timezone.now())
    client.force_login(user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(DELETE_URL, {"password": DEFAULT_PASSWORD, "confirm": "on"})
    assert response.status_code == 302
    assert response["Location"] == "/"

    user.refresh_from_db()
    assert user.email == f"deleted-{user.pk}@anonymised.invalid"
    assert user.display_name == ""
    assert user.organisation == ""
    assert not user.is_active
    assert not user.has_usable_password()
    assert user.invitations_consented_at is None
    assert user.anonymised_at is not None
    assert not EmailAddress.objects.filter(user=user).exists()
    # Cancelled through the dialogue service: the seat went to the waitlist.
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.status == RegistrationStatus.CANCELLED
    assert theirs.status == RegistrationStatus.CONFIRMED
    # Counts hold: the registration row and the user row are still there.
    assert Registration.objects.filter(meeting=meeting).count() == 2
    assert User.objects.count() == 2
    # The confirmation went to the address the account had.
    row = outbox_mail(key=f"account-deleted:{user.pk}")
    assert row.to == "lena.ek@example.se"
    assert any(m.to == ["lena.ek@example.se"] for m in mail.outbox)
    # Mail sent earlier keeps its row but loses address and content.
    assert (
        not OutgoingEmail.objects.filter(to__iexact="lena.ek@example.se")
        .exclude(key=f"account-deleted:{user.pk}")
        .exists()
    )
    assert (
        not OutgoingEmail.objects.filter(body_text__contains="Lena Ek")
        .exclude(key=f"account-deleted:{user.pk}")
        .exists()
    )
    # The session is over.
    assert "_auth_user_id" not in client.session
    assert client.get("/mina-sidor/").status_code == 302


def test_wrong_password_deletes_nothing(client):
    user = UserFactory(display_name="Lena Ek")
    client.force_login(user)
    response = client.post(DELETE_URL, {"password": "not-the-password", "confirm": "on"})
    assert response.status_code == 200
    assert "password" in response.context["form"].errors
    user.refresh_from_db()
    assert user.is_active
    assert user.display_name == "Lena Ek"
    assert not OutgoingEmail.objects.exists()


def test_a_failing_section_aborts_the_whole_deletion(client):
    user = UserFactory(display_name="Lena Ek")

    def erase(person):
        raise RuntimeError("cannot cancel")

    section_register(AccountSection(key="broken", title="Broken", template="x.html", erase=erase))
    try:
        client.force_login(user)
        with pytest.raises(RuntimeError):
            client.post(DELETE_URL, {"password": DEFAULT_PASSWORD, "confirm": "on"})
    finally:
        section_unregister("broken")
    user.refresh_from_db()
    assert user.is_active
    assert user.display_name == "Lena Ek"
    assert not OutgoingEmail.objects.exists()


def test_deletion_leaves_mail_to_someone_elses_address_alone(client):
    """An address added to the account but never confirmed is not the person's to erase."""
    UserFactory(email="karin.victim@example.se", display_name="Karin Victim")
    attacker = UserFactory(email="ulf.attacker@example.se")
    for key, to in (("sent:karin", "karin.victim@example.se"), ("sent:ulf", attacker.email)):
        email_enqueue(
            key=key,
            to=to,
            template="accounts/email/account_deleted",
            context={"name": key},
            language="sv",
        )
    OutgoingEmail.objects.update(status="sent", sent_at=timezone.now())
    client.force_login(attacker)
    response = client.post("/konto/email/", {"action_add": "", "email": "karin.victim@example.se"})
    assert response.status_code == 302
    assert not EmailAddress.objects.get(user=attacker, email="karin.victim@example.se").verified

    response = client.post(DELETE_URL, {"password": DEFAULT_PASSWORD, "confirm": "on"})
    assert response.status_code == 302

    karins = outbox_mail(key="sent:karin")
    assert karins.to == "karin.victim@example.se"
    assert karins.subject
    assert "sent:karin" in karins.body_text
    # The person's own, confirmed address is erased as before.
    own = outbox_mail(key="sent:ulf")
    assert own.to == ""
    assert own.body_text == ""
