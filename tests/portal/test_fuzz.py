"""Hostile input on every form and query parameter answers below 500.

Three visitors crawl the site from its entry points, following the links on each page: an
anonymous visitor (public pages, login and sign-up), a logged-in stakeholder (Mina sidor,
registration forms, alerts) and a superuser in the admin. Every form and every page's query
parameters found on the way is a target. Each target is then sent

- a sweep: every field at once set to each value of HOSTILE (bad UTF-8, NUL, `%`, huge
  strings, non-ids, negative and overflowing numbers, out-of-range dates, foreign URLs), and
- generated values from Hypothesis, field by field, for a bounded number of examples.

Any 5xx fails the test with the requests that caused it. Hypothesis runs derandomized, so a
run in CI is reproducible; FUZZ_EXAMPLES=2000 explores further.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import Resolver404, resolve, reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stockholmstinget.models import Edition
from tests.accounts.factories import UserFactory
from tests.conftest import staff_login

pytestmark = pytest.mark.django_db(transaction=True)

BAD_UTF8 = b"\xff\xfe\xed\xa0\x80\xc3"
HOSTILE: list[str | bytes] = [
    "abc",
    "%",
    "a\x00b",
    "-1",
    "99999999999999999999",
    "x" * 5_000,
    "10000-01-01",
    "//evil.example/",
    "😀\u202eÅ",
    BAD_UTF8,
]
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "60"))
# At most this many pages per view (each meeting's page is the same form as the next one's).
PAGES_PER_VIEW = 1
MAX_PAGES = 250


@dataclass
class Target:
    """A form, or a page's query string: where to send what."""

    method: str
    url: str
    fields: dict[str, list[str]] = field(default_factory=dict)
    hidden: set[str] = field(default_factory=set)

    def __str__(self) -> str:
        return f"{self.method} {self.url}"


class _PageParser(HTMLParser):
    """The links and forms of one page, as a browser would submit them untouched."""

    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.forms: list[Target] = []
        self._form: Target | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "form":
            method = (attrs.get("method") or "get").upper()
            self._form = Target(method, attrs.get("action") or "")
        elif self._form is None:
            return
        elif tag == "option" and self._select and "selected" in attrs:
            # Options have no name of their own: they submit their select's.
            self._form.fields[self._select].append(attrs.get("value", ""))
        elif tag in ("input", "textarea", "select", "button") and attrs.get("name"):
            self._control(self._form, tag, attrs)

    def _control(self, form: Target, tag: str, attrs: dict[str, str | None]) -> None:
        """A named control: the value it submits untouched, if any."""
        name, kind = attrs["name"], attrs.get("type", "text")
        values = form.fields.setdefault(name, [])
        if kind in ("checkbox", "radio"):
            if "checked" in attrs:
                values.append(attrs.get("value", "on"))
        elif tag not in ("button", "select") and kind not in ("submit", "button", "image", "reset"):
            values.append(attrs.get("value", ""))
        if kind == "hidden":
            form.hidden.add(name)
        if tag == "select":
            self._select = name

    def handle_endtag(self, tag):
        if tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None
        elif tag == "select":
            self._select = None


def _view_name(path: str) -> str | None:
    try:
        return resolve(path).view_name
    except Resolver404:
        return None


def _encode(pairs: list[tuple[str, str | bytes]]) -> str:
    return urlencode(pairs)


def _send(client: Client, target: Target, values: dict[str, list[str | bytes]]):
    pairs = [(name, value) for name, items in values.items() for value in items]
    if target.method == "GET":
        separator = "&" if "?" in target.url else "?"
        return client.get(f"{target.url}{separator}{_encode(pairs)}")
    return client.post(target.url, _encode(pairs), content_type="application/x-www-form-urlencoded")


@dataclass
class _Crawler:
    """One visitor's walk through the site: what it saw, and the targets it found."""

    client: Client
    allowed: Callable[[str], bool]
    post_allowed: Callable[[str], bool]
    seen: set[str] = field(default_factory=set)
    visits: Counter[str] = field(default_factory=Counter)
    forms: list[Target] = field(default_factory=list)
    parameters: dict[str, Target] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def walk(self, seeds: list[str]) -> None:
        queue = deque(seeds)
        while queue and len(self.seen) < MAX_PAGES:
            queue.extend(self.visit(queue.popleft()))

    def parameters_of(self, view: str, path: str) -> Target:
        return self.parameters.setdefault(view, Target("GET", path, {"next": [], "page": []}))

    def visit(self, url: str) -> list[str]:
        """Note the query parameters of `url`; fetch it unless its view has been visited
        enough, keep its forms, and return the links on it."""
        path, query = urlsplit(url).path, urlsplit(url).query
        view = _view_name(path)
        if view is None or not self.allowed(path):
            return []
        for name, value in parse_qsl(query, keep_blank_values=True):
            self.parameters_of(view, path).fields.setdefault(name, [value])
        if url in self.seen or self.visits[view] >= PAGES_PER_VIEW:
            return []
        self.seen.add(url)
        self.visits[view] += 1
        self.parameters_of(view, path)
        response = self.client.get(url)
        if response.status_code >= 500:
            self.failures.append(f"GET {url}: {response.status_code}")
        if not response.get("Content-Type", "").startswith("text/html"):
            return []
        parser = _PageParser()
        parser.feed(response.content.decode())
        self.forms_keep(parser.forms, url=url, target=self.parameters_of(view, path))
        return _site_links(url, parser.links)

    def forms_keep(self, forms: list[Target], *, url: str, target: Target) -> None:
        """A GET form's fields are more query parameters of the page; a POST form is a
        target of its own."""
        for form in forms:
            form.url = urljoin(url, form.url) if form.url else url
            if form.method == "GET":
                for name in form.fields:
                    target.fields.setdefault(name, [])
            elif self.post_allowed(urlsplit(form.url).path):
                self.forms.append(form)


