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


# Behind the TLS proxy (docs/deploy.md) every request arrives from the proxy's address; the
# proxy appends the address it saw to X-Forwarded-For.
PROXY = "10.0.0.2"


def _via_proxy(client, path: str, data: dict, *, forwarded_for: str):
    return client.post(path, data, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded_for)


def _login(client, email: str, password: str, *, forwarded_for: str):
    return _via_proxy(
        client,
        "/konto/login/",
        {"login": email, "password": password},
        forwarded_for=forwarded_for,
    )


def test_behind_one_proxy_two_visitors_are_limited_separately(client, settings):
    """Ten failed logins a minute from one visitor spend that visitor's budget, not the proxy's."""
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    UserFactory(email="mats@example.se")
    emails = [f"person{n}@example.se" for n in range(11)]
    statuses = [
        _login(client, email, "wrong-1", forwarded_for="203.0.113.7").status_code
        for email in emails
    ]
    # The 11th distinct address from the same visitor runs into the per-IP limit.
    assert statuses[:10] == [200] * 10
    assert statuses[10] == 429
    response = _login(client, "mats@example.se", DEFAULT_PASSWORD, forwarded_for="198.51.100.9")
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_behind_one_proxy_the_client_cannot_choose_its_address(client, settings):
    """Only the entry the proxy appended counts; whatever the client wrote before it does not."""
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    statuses = [
        _login(
            client,
            f"person{n}@example.se",
            "wrong-1",
            forwarded_for=f"192.0.2.{n}, 203.0.113.7",
        ).status_code
        for n in range(11)
    ]
    assert statuses[10] == 429


def test_without_trusted_proxies_a_spoofed_forwarded_for_is_ignored(client, settings):
    """With ALLAUTH_TRUSTED_PROXY_COUNT 0 a client inventing addresses is still one client."""
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    statuses = [
        client.post(
            "/konto/login/",
            {"login": f"person{n}@example.se", "password": "wrong-1"},
            REMOTE_ADDR="203.0.113.7",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",
        ).status_code
        for n in range(11)
    ]
    assert statuses[10] == 429


def test_fifty_wrong_passwords_for_one_account_lock_out_nobody_else(client, settings):
    """The lock-out of issue 12: 50 wrong passwords at one account behind the proxy, then
    another person's correct password logs them in."""
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    UserFactory(email="mats@example.se")
    UserFactory(email="ulla@example.se")
    statuses = [
        _login(client, "mats@example.se", "wrong-1", forwarded_for="203.0.113.7").status_code
        for _attempt in range(50)
    ]
    assert 429 in statuses
    response = _login(client, "ulla@example.se", DEFAULT_PASSWORD, forwarded_for="198.51.100.9")
    assert response.status_code == 302
    assert "_auth_user_id" in client.session
    # mats's own account stays locked, whoever tries it.
    client.logout()
    response = _login(client, "mats@example.se", DEFAULT_PASSWORD, forwarded_for="198.51.100.9")
    assert response.status_code == 429


def test_guesses_at_a_locked_account_do_not_spend_the_guessers_ip_budget(client):
    """Once one address is locked, further guesses at it stop at that address's limit, so the
    same visitor (a shared office address, say) can still log in to another account."""
    UserFactory(email="mats@example.se")
    UserFactory(email="ulla@example.se")
    for _attempt in range(20):
        client.post("/konto/login/", {"login": "mats@example.se", "password": "wrong-1"})
    response = client.post(
        "/konto/login/", {"login": "ulla@example.se", "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302


def test_a_forwarded_for_shorter_than_the_proxy_count_is_no_500(client, settings):
    """A request that skipped the outer proxy is limited by the address the inner one saw."""
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 2
    statuses = [
        _login(client, f"person{n}@example.se", "wrong-1", forwarded_for="203.0.113.7").status_code
        for n in range(11)
    ]
    assert statuses[:10] == [200] * 10
    assert statuses[10] == 429


def test_the_deployment_sets_the_proxy_count():
    from pathlib import Path

    base = Path(__file__).resolve().parents[2]
    assert "DJANGO_TRUSTED_PROXY_COUNT" in (base / "docker-compose.yml").read_text()
    assert "DJANGO_TRUSTED_PROXY_COUNT" in (base / "docs" / "deploy.md").read_text()
