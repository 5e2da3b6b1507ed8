"""Sign-up with profile, verification mail through the outbox, login; bad input at the field."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from accounts.models import User
from portal.models import Municipality
from portal.outbox.models import OutgoingEmail
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory
from tests.outbox import outbox_mail

pytestmark = pytest.mark.django_db

SIGNUP_URL = "/konto/signup/"
LOGIN_URL = "/konto/login/"


def _signup_data(**overrides) -> dict:
    data = {
        "email": "sara.nyberg@example.se",
        "password1": "fika-och-kultur-2026",
        "password2": "fika-och-kultur-2026",
        "display_name": "Sara Nyberg",
        "organisation": "Studieförbundet Vuxenskolan",
        "stakeholder_group": "adult_education",
        "municipality": "",
        "sectors": ["culture", "adult_education"],
        "preferred_language": "sv",
        "invitations_consent": "on",
    }
    data.update(overrides)
    return data


def _link(body: str) -> str:
    match = re.search(r"https?://[^/\s]+(/\S+)", body)
    assert match, body
    return match.group(1)


def test_signup_sends_verification_through_outbox_and_then_login_works(
    client, django_capture_on_commit_callbacks
):
    """The verification mail is an outbox row; its link confirms the address and logs in."""
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(SIGNUP_URL, _signup_data())
    assert response.status_code == 302
    assert response["Location"] == "/konto/confirm-email/"

    user = User.objects.get(email="sara.nyberg@example.se")
    assert user.display_name == "Sara Nyberg"
    assert user.stakeholder_group == "adult_education"
    assert sorted(user.sectors) == ["adult_education", "culture"]
    assert user.profile_is_complete
    assert user.invitations_consented_at is not None
    assert user.public_listing_consented_at is None  # off unless chosen

    row = outbox_mail(to="sara.nyberg@example.se")
    assert row.key.startswith("allauth:account/email/email_confirmation_signup:sara.nyberg@")
    assert row.language == "sv"
    assert "Bekräfta" in row.subject or "bekräfta" in row.subject.lower()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["sara.nyberg@example.se"]

    # Before confirming, the password does not open the account.
    response = client.post(
        LOGIN_URL, {"login": "sara.nyberg@example.se", "password": "fika-och-kultur-2026"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/konto/confirm-email/"
    assert "_auth_user_id" not in client.session

    confirm_url = _link(row.body_text)
    assert client.get(confirm_url).status_code == 200
    response = client.post(confirm_url)
    assert response.status_code == 302
    assert EmailAddress.objects.get(email="sara.nyberg@example.se").verified
    client.logout()

    response = client.post(
        LOGIN_URL, {"login": "Sara.Nyberg@example.se", "password": "fika-och-kultur-2026"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/mina-sidor/"
    assert client.get("/mina-sidor/").status_code == 200


def test_verification_mail_is_written_in_the_chosen_language(client):
    client.post("/en/konto/signup/", _signup_data(preferred_language="en"))
    row = outbox_mail(to="sara.nyberg@example.se")
    assert row.language == "en"
    assert "Confirm" in row.subject or "confirm" in row.subject


def test_a_second_verification_request_sends_a_second_mail(client):
    """Asking again for the confirmation mail (after allauth's cooldown) sends a new one."""
    from django.core.cache import cache

    client.post(SIGNUP_URL, _signup_data())
    assert OutgoingEmail.objects.filter(to="sara.nyberg@example.se").count() == 1
    user = User.objects.get(email="sara.nyberg@example.se")
    client.force_login(user)
    cache.clear()  # the cooldown between two confirmation mails is allauth's own rule
    response = client.post("/konto/email/", {"action_send": "", "email": "sara.nyberg@example.se"})
    assert response.status_code in (200, 302)
    keys = set(
        OutgoingEmail.objects.filter(to="sara.nyberg@example.se").values_list("key", flat=True)
    )
    assert len(keys) == 2


def _visible(client, response) -> tuple[int, str, str]:
    """What a visitor sees of a sign-up or reset: status, where it leads, and that page's text
    with their own address taken out."""
    follow = client.get(response["Location"])
    text = re.sub(r"<input[^>]*csrfmiddlewaretoken[^>]*>", "", follow.content.decode())
    for address in ("sara.nyberg@example.se", "kerstin@example.se", "Kerstin@Example.se"):
        text = text.replace(address, "ADDRESS")
    return response.status_code, response["Location"], text


def test_signup_with_a_taken_address_looks_like_a_fresh_signup(client):
    """Enumeration prevention: sign-up never says an address has an account. The visitor sees
    exactly what a fresh sign-up sees; no second account is made."""
    UserFactory(email="kerstin@example.se")
    fresh = _visible(client, client.post(SIGNUP_URL, _signup_data()))
    client.logout()
    taken = _visible(client, client.post(SIGNUP_URL, _signup_data(email="Kerstin@Example.se")))
    assert fresh[:2] == (302, "/konto/confirm-email/")
    assert taken == fresh
    assert User.objects.filter(email__iexact="kerstin@example.se").count() == 1


def test_signup_with_a_taken_address_mails_its_owner_through_the_outbox(
    client, django_capture_on_commit_callbacks
):
    """The owner of the address learns that someone tried, in their own language, with the way
    to reset the password; the sign-up's details go nowhere."""
    UserFactory(email="kerstin@example.se", preferred_language="en")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(SIGNUP_URL, _signup_data(email="Kerstin@Example.se"))
    row = OutgoingEmail.objects.get()
    assert row.to == "kerstin@example.se"
    assert row.key.startswith("allauth:account/email/account_already_exists:")
    assert row.language == "en"
    assert "already exists" in row.body_text
    assert "/en/konto/password/reset/" in row.body_text or "/konto/password/reset/" in row.body_text
    assert "Sara Nyberg" not in row.body_text
    assert [message.to for message in mail.outbox] == [["kerstin@example.se"]]
    assert not EmailAddress.objects.filter(email__iexact="kerstin@example.se", user=None).exists()


def test_a_later_signup_attempt_mails_the_owner_again(client):
    """Each attempt (after the confirmation cooldown) is its own message, not one per address."""
    from django.core.cache import cache

    UserFactory(email="kerstin@example.se")
    client.post(SIGNUP_URL, _signup_data(email="kerstin@example.se"))
    cache.clear()
    client.post(SIGNUP_URL, _signup_data(email="kerstin@example.se"))
    assert OutgoingEmail.objects.filter(to="kerstin@example.se").count() == 2


def test_password_reset_looks_the_same_for_known_and_unknown_addresses(client):
    UserFactory(email="kerstin@example.se")
    known = _visible(client, client.post("/konto/password/reset/", {"email": "kerstin@example.se"}))
    unknown = _visible(
        client, client.post("/konto/password/reset/", {"email": "sara.nyberg@example.se"})
    )
    assert known[0] == 302
    assert known == unknown
    keys = sorted(OutgoingEmail.objects.values_list("key", flat=True))
    assert keys[0].startswith("allauth:account/email/password_reset_key:kerstin@")
    assert keys[1].startswith("allauth:account/email/unknown_account:sara.nyberg@")


def test_weak_password_is_refused_at_the_field_and_nothing_is_saved(client):
    response = client.post(SIGNUP_URL, _signup_data(password1="123456", password2="123456"))
    assert response.status_code == 200
    assert "password1" in response.context["form"].errors
    assert not User.objects.exists()
    assert not EmailAddress.objects.exists()


def test_municipality_officer_must_name_the_municipality(client, municipalities):
    response = client.post(SIGNUP_URL, _signup_data(stakeholder_group="municipality"))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["municipality"]
    assert not User.objects.exists()

    municipality = Municipality.objects.get(name="Södertälje")
    response = client.post(
        SIGNUP_URL, _signup_data(stakeholder_group="municipality", municipality=municipality.pk)
    )
    assert response.status_code == 302
    assert User.objects.get().municipality == municipality


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("stakeholder_group", "royalty"),
        ("sectors", ["culture", "fishing"]),
        ("preferred_language", "de"),
        ("municipality", "999999"),
    ],
)
def test_tampered_choice_values_are_field_errors(client, field, value):
    response = client.post(SIGNUP_URL, _signup_data(**{field: value}))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not User.objects.exists()


def test_existing_login_still_works_for_completed_profiles(client):
    UserFactory(email="per@example.se")
    response = client.post(LOGIN_URL, {"login": "per@example.se", "password": DEFAULT_PASSWORD})
    assert response["Location"] == "/mina-sidor/"


def test_password_change_notification_goes_through_outbox_in_preferred_language(client):
    user = UserFactory(email="john@example.se", preferred_language="en")
    client.force_login(user)
    response = client.post(
        "/konto/password/change/",
        {
            "oldpassword": DEFAULT_PASSWORD,
            "password1": "a-new-and-long-passphrase",
            "password2": "a-new-and-long-passphrase",
        },
    )
    assert response.status_code == 302
    row = outbox_mail(to="john@example.se")
    assert row.key.startswith("allauth:account/email/password_changed:john@example.se:")
    assert row.language == "en"
    assert "password" in row.subject.lower()
    # The portal's mail layout frames allauth's text; allauth's own greeting is gone.
    assert "Hello from" not in row.body_text
