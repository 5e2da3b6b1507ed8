"""Shared fixtures: the browser harness and service requirements.

Browser tests drive a real headless Chromium through Playwright against pytest-django's live
server. Without a browser they skip with the reason, unless REQUIRE_BROWSER=1 (as in CI), where
a missing browser fails the run instead.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def _required(name: str) -> bool:
    return os.environ.get(name, "") not in ("", "0", "false", "False")


def chromium_executable() -> str | None:
    """PLAYWRIGHT_CHROMIUM_EXECUTABLE, else Debian's /usr/bin/chromium, else Playwright's own."""
    configured = os.environ.get("PLAYWRIGHT_CHROMIUM_EXECUTABLE")
    if configured:
        return configured
    for candidate in ("/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - playwright is a dev dependency
        if _required("REQUIRE_BROWSER"):
            pytest.fail(f"REQUIRE_BROWSER=1 but Playwright is not installed: {exc}")
        pytest.skip(f"Playwright is not installed: {exc}")

    # Playwright's sync API runs an event loop in this thread; the live server's ORM work
    # happens in its own thread, and the fixtures' ORM calls are deliberate and synchronous.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(
                executable_path=chromium_executable(), headless=True, args=CHROMIUM_ARGS
            )
        except PlaywrightError as exc:
            if _required("REQUIRE_BROWSER"):
                pytest.fail(f"REQUIRE_BROWSER=1 but Chromium could not start: {exc}")
            pytest.skip(
                "No Chromium to drive (install Debian's chromium or set "
                f"PLAYWRIGHT_CHROMIUM_EXECUTABLE): {exc}"
            )
        yield browser
        browser.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="sv-SE")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def redis_url() -> str:
    """The Redis a broker test talks to; skips (or fails when REQUIRE_REDIS=1) without one."""
    url = _per_worker(os.environ.get("REDIS_URL", ""))
    reason = ""
    if not url:
        reason = "REDIS_URL is not set"
    else:
        import redis

        try:
            redis.Redis.from_url(url, socket_connect_timeout=2).ping()
        except redis.RedisError as exc:
            reason = f"Redis at {url} does not answer: {exc}"
    if reason:
        if _required("REQUIRE_REDIS"):
            pytest.fail(f"REQUIRE_REDIS=1 but {reason}")
        pytest.skip(reason)
    return url


def _per_worker(url: str) -> str:
    """The Redis database of this test process: under pytest-xdist each worker gets its own.

    The broker tests flush their database; two workers sharing one would flush each other's
    queues. Worker gwN uses the configured database number plus N (Redis has 16).
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not url or not worker.startswith("gw"):
        return url
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{(base + int(worker[2:])) % 16}"))


def _load_reference_data() -> None:
    from importlib import import_module

    from django.apps import apps

    import_module("portal.migrations.0002_load_municipalities").load(apps, None)


@pytest.fixture
def municipalities(db):
    """The 26 municipalities of the data migration (idempotent to load)."""
    _load_reference_data()


@pytest.fixture(autouse=True)
def _reference_data_after_flush(request):
    """Give transactional tests the reference data and an empty cache.

    A transactional test ends by flushing every table, which takes the municipalities that the
    data migration loaded with it; the database cache table is not flushed, so rate-limit
    counters would leak from one test into the next.
    """
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or {
        "transactional_db",
        "live_server",
    } & set(request.fixturenames)
    if not transactional:
        return
    request.getfixturevalue("transactional_db")
    from django.core.cache import cache

    _load_reference_data()
    cache.clear()


STAFF_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def staff_login(client, user) -> None:
    """Log `user` in as staff really do: password, then a TOTP code, through allauth."""
    import time

    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    from accounts.services import staff_totp_ensure
    from tests.accounts.factories import DEFAULT_PASSWORD

    staff_totp_ensure(user=user, secret=STAFF_TOTP_SECRET)
    response = client.post("/konto/login/", {"login": user.email, "password": DEFAULT_PASSWORD})
    assert response["Location"] == "/konto/2fa/authenticate/"
    code = format_hotp_value(hotp_value(STAFF_TOTP_SECRET, int(time.time()) // 30))
    response = client.post("/konto/2fa/authenticate/", {"code": code})
    assert response.status_code == 302, "the second factor was not accepted"


@pytest.fixture
def staff_client(client, db):
    """A client logged in as a superuser with a second factor, as /admin/ requires."""
    from tests.accounts.factories import UserFactory

    user = UserFactory(is_staff=True, is_superuser=True)
    staff_login(client, user)
    client.user = user
    return client
