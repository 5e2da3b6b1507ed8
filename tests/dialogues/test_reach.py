"""The reach and representation report: figures on a fixture with known counts, the "< 5"
rule, zeros for municipalities nobody came from, the CSV and the staff page."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from dialogues.models import MeetingStatus, RegistrationStatus
from dialogues.reach import MASKED, masked, reach_report
from dialogues.summaries.followup.services import insight_follow_up
from dialogues.summaries.models import InsightStatus
from portal.models import Municipality
from tests.accounts.factories import UserFactory
from tests.dialogues.factories import (
    InsightFactory,
    MeetingFactory,
    RegistrationFactory,
    SummaryFactory,
)

pytestmark = pytest.mark.django_db

START = dt.date(2026, 1, 1)
END = dt.date(2026, 6, 30)
REACH = reverse("admin:dialogues_meeting_reach")


def _at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(17)))


def _meeting(day: dt.date, **kwargs):
    return MeetingFactory(starts_at=_at(day), ends_at=_at(day) + dt.timedelta(hours=2), **kwargs)


@pytest.fixture
def fixture(places):
    """Solna: 7 registered, 6 checked in (1 of them had come before), 1 no-show.
    Botkyrka: 1 checked in. Norrtälje: 1 cancelled only. Plus rows that must not count."""
    solna, botkyrka, norrtalje = places["Solna"], places["Botkyrka"], places["Norrtälje"]
    earlier = _meeting(dt.date(2025, 11, 1))
    spring = _meeting(dt.date(2026, 3, 10), capacity=None)
    summer = _meeting(dt.date(2026, 6, 1), capacity=None)
    draft = _meeting(dt.date(2026, 4, 1), status=MeetingStatus.DRAFT, published_at=None)
    checked = _at(dt.date(2026, 3, 10))

    solna_people = [
        UserFactory(municipality=solna, stakeholder_group="civil_society", sectors=["culture"])
        for _ in range(7)
    ]
    for person in solna_people[:6]:
        RegistrationFactory(meeting=spring, user=person, checked_in_at=checked)
    RegistrationFactory(meeting=spring, user=solna_people[6])  # the no-show
    RegistrationFactory(
        meeting=earlier, user=solna_people[0], checked_in_at=_at(earlier.starts_at.date())
    )
    artist = UserFactory(municipality=botkyrka, stakeholder_group="professional_artist", sectors=[])
    RegistrationFactory(meeting=summer, user=artist, checked_in_at=_at(dt.date(2026, 6, 1)))
    RegistrationFactory(
        meeting=spring,
        user=UserFactory(municipality=norrtalje, stakeholder_group="association"),
        status=RegistrationStatus.CANCELLED,
    )
    RegistrationFactory(meeting=draft, user=UserFactory(municipality=norrtalje))

    published = SummaryFactory(meeting=spring)
    acted = InsightFactory(summary=published, stakeholder_groups=["civil_society"])
    acted.municipalities.add(solna, botkyrka)
    insight_follow_up(insight=acted, status=InsightStatus.ACTED_ON, by=None)
    fresh = InsightFactory(summary=published, stakeholder_groups=["civil_society"])
    fresh.municipalities.add(solna)
    secret = InsightFactory(summary=SummaryFactory(meeting=summer, published_at=None))
    secret.municipalities.add(norrtalje)
    return places


def _row(rows, label):
    return next(row for row in rows if row.label == label)


def test_masking_shows_one_to_four_people_as_under_five():
    assert [masked(n) for n in (0, 1, 4, 5, 12)] == [0, MASKED, MASKED, 5, 12]


def test_the_report_counts_a_known_fixture(fixture):
    report = reach_report(start=START, end=END, now=_at(dt.date(2026, 7, 1)))
    assert report.meetings_held == 2  # the draft and the meeting before the range are left out

    # Every municipality is listed, zeros shown, plus a row for people who gave none.
    labels = [row.label for row in report.municipalities]
    assert set(Municipality.objects.values_list("name", flat=True)) <= set(labels)
    assert len(report.municipalities) == Municipality.objects.count() + 1

    solna = _row(report.municipalities, "Solna").shown()
    assert solna["meetings"] == 1
    assert solna["registrations"] == 7
    assert solna["check_ins"] == 6
    assert solna["no_shows"] == MASKED  # 1
    assert solna["first_time"] == 5
    assert solna["returning"] == MASKED  # 1
    assert solna["insights"] == 2
    assert solna["insights_acted_on"] == 1
    assert solna["insights_new"] == 1

    botkyrka = _row(report.municipalities, "Botkyrka").shown()
    assert botkyrka["registrations"] == MASKED
    assert botkyrka["check_ins"] == MASKED
    assert botkyrka["insights"] == 1
    assert botkyrka["insights_acted_on"] == 1

    # Cancelled and draft-meeting registrations do not count; the draft summary's insight
    # neither: Norrtälje stands out as having no participation.
    norrtalje = _row(report.municipalities, "Norrtälje").shown()
    assert norrtalje["registrations"] == 0
    assert norrtalje["insights"] == 0
    unreached = {row.label for row in report.unreached}
    assert "Norrtälje" in unreached
    assert "Solna" not in unreached
    assert len(unreached) == Municipality.objects.count() - 2

    civil = _row(report.groups, "Civilsamhället").shown()
    assert civil["registrations"] == 7
    assert civil["check_ins"] == 6
    assert civil["insights"] == 2
    culture = _row(report.sectors, "Kultur").shown()
    assert culture["registrations"] == 7
    assert _row(report.sectors, "Inte angivet").shown()["check_ins"] == MASKED  # the artist


def test_a_meeting_not_yet_over_has_no_no_shows(fixture):
    report = reach_report(start=START, end=END, now=_at(dt.date(2026, 3, 10)))
    assert _row(report.municipalities, "Solna").no_shows == 0
    assert report.meetings_held == 0


def test_staff_see_the_report_and_its_csv(staff_client, fixture):
    response = staff_client.get(REACH, {"start": "2026-01-01", "end": "2026-06-30"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Räckvidd och representation" in body
    assert "&lt; 5" in body
    assert "Norrtälje" in body
    assert "css/reach.css" in body
    rows = list(
        csv.reader(
            io.StringIO(
                staff_client.get(
                    REACH, {"start": "2026-01-01", "end": "2026-06-30", "format": "csv"}
                ).content.decode()
            )
        )
    )
    header, data = rows[0], rows[1:]
    solna = dict(
        zip(header, next(r for r in data if r[:2] == ["municipality", "Solna"]), strict=True)
    )
    assert solna["registrations"] == "7"
    assert solna["no_shows"] == MASKED
    assert solna["insights_acted_on"] == "1"
    assert len([r for r in data if r[0] == "municipality"]) == Municipality.objects.count() + 1
    # No name or address of anyone is in the export.
    text = "\n".join(",".join(r) for r in rows)
    assert "@example" not in text


def test_bad_dates_get_a_message_at_the_field(staff_client):
    response = staff_client.get(REACH, {"start": "2026-06-30", "end": "2026-01-01"})
    assert response.status_code == 200
    assert "Slutdatumet får inte vara före startdatumet." in response.content.decode()
    response = staff_client.get(REACH, {"start": "i våras"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Fyll i ett giltigt datum." in body
    assert "i våras" in body


@pytest.mark.parametrize("size", [2, 20])
def test_the_report_query_count_is_flat(staff_client, django_assert_num_queries, size, places):
    meeting = _meeting(dt.date(2026, 3, 10), capacity=None)
    for _ in range(size):
        RegistrationFactory(
            meeting=meeting,
            user=UserFactory(municipality=places["Solna"]),
            checked_in_at=_at(dt.date(2026, 3, 10)),
        )
    # The same queries at either size: none per registration, person or municipality (three
    # of them for the insights by status and Stockholmstinget's editions and registrations).
    with django_assert_num_queries(13):
        assert (
            staff_client.get(REACH, {"start": "2026-01-01", "end": "2026-06-30"}).status_code == 200
        )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_report_page_passes_axe(page, live_server, places):
    """The admin is Swedish (it has no /en/ prefix), so the report is checked in Swedish."""
    from django.conf import settings
    from django.test import Client

    from tests.accessibility import axe_violations, describe
    from tests.conftest import staff_login

    client = Client()
    staff_login(client, UserFactory(is_staff=True, is_superuser=True))
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
    meeting = _meeting(dt.date(2026, 3, 10), capacity=None)
    RegistrationFactory(meeting=meeting, user=UserFactory(municipality=places["Solna"]))
    response = page.goto(f"{live_server.url}{REACH}?start=2026-01-01&end=2026-06-30")
    assert response is not None
    assert response.status == 200
    assert page.locator("html").get_attribute("lang") == "sv"
    assert page.get_by_role("table").first.is_visible()
    violations = axe_violations(page)
    assert violations == [], describe(violations)


def test_the_meeting_list_links_to_the_report(staff_client):
    body = staff_client.get(reverse("admin:dialogues_meeting_changelist")).content.decode()
    assert f'href="{REACH}"' in body