def _site_links(url: str, hrefs: list[str]) -> list[str]:
    """The links of the page at `url` that stay on this site, as path and query."""
    links = []
    for href in hrefs:
        parts = urlsplit(urljoin(url, href))
        if parts.scheme in ("", "http") and parts.netloc in ("", "testserver"):
            links.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return links


def crawl(client: Client, seeds: list[str], *, allowed, post_allowed) -> list[Target]:
    """Visit the pages reachable from `seeds`; return their forms and, per view, one target
    with every query parameter seen in a link to it or in a GET form on it."""
    crawler = _Crawler(client, allowed, post_allowed)
    crawler.walk(seeds)
    assert crawler.failures == [], crawler.failures
    # `next` and `page` mean something on the public pages; the admin reads neither.
    queries = [
        target
        for target in crawler.parameters.values()
        if not target.url.startswith("/admin/") or set(target.fields) - {"next", "page"}
    ]
    return crawler.forms + queries


def sweep(client: Client, targets: list[Target]) -> list[str]:
    """Every visible field of every target at once, for each hostile value."""
    failures = []
    for target in targets:
        for value in HOSTILE:
            values = {
                name: (defaults if name in target.hidden else [value])
                for name, defaults in target.fields.items()
            }
            response = _send(client, target, values)
            if response.status_code >= 500:
                failures.append(f"{target} with {value[:30]!r}: {response.status_code}")
    return failures


VALUES = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=40),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.dates(min_value=dt.date(1, 1, 1)).map(lambda day: day.isoformat()),
    st.datetimes().map(lambda moment: moment.isoformat(sep=" ")),
    st.binary(max_size=12),
)


def generated(client: Client, targets: list[Target]) -> None:
    """Hypothesis chooses a target and, field by field, keeps it or puts in a value."""

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(data=st.data())
    def check(data):
        target = data.draw(st.sampled_from(targets), label="target")
        values = {}
        for name, defaults in target.fields.items():
            kept = data.draw(st.booleans(), label=f"keep {name}")
            values[name] = defaults if kept else data.draw(st.lists(VALUES, max_size=2))
        response = _send(client, target, values)
        assert response.status_code < 500, f"{target}: {response.status_code}"

    check()


def _not(*fragments: str):
    return lambda path: not any(fragment in path for fragment in fragments)


@pytest.fixture
def demo():
    call_command("seed_demo")


def _fuzz(client: Client, seeds: list[str], *, allowed, post_allowed) -> None:

    client.raise_request_exception = False
    targets = crawl(client, seeds, allowed=allowed, post_allowed=post_allowed)
    assert len(targets) > 5, targets
    failures = sweep(client, targets)
    assert failures == [], "\n".join(failures[:40])
    generated(client, targets)


PUBLIC_SEEDS = [
    "/",
    "/en/",
    "/dialogmoten/",
    "/dialogmoten/arkiv/",
    "/sammanfattningar/",
    "/insikter/",
    "/stockholmstinget/",
    "/stockholmstinget/arkiv/",
    "/konto/login/",
    "/konto/signup/",
    "/konto/password/reset/",
]


@pytest.mark.usefixtures("demo")
def test_public_pages_and_forms_never_answer_5xx(client):
    _fuzz(
        client,
        PUBLIC_SEEDS,
        allowed=_not("/admin/", "/mina-sidor/"),
        post_allowed=_not("/logout/"),
    )


@pytest.mark.usefixtures("demo")
def test_stakeholder_pages_and_forms_never_answer_5xx(client):
    client.force_login(UserFactory())
    registrations = [
        reverse("stockholmstinget:registration", args=[edition.year])
        for edition in Edition.objects.all()
    ]
    _fuzz(
        client,
        [
            "/mina-sidor/",
            "/mina-sidor/profil/",
            "/mina-sidor/komplettera-profil/",
            "/konto/email/",
            *registrations,
            *PUBLIC_SEEDS,
        ],
        allowed=_not("/admin/", "/logout/"),
        # Sign-up and password reset are the anonymous visitor's; logout would end the visit.
        post_allowed=_not("/logout/", "/signup/", "/password/reset/"),
    )


@pytest.mark.usefixtures("demo")
def test_staff_admin_pages_and_forms_never_answer_5xx(client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    staff_login(client, staff)
    autocomplete = "/admin/autocomplete/?app_label=dialogues&model_name=summary&field_name=meeting"
    _fuzz(
        client,
        ["/admin/", autocomplete],
        # An object's history and delete confirmation take no input worth the time.
        allowed=lambda path: (
            path.startswith("/admin/") and _not("/logout/", "/history/", "/delete/")(path)
        ),
        # Deleting would empty the crawl of its objects, and the staff member's own account.
        post_allowed=_not("/delete/", "/logout/", "/password/"),
    )
