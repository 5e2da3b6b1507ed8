"""The custom user: email is the login, unique regardless of case; there is no username."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.db import IntegrityError

from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_user_model_has_email_login_and_no_username():
    user_model = get_user_model()
    assert user_model.USERNAME_FIELD == "email"
    assert "username" not in {field.name for field in user_model._meta.get_fields()}


def test_authenticate_by_email_in_any_case():
    user = UserFactory(email="anna.lind@example.se")
    assert authenticate(username="anna.lind@example.se", password=DEFAULT_PASSWORD) == user
    assert authenticate(username="Anna.Lind@Example.SE", password=DEFAULT_PASSWORD) == user
    assert authenticate(username="anna.lind@example.se", password="wrong-password") is None


def test_same_address_in_other_case_is_rejected_by_the_database():
    UserFactory(email="kerstin@example.se")
    with pytest.raises(IntegrityError):
        UserFactory(email="Kerstin@example.se", verified=False)


def test_login_page_signs_in_with_email_and_password(client):
    """The allauth login form takes an email address and lands on Mina sidor."""
    UserFactory(email="per@example.se")
    response = client.post(
        "/konto/login/", {"login": "per@example.se", "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == "/mina-sidor/"
    page = client.get("/mina-sidor/")
    assert page.status_code == 200
    assert "per@example.se" in page.content.decode()


def test_create_superuser_from_email_only():
    admin = get_user_model().objects.create_superuser("chef@example.se", "a-strong-password-1")
    assert admin.is_staff
    assert admin.is_superuser
    assert admin.check_password("a-strong-password-1")
