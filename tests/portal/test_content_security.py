"""A strict Content-Security-Policy holds on every page: no inline script, handler or style.

Two checks: the rendered HTML of every public page (tests/portal/test_accessibility.py's
PUBLIC_PAGES, the error pages and Mina sidor) has no inline script, no `on…` handler and no
style attribute, and carries the security headers; and a real Chromium reports no policy
violation on those pages or while staff work in the admin.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests.accounts.factories import UserFactory
from tests.conftest import staff_login
from tests.portal.test_accessibility import PUBLIC_PAGES

# Script types a browser does not run: data blocks, which the policy does not govern.
DATA_SCRIPTS = {"application/json", "application/ld+json"}


class _InlineFinder(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: list[str] = []
        self._inline_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in attrs:
            if name == "style" or name.startswith("on"):
                self.found.append(f"<{tag} {name}=…>")
        if tag == "style":
            self.found.append("<style> element")
        if tag == "script" and "src" not in attrs:
            self._inline_script = (attrs.get("type") or "").lower() not in DATA_SCRIPTS
        for name in ("href", "src", "action"):
            if (attrs.get(name) or "").strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}=javascript:…>")

    def handle_data(self, data):
        if self._inline_script and data.strip():
            self.found.append(f"inline <script>: {data.strip()[:60]}")

    def handle_endtag(self, tag):
        if tag == "script":
            self._inline_script = False


def inline_code(html: str) -> list[str]:
    finder = _InlineFinder()
    finder.feed(html)
    return finder.found


def _url(name: str, args: tuple, language: str) -> str:
    with translation.override(language):
        return reverse(name, args=args)


def _assert_headers(response) -> None:
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.fixture
def demo(db):
    call_command("seed_demo")


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize("language", ["sv", "en"])
def test_public_pages_have_no_inline_code_and_send_the_policy(client, language):
    urls = [_url(name, args, language) for name, args in PUBLIC_PAGES]
    urls.append(_url("portal:home", (), language) + "finns-inte/")  # the 404 page
    found = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 404), url
        _assert_headers(response)
        if inline := inline_code(response.content.decode()):
            found[url] = inline
    assert found == {}


@pytest.mark.usefixtures("demo")
def test_stakeholder_pages_have_no_inline_code(client):
    client.force_login(UserFactory())
    found = {}
    for url in ["/mina-sidor/", "/mina-sidor/profil/", "/mina-sidor/radera-konto/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        _assert_headers(response)
        if inline := inline_code(response.content.decode()):
            found[url] = inline
    assert found == {}


def test_the_finder_finds_what_the_policy_blocks():
    """The check above could not fail if the finder missed these."""
    assert inline_code('<span class="bar" style="width: 40%"></span>')
    assert inline_code("<script>alert(1)</script>")
    assert inline_code('<button onclick="go()">Go</button>')
    assert inline_code("<style>p { color: red }</style>")
    assert inline_code('<a href="javascript:go()">x</a>')
    assert not inline_code('<script src="/static/app.js"></script>')
    assert not inline_code('<script type="application/json">{"a": 1}</script>')
    assert not inline_code('<meter class="bar" min="0" max="100" value="40"></meter>')


# --- In a real browser -------------------------------------------------------------------------

VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(event.violatedDirective + " " + (event.blockedURI || "inline")
    + " " + (event.sourceFile || "") + ":" + event.lineNumber);
});
"""


def _violations(page, path: str) -> list[str]:
    response = page.goto(path)
    assert response is not None, path
    assert response.status < 400, path
    page.wait_for_load_state("networkidle")
    return page.evaluate("window.__violations")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_no_policy_violation_on_public_pages_or_in_the_admin(browser, live_server):
    call_command("seed_demo")
    context = browser.new_context(base_url=live_server.url, locale="sv-SE")
    context.add_init_script(VIOLATIONS)
    page = context.new_page()
    found = {}
    public = [_url(name, args, "sv") for name, args in PUBLIC_PAGES]
    for path in public:
        if violations := _violations(page, path):
            found[path] = violations

    # Staff: the session of a real login with a second factor, handed to the browser.
    client = Client()
    staff_login(client, UserFactory(is_staff=True, is_superuser=True))
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    from dialogues.models import Meeting
    from dialogues.summaries.models import Summary
    from portal.outbox.models import OutgoingEmail
    from stockholmstinget.models import Edition

    meeting = Meeting.objects.first()
    admin_pages = [
        "/admin/",
        "/admin/dialogues/meeting/",
        f"/admin/dialogues/meeting/{meeting.pk}/change/",
        "/admin/dialogues/meeting/add/",
        f"/admin/dialogues/meeting/{meeting.pk}/incheckning/",
        "/admin/dialogues/summary/add/",
        f"/admin/dialogues/summary/{Summary.objects.first().pk}/change/",
        f"/admin/stockholmstinget/edition/{Edition.objects.first().pk}/change/",
        "/admin/accounts/user/",
        "/admin/portal/outgoingemail/",
    ]
    if email := OutgoingEmail.objects.exclude(body_html="").first():
        admin_pages.append(f"/admin/portal/outgoingemail/{email.pk}/change/")
    for path in admin_pages:
        if violations := _violations(page, path):
            found[path] = violations
    # The admin's own scripts ran: the date widgets and the autocomplete are drawn by them.
    page.goto("/admin/dialogues/meeting/add/")
    assert page.locator(".datetimeshortcuts").count() > 0
    page.goto("/admin/dialogues/summary/add/")
    assert page.locator(".select2-container").count() > 0
    context.close()
    assert found == {}
