"""allauth's rate limits, counted in the real (database) cache."""

from __future__ import annotations

import pytest
from django.conf import settings

from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _per_address_limit() -> int:
    # "10/m/ip,5/5m/key": the per-address part is what one person's guesses run into.
    key_rule = next(
        r for r in settings.ACCOUNT_RATE_LIMITS["login_failed"].split(",") if r.endswith("/key")
    )
    return int(key_rule.split("/")[0])


def test_the_cache_is_a_real_one():
    assert "dummy" not in settings.CACHES["default"]["BACKEND"].lower()
    assert "locmem" not in settings.CACHES["default"]["BACKEND"].lower()


def test_login_answers_429_after_the_configured_failed_attempts(client):
    UserFactory(email="mats@example.se")
    limit = _per_address_limit()
    for _attempt in range(limit):
        response = client.post("/konto/login/", {"login": "mats@example.se", "password": "wrong-1"})
        assert response.status_code == 200
    response = client.post("/konto/login/", {"login": "mats@example.se", "password": "wrong-1"})
    assert response.status_code == 429
    # Even the right password waits now.
    response = client.post(
        "/konto/login/", {"login": "mats@example.se", "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_another_address_is_not_blocked(client):
    UserFactory(email="mats@example.se")
    UserFactory(email="ulla@example.se")
    for _attempt in range(_per_address_limit() + 1):
        client.post("/konto/login/", {"login": "mats@example.se", "password": "wrong-1"})
    response = client.post(
        "/konto/login/", {"login": "ulla@example.se", "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302


def test_password_reset_requests_are_limited(client):
    UserFactory(email="mats@example.se")
    statuses = [
        client.post("/konto/password/reset/", {"email": "mats@example.se"}).status_code
        for _ in range(7)
    ]
    assert 429 in statuses
