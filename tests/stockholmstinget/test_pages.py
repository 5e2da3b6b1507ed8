"""The public pages: current edition, any edition, programme, archive and the .ics files."""

import datetime as dt
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone

from stockholmstinget.models import (
    AttendanceMode,
    DocumentationLink,
    DocumentationLinkKind,
    EditionStatus,
    Partner,
    RegistrationStatus,
)
from tests.dialogues.factories import RegistrantFactory
from tests.stockholmstinget.factories import (
    EditionFactory,
    RegistrationFactory,
    SessionFactory,
    SignupFactory,
    SpeakerFactory,
)

STOCKHOLM = ZoneInfo("Europe/Stockholm")

pytestmark = pytest.mark.django_db


def _past(year, **extra):
    starts_at = timezone.now().replace(year=year) - dt.timedelta(days=1)
    return EditionFactory(
        year=year, starts_at=starts_at, ends_at=starts_at + dt.timedelta(hours=6), **extra
    )


def test_current_page_shows_the_coming_edition(client):
    _past(2020)
    coming = EditionFactory(title="Stockholmstinget framåt")
    response = client.get(reverse("stockholmstinget:edition_current"))
    assert response.context["edition"] == coming


def test_current_page_falls_back_to_the_latest_with_its_documentation(client):
    _past(2019)
    latest = _past(
        2020,
        documentation="Tack för i år! Inspelningarna finns nedan.",
        documentation_published_at=timezone.now(),
    )
    DocumentationLink.objects.create(
        edition=latest, title="Inspelning förmiddag", url="https://example.se/film"
    )
    response = client.get(reverse("stockholmstinget:edition_current"))
    assert response.context["edition"] == latest
    assert "Tack för i år!" in response.content.decode()
    assert "Inspelning förmiddag" in response.content.decode()


def test_unpublished_documentation_is_not_shown(client):
    edition = _past(
        2020, documentation="Utkast till dokumentation", documentation_published_at=None
    )
    response = client.get(reverse("stockholmstinget:edition_detail", args=[edition.year]))
    assert "Utkast till dokumentation" not in response.content.decode()


def test_current_page_without_editions_shows_the_placeholder(client):
    response = client.get(reverse("stockholmstinget:edition_current"))
    assert response.status_code == 200
    assert "edition" not in response.context


@pytest.mark.parametrize("year", [1999, 2999])
def test_unknown_year_is_404(client, year):
    EditionFactory(year=2031)
    assert client.get(reverse("stockholmstinget:edition_detail", args=[year])).status_code == 404
    assert client.get(reverse("stockholmstinget:programme", args=[year])).status_code == 404


def test_draft_edition_is_404(client):
    edition = EditionFactory(status=EditionStatus.DRAFT, published_at=None)
    response = client.get(reverse("stockholmstinget:edition_detail", args=[edition.year]))
    assert response.status_code == 404
    assert client.get(reverse("stockholmstinget:edition_current")).context.get("edition") is None


def test_archive_lists_past_editions_only(client):
    old = _past(2019)
    coming = EditionFactory()
    response = client.get(reverse("stockholmstinget:edition_archive"))
    assert list(response.context["editions"]) == [old]
    assert coming.title not in response.content.decode()


def test_programme_shows_slots_tracks_speakers_and_seats_left(client):
    edition = EditionFactory()
    speaker = SpeakerFactory(edition=edition, name="Leila Haddad")
    talk = SessionFactory(edition=edition, title="Folkbildning i hela länet", capacity=12)
    talk.speakers.add(speaker)
    SessionFactory(edition=edition, title="Idrott för unga", track="Spår B", capacity=None)
    for _n in range(11):
        SignupFactory(registration=RegistrationFactory(edition=edition), session=talk)
    # A digital participant takes no seat; a cancelled one frees theirs.
    SignupFactory(
        registration=RegistrationFactory(edition=edition, mode=AttendanceMode.DIGITAL),
        session=talk,
    )
    response = client.get(reverse("stockholmstinget:programme", args=[edition.year]))
    page = response.content.decode()
    [slot] = response.context["slots"]
    assert [s.title for s in slot["sessions"]] == ["Folkbildning i hela länet", "Idrott för unga"]
    assert "Leila Haddad" in page
    assert "1 plats kvar" in page or "1 seat left" in page


