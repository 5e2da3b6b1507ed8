"""Stockholmstinget beside the dialogue meetings in the reach report, through the core's
registry of event kinds (dialogues never imports stockholmstinget)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from dialogues.reach import MASKED, reach_report
from portal.models import Municipality
from portal.registrations.reach import reach_sources
from stockholmstinget.models import AttendanceMode, EditionStatus, RegistrationStatus
from tests.accounts.factories import UserFactory
from tests.stockholmstinget.factories import EditionFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

START, END = dt.date(2026, 1, 1), dt.date(2026, 12, 31)
NOW = dt.datetime(2027, 1, 10, 12, tzinfo=dt.UTC)


def _edition(year: int, day: dt.date, **kwargs):
    starts = timezone.make_aware(dt.datetime.combine(day, dt.time(9)))
    return EditionFactory(
        year=year, starts_at=starts, ends_at=starts + dt.timedelta(hours=7), **kwargs
    )


@pytest.fixture
def editions():
    """2026: Solna 6 registered (5 checked in), Botkyrka 2 (by profile), 1 cancelled in
    Norrtälje; a draft edition and one from 2025 that must not count."""
    places = {m.name: m for m in Municipality.objects.all()}
    tinget = _edition(2026, dt.date(2026, 11, 19))
    checked = tinget.starts_at + dt.timedelta(minutes=10)
    for index in range(6):
        RegistrationFactory(
            edition=tinget,
            municipality=places["Solna"],
            checked_in_at=checked if index < 5 else None,
        )
    for _ in range(2):
        RegistrationFactory(
            edition=tinget,
            user=UserFactory(municipality=places["Botkyrka"]),
            mode=AttendanceMode.DIGITAL,
        )
    RegistrationFactory(
        edition=tinget, municipality=places["Norrtälje"], status=RegistrationStatus.CANCELLED
    )
    draft = _edition(2027, dt.date(2026, 12, 1), status=EditionStatus.DRAFT, published_at=None)
    RegistrationFactory(edition=draft, municipality=places["Norrtälje"])
    RegistrationFactory(edition=_edition(2025, dt.date(2025, 11, 20)), municipality=places["Solna"])
    return places


def test_stockholmstinget_is_a_registered_kind_of_event():
    assert "stockholmstinget" in [source.key for source in reach_sources()]


def test_the_report_shows_stockholmstinget_per_municipality(editions):
    report = reach_report(start=START, end=END, now=NOW)
    [(_source, figures)] = [(s, f) for s, f in report.sources if s.key == "stockholmstinget"]
    assert figures.events == 1
    rows = {row.label: row for row in report.alongside()}
    assert len(rows) == Municipality.objects.count() + 1
    bar, check_ins = rows["Solna"].others[0]
    assert (bar.shown, check_ins) == (6, 5)
    assert bar.percent == 100
    bar, check_ins = rows["Botkyrka"].others[0]
    assert (bar.shown, check_ins) == (MASKED, 0)
    bar, check_ins = rows["Norrtälje"].others[0]
    assert (bar.shown, bar.percent, check_ins) == (0, 0, 0)


def test_the_page_and_the_csv_carry_the_same_stockholmstinget_figures(staff_client, editions):
    url = reverse("admin:dialogues_meeting_reach")
    body = staff_client.get(url, {"start": "2026-01-01", "end": "2026-12-31"}).content.decode()
    table = body.split('id="reach-alongside-table"')[1].split("</table>")[0]
    assert "Stockholmstinget" in table
    solna = table.split('<th scope="row">Solna</th>')[1].split("</tr>")[0]
    assert 'reach-bar-figure">6<' in solna
    assert "<td>5</td>" in solna
    response = staff_client.get(url, {"start": "2026-01-01", "end": "2026-12-31", "format": "csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[
        next(i for i, r in enumerate(rows) if r[:2] == ["stockholmstinget_municipality", "Solna"])
    ][:5] == ["stockholmstinget_municipality", "Solna", "", "6", "5"]
    botkyrka = next(r for r in rows if r[:2] == ["stockholmstinget_municipality", "Botkyrka"])
    assert botkyrka[3] == MASKED


def test_dialogues_does_not_import_stockholmstinget():
    """The report learns of editions only through the core's registry: no module of
    dialogues has an import line naming stockholmstinget."""
    root = Path(__file__).resolve().parents[2]
    offenders = [
        path
        for path in (root / "dialogues").rglob("*.py")
        if "stockholmstinget"
        in "\n".join(
            line
            for line in path.read_text().splitlines()
            if line.strip().startswith(("import ", "from "))
        )
    ]
    assert offenders == []
