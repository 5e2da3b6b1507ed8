"""Certificates of attendance: a tagged PDF for a checked-in participant, for nobody else."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from pypdf import PdfReader
from pypdf.generic import BooleanObject

from portal.moments import span_text
from portal.public_cache import PRIVATE_PREFIXES
from portal.registrations.certificates import certificate_url
from tests.accounts.factories import UserFactory
from tests.dialogues.factories import MeetingFactory
from tests.dialogues.factories import RegistrationFactory as MeetingRegistrationFactory
from tests.stockholmstinget.factories import EditionFactory
from tests.stockholmstinget.factories import RegistrationFactory as EditionRegistrationFactory

pytestmark = pytest.mark.django_db


def _held_meeting(**fields):
    starts_at = timezone.now().replace(minute=0, second=0, microsecond=0) - dt.timedelta(days=7)
    fields.setdefault("title", "Kulturskapares arbetsvillkor i länet")
    if "series" not in fields:
        fields["series__name"] = "Dialog med professionella kulturskapare"
    return MeetingFactory(
        starts_at=starts_at, ends_at=starts_at + dt.timedelta(hours=2, minutes=30), **fields
    )


def _attended(factory, event_field: str, event, **user_fields):
    user = UserFactory(display_name="Anna Åström", **user_fields)
    return factory(
        **{event_field: event},
        user=user,
        checked_in_at=event.starts_at + dt.timedelta(minutes=5),
    )


@pytest.fixture
def attended_meeting():
    return _attended(MeetingRegistrationFactory, "meeting", _held_meeting())


def _url(registration, language: str = "sv") -> str:
    with translation.override(language):
        return certificate_url(registration)


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    # Lines as laid out; joined with spaces so a wrapped line still reads as one.
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def _structure_types(node) -> set[str]:
    node = node.get_object()
    types = {str(node["/S"])} if "/S" in node else set()
    kids = node.get("/K", [])
    for kid in kids if isinstance(kids, list) else [kids]:
        kid = kid.get_object()
        if isinstance(kid, dict):
            types |= _structure_types(kid)
    return types


def test_checked_in_participant_gets_a_pdf_with_name_event_date_and_hours(client, attended_meeting):
    client.force_login(attended_meeting.user)
    response = client.get(_url(attended_meeting))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="intyg-kulturskapares-arbetsvillkor-i-lanet.pdf"'
    )
    text = _text(response.content)
    meeting = attended_meeting.meeting
    with translation.override("sv"):
        when = span_text(meeting.starts_at, meeting.ends_at)
    for expected in (
        "Intyg om deltagande",
        "Härmed intygas att Anna Åström har deltagit i",
        "Kulturskapares arbetsvillkor i länet",
        "Dialogmöte i serien Dialog med professionella kulturskapare",
        " ".join(when.split()),
        "2,5 timmar",
        "Region Stockholm, kulturförvaltningen",
    ):
        assert expected in text


def test_the_certificate_is_in_the_persons_language(client):
    """The person's preferred language, whichever language the page was in."""
    registration = _attended(
        MeetingRegistrationFactory, "meeting", _held_meeting(), preferred_language="en"
    )
    client.force_login(registration.user)
    response = client.get(_url(registration, "sv"))
    text = _text(response.content)
    assert "This is to certify that Anna Åström took part in" in text
    assert "2.5 hours" in text
    assert "certificate-kulturskapares" in response["Content-Disposition"]
    assert PdfReader(io.BytesIO(response.content)).trailer["/Root"]["/Lang"] == "en"


def test_the_pdf_is_tagged_with_language_and_title(client, attended_meeting, settings):
    """PDF/UA: marked content with a structure tree, the document's language and its title
    (shown as the window title), and real text rather than an image."""
    settings.CERTIFICATE_ISSUER = "Region Stockholm, Kulturförvaltningen (test)"
    client.force_login(attended_meeting.user)
    reader = PdfReader(io.BytesIO(client.get(_url(attended_meeting)).content))
    catalog = reader.trailer["/Root"]
    assert catalog["/MarkInfo"]["/Marked"] == BooleanObject(True)
    assert "/StructTreeRoot" in catalog
    assert catalog["/Lang"] == "sv"
    # The heading and the table of facts (name and value tied as TH and TD) are tagged.
    assert {"/H1", "/P", "/Table", "/TH", "/TD"} <= _structure_types(catalog["/StructTreeRoot"])
    assert catalog["/ViewerPreferences"]["/DisplayDocTitle"] == BooleanObject(True)
    assert reader.metadata.title == "Intyg om deltagande: Kulturskapares arbetsvillkor i länet"
    assert reader.metadata.author == "Region Stockholm, Kulturförvaltningen (test)"
    assert "Region Stockholm, Kulturförvaltningen (test)" in _text(reader.stream.getvalue())