def _programme_with(edition, count):
    for index in range(count):
        session = SessionFactory(
            edition=edition,
            starts_at=edition.starts_at + dt.timedelta(minutes=30 * (index // 2)),
            track="Spår A" if index % 2 else "Spår B",
        )
        session.speakers.add(SpeakerFactory(edition=edition))
        SignupFactory(registration=RegistrationFactory(edition=edition), session=session)


def _signed_in_registrant(client, edition) -> None:
    """A registrant who chose every session, logged in (session and user cost queries)."""
    registration = RegistrationFactory(edition=edition, user=RegistrantFactory())
    for session in edition.sessions.all():
        SignupFactory(registration=registration, session=session)
    client.force_login(registration.user)


# Anonymous: edition, sessions with their seats taken, speakers. A registrant adds the login
# session and the user.
PROGRAMME_QUERIES = {"anonymous": 3, "registrant": 5}


@pytest.mark.parametrize("who", PROGRAMME_QUERIES)
@pytest.mark.parametrize("count", [10, 100])
def test_programme_query_count_is_the_same_with_10_and_100_sessions(
    client, django_assert_num_queries, count, who
):
    edition = EditionFactory()
    _programme_with(edition, count)
    if who == "registrant":
        _signed_in_registrant(client, edition)
    url = reverse("stockholmstinget:programme", args=[edition.year])
    with django_assert_num_queries(PROGRAMME_QUERIES[who]):
        response = client.get(url)
    assert len([s for slot in response.context["slots"] for s in slot["sessions"]]) == count


# Anonymous: edition, in-person seats taken, speakers, partners, the archive. A registrant adds
# the login session, the user, their registration and their sessions.
EDITION_QUERIES = {"anonymous": 5, "registrant": 9}


@pytest.mark.parametrize("who", EDITION_QUERIES)
@pytest.mark.parametrize("count", [10, 100])
def test_edition_page_query_count_is_the_same_with_10_and_100_sessions(
    client, django_assert_num_queries, count, who
):
    edition = EditionFactory()
    _programme_with(edition, count)
    if who == "registrant":
        _signed_in_registrant(client, edition)
    with django_assert_num_queries(EDITION_QUERIES[who]):
        response = client.get(reverse("stockholmstinget:edition_detail", args=[edition.year]))
    assert len(response.context["speakers"]) == count
    if who == "registrant":
        assert len(response.context["signups"]) == count


def test_full_programme_ics_parses_back_without_the_stream_link(client):
    edition = EditionFactory()
    SessionFactory(edition=edition, title="Välkommen")
    SessionFactory(
        edition=edition, title="Avslutning", starts_at=edition.ends_at - dt.timedelta(hours=1)
    )
    response = client.get(reverse("stockholmstinget:programme_ics", args=[edition.year]))
    calendar = icalendar.Calendar.from_ical(response.content)
    summaries = [str(event["summary"]) for event in calendar.walk("VEVENT")]
    assert summaries == [edition.title, "Välkommen", "Avslutning"]
    assert edition.stream_url not in response.content.decode()


def test_stream_link_only_for_confirmed_digital_registrants(client):
    edition = EditionFactory()
    stream = edition.stream_url
    assert stream not in client.get(edition.get_absolute_url()).content.decode()
    on_site = RegistrantFactory()
    RegistrationFactory(edition=edition, user=on_site, mode=AttendanceMode.IN_PERSON)
    client.force_login(on_site)
    assert stream not in client.get(edition.get_absolute_url()).content.decode()
    digital = RegistrantFactory()
    RegistrationFactory(edition=edition, user=digital, mode=AttendanceMode.DIGITAL)
    client.force_login(digital)
    page = client.get(edition.get_absolute_url()).content.decode()
    assert stream in page
    # Not in the schema.org data for search engines, though this visitor may see it.
    assert stream not in page.split('type="application/ld+json">')[1].split("</script>")[0]
    cancelled = RegistrantFactory()
    RegistrationFactory(
        edition=edition, user=cancelled, mode="digital", status=RegistrationStatus.CANCELLED
    )
    client.force_login(cancelled)
    assert stream not in client.get(edition.get_absolute_url()).content.decode()
    assert (
        stream
        not in client.get(
            reverse("stockholmstinget:programme", args=[edition.year])
        ).content.decode()
    )


def test_staff_preview_a_draft_edition_that_stays_hidden_from_everyone_else(client):
    """Staff signed in with their second factor read a draft's page and programme with a
    preview notice; others (staff without the second factor too) get 404, and nobody can
    register for it yet."""
    from tests.accounts.factories import UserFactory
    from tests.conftest import staff_login

    draft = EditionFactory(status=EditionStatus.DRAFT, title="Utkast till tinget")
    urls = [
        reverse("stockholmstinget:edition_detail", args=[draft.year]),
        reverse("stockholmstinget:programme", args=[draft.year]),
    ]
    for url in urls:
        assert client.get(url).status_code == 404
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    for url in urls:
        assert client.get(url).status_code == 404
    client.logout()
    staff_login(client, staff)
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200
        assert "utkast och är inte publicerad" in response.content.decode()
    registration = reverse("stockholmstinget:registration", args=[draft.year])
    assert client.get(registration).status_code == 404


def test_an_edition_not_yet_open_says_when_registration_opens(client):
    """Not "registration is not open" with nothing to go on: the day and time, Swedish style."""
    opens = dt.datetime(2031, 8, 1, 9, 0, tzinfo=STOCKHOLM)
    edition = EditionFactory(
        year=2031,
        starts_at=dt.datetime(2031, 11, 20, 9, 0, tzinfo=STOCKHOLM),
        registration_opens_at=opens,
    )
    page = client.get(reverse("stockholmstinget:edition_detail", args=[edition.year]))
    assert "Anmälan öppnar 1 augusti 2031 kl. 09.00." in page.content.decode()
    english = client.get("/en" + reverse("stockholmstinget:edition_detail", args=[2031]))
    assert "Registration opens 1 August 2031 at 09:00." in english.content.decode()


def test_the_edition_page_shows_speakers_photos_and_partners_with_their_alt_text(client):
    edition = EditionFactory()
    SpeakerFactory(
        edition=edition,
        name="Leila Haddad",
        photo="stockholmstinget/speakers/leila.jpg",
        photo_alt="Leila Haddad står i en ljus aula.",
    )
    Partner.objects.create(
        edition=edition,
        name="Stockholmsidrotten",
        url="https://stockholmsidrotten.se/",
        logo="stockholmstinget/partners/idrotten.png",
        logo_alt="Stockholmsidrottens logotyp",
        order=1,
    )
    Partner.objects.create(edition=edition, name="Studieförbunden i Stockholms län", order=2)

    page = client.get(reverse("stockholmstinget:edition_detail", args=[edition.year])).content
    page = page.decode()

    assert 'alt="Leila Haddad står i en ljus aula."' in page
    assert 'alt="Stockholmsidrottens logotyp"' in page
    assert 'href="https://stockholmsidrotten.se/"' in page
    assert "Studieförbunden i Stockholms län" in page
    assert page.index("Stockholmsidrotten") < page.index("Studieförbunden i Stockholms län")
    for img in page.split("<img")[1:]:
        assert 'alt="' in img.split(">")[0]
        assert 'alt=""' not in img.split(">")[0]


def test_a_sessions_recordings_are_in_the_programme_once_the_documentation_is_published(client):
    edition = _past(2018, documentation="Tack för i år.")
    talk = SessionFactory(edition=edition, title="Folkbildning i hela länet")
    DocumentationLink.objects.create(
        edition=edition,
        session=talk,
        title="Filmat: folkbildningspasset",
        url="https://play.example.se/folkbildning",
        kind=DocumentationLinkKind.RECORDING,
    )
    DocumentationLink.objects.create(
        edition=edition, title="Hela dagen i bilder", url="https://play.example.se/dagen"
    )
    programme = reverse("stockholmstinget:programme", args=[edition.year])
    detail = reverse("stockholmstinget:edition_detail", args=[edition.year])

    assert "Filmat: folkbildningspasset" not in client.get(programme).content.decode()

    edition.documentation_published_at = timezone.now()
    edition.save()
    shown = client.get(programme).content.decode()
    assert "Filmat: folkbildningspasset" in shown
    assert 'href="https://play.example.se/folkbildning"' in shown
    about = client.get(detail).content.decode()
    assert "Hela dagen i bilder" in about
    assert "Filmat: folkbildningspasset" not in about


def test_nothing_of_a_draft_session_or_a_draft_edition_reaches_a_public_page(client):
    """A draft session's recording, and a draft edition's partners, stay off every public page
    and calendar file, also after the documentation is published."""
    edition = _past(2017, documentation="Tack.", documentation_published_at=timezone.now())
    draft = SessionFactory(edition=edition, title="Hemligt pass", published=False)
    DocumentationLink.objects.create(
        edition=edition, session=draft, title="Hemlig inspelning", url="https://x.example/h"
    )
    hidden = EditionFactory(status=EditionStatus.DRAFT, published_at=None)
    Partner.objects.create(edition=hidden, name="Hemlig partner", url="https://x.example/p")
    pages = [
        reverse("stockholmstinget:edition_current"),
        reverse("stockholmstinget:edition_archive"),
        reverse("stockholmstinget:edition_detail", args=[edition.year]),
        reverse("stockholmstinget:programme", args=[edition.year]),
        reverse("stockholmstinget:programme_ics", args=[edition.year]),
        reverse("stockholmstinget:edition_detail", args=[hidden.year]),
        reverse("stockholmstinget:programme", args=[hidden.year]),
    ]
    for url in pages:
        text = client.get(url).content.decode()
        for secret in ("Hemlig inspelning", "x.example", "Hemlig partner", "Hemligt pass"):
            assert secret not in text, (url, secret)