def test_stockholmstinget_participant_gets_a_certificate_of_the_day(client):
    starts_at = timezone.now().replace(minute=0, second=0, microsecond=0) - dt.timedelta(days=3)
    edition = EditionFactory(
        title="Stockholmstinget 2029",
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=7, minutes=30),
    )
    registration = _attended(EditionRegistrationFactory, "edition", edition)
    client.force_login(registration.user)
    url = _url(registration)
    assert url.startswith("/mina-sidor/intyg/stockholmstinget/")
    text = _text(client.get(url).content)
    for expected in (
        "Anna Åström",
        "Stockholmstinget 2029",
        "Stockholmstinget, regionens mötesplats för kultur, idrott, folkbildning och föreningsliv",
        "7,5 timmar",
        "Kulturhuset Stadsteatern, Sergels torg, Stockholm",
    ):
        assert expected in text


def test_nobody_else_gets_a_certificate(client, attended_meeting):
    """Not checked in, another person's registration, an unknown kind: all 404, the same."""
    not_there = MeetingRegistrationFactory(meeting=attended_meeting.meeting)
    client.force_login(not_there.user)
    assert client.get(_url(not_there)).status_code == 404
    assert client.get(_url(attended_meeting)).status_code == 404
    unknown = _url(attended_meeting).replace("/dialogmote/", "/okand/")
    client.force_login(attended_meeting.user)
    assert client.get(unknown).status_code == 404
    # The same pk as the other kind of registration is not theirs either.
    assert (
        client.get(_url(attended_meeting).replace("/dialogmote/", "/stockholmstinget/")).status_code
        == 404
    )


def test_anonymous_visitors_are_sent_to_log_in(client, attended_meeting):
    response = client.get(_url(attended_meeting))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_no_cache_keeps_the_certificate(client, attended_meeting):
    """The address is under Mina sidor, which the public cache never stores, and the response
    forbids any cache to keep it."""
    url = _url(attended_meeting)
    assert url.startswith(PRIVATE_PREFIXES)
    assert _url(attended_meeting, "en").startswith(PRIVATE_PREFIXES)
    client.force_login(attended_meeting.user)
    cache_control = client.get(url)["Cache-Control"]
    assert "no-store" in cache_control
    assert "private" in cache_control


def _certificate_links(html: str) -> list[str]:
    return re.findall(r'href="(/mina-sidor/intyg/[^"]+)"', html)


def test_my_pages_link_the_certificate_only_when_checked_in(client):
    user = UserFactory()
    attended = MeetingRegistrationFactory(
        meeting=_held_meeting(), user=user, checked_in_at=timezone.now() - dt.timedelta(days=7)
    )
    MeetingRegistrationFactory(
        meeting=_held_meeting(title="Inte där", series=attended.meeting.series), user=user
    )
    MeetingRegistrationFactory(user=user)  # upcoming, not checked in yet
    past_edition_start = timezone.now() - dt.timedelta(days=3)
    edition_attended = EditionRegistrationFactory(
        edition=EditionFactory(
            starts_at=past_edition_start, ends_at=past_edition_start + dt.timedelta(hours=6)
        ),
        user=user,
        checked_in_at=past_edition_start,
    )
    EditionRegistrationFactory(user=user)
    client.force_login(user)
    with translation.override("sv"):
        html = client.get(reverse("accounts:my_pages")).content.decode()
    assert sorted(_certificate_links(html)) == sorted([_url(attended), _url(edition_attended)])
    assert "Intyg om deltagande (pdf)" in html


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["sv", "en"])
def test_my_pages_with_a_certificate_pass_axe_and_the_link_downloads_it(
    page, live_server, language
):
    """Mina sidor with certificate links passes axe in both languages; the link's name says
    which event it is for, and following it downloads the PDF."""
    from tests.accessibility import axe_violations, describe
    from tests.accounts.test_accessibility import _logged_in

    registration = _attended(
        MeetingRegistrationFactory, "meeting", _held_meeting(), preferred_language=language
    )
    past_start = timezone.now() - dt.timedelta(days=3)
    EditionRegistrationFactory(
        edition=EditionFactory(starts_at=past_start, ends_at=past_start + dt.timedelta(hours=6)),
        user=registration.user,
        checked_in_at=past_start,
    )
    _logged_in(page, live_server, registration.user)
    with translation.override(language):
        page.goto(reverse("accounts:my_pages"))
    assert page.locator("html").get_attribute("lang") == language
    violations = axe_violations(page)
    assert violations == [], describe(violations)
    name, word = {
        "sv": ("Intyg om deltagande (pdf)", "för"),
        "en": ("Certificate of attendance (PDF)", "for"),
    }[language]
    link = page.get_by_role("link", name=f"{name} {word} Kulturskapares arbetsvillkor i länet")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename.endswith("-kulturskapares-arbetsvillkor-i-lanet.pdf")
    with open(download.value.path(), "rb") as pdf:
        assert "Anna Åström" in _text(pdf.read())


def test_without_the_pdf_library_the_certificate_page_says_so_and_never_500s(
    client, attended_meeting, monkeypatch
):
    """A machine without Pango (WeasyPrint's import raises OSError) gets a clear page, 503."""
    import builtins

    real_import = builtins.__import__

    def no_pango(name, *args, **kwargs):
        if name == "weasyprint":
            raise OSError("cannot load library 'libpango-1.0-0'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pango)
    client.force_login(attended_meeting.user)

    response = client.get(_url(attended_meeting))

    assert response.status_code == 503
    assert "Intyget kan inte skapas just nu" in response.content.decode()
    assert response["Content-Type"].startswith("text/html")
