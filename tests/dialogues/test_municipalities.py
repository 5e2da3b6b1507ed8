"""A page per municipality (/kommuner/<slug>/) and their index: published things only, counts
of people under the "< 5" rule, a flat number of queries."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dialogues.models import MeetingStatus
from dialogues.summaries.followup.services import insight_follow_up
from dialogues.summaries.models import InsightStatus
from portal.models import Municipality
from tests.accounts.factories import UserFactory
from tests.dialogues.factories import (
    InsightFactory,
    MeetingFactory,
    RegistrantFactory,
    RegistrationFactory,
    SummaryFactory,
)

pytestmark = pytest.mark.django_db


def _page(client, municipality: Municipality, language: str = "sv"):
    prefix = "/en" if language == "en" else ""
    return client.get(f"{prefix}/kommuner/{municipality.slug}/")


def _norrtalje() -> Municipality:
    return Municipality.objects.get(name="Norrtälje")


def test_the_page_shows_what_concerns_the_municipality_and_nothing_unpublished(client):
    norrtalje = _norrtalje()
    solna = Municipality.objects.get(name="Solna")
    MeetingFactory(title="Kultur i Norrtälje").municipalities.add(norrtalje)
    MeetingFactory(
        title="Hemligt utkast", status=MeetingStatus.DRAFT, published_at=None
    ).municipalities.add(norrtalje)
    MeetingFactory(title="Möte i Solna").municipalities.add(solna)
    MeetingFactory(title="Länsgemensamt möte")
    published = SummaryFactory(title="Bibliotek i Roslagen", municipalities=[norrtalje])
    insight = InsightFactory(summary=published, text="Biblioteken kan öppna sina lokaler.")
    insight.municipalities.add(norrtalje)
    insight_follow_up(
        insight=insight, status=InsightStatus.ACTED_ON, response="Vi öppnade lokalerna.", by=None
    )
    draft = SummaryFactory(
        title="Hemlig sammanfattning", published_at=None, municipalities=[norrtalje]
    )
    secret = InsightFactory(summary=draft, text="Utkastets insikt")
    secret.municipalities.add(norrtalje)
    insight_follow_up(
        insight=secret, status=InsightStatus.ACTED_ON, response="Hemligt svar", by=None
    )

    response = _page(client, norrtalje)
    assert response.status_code == 200
    body = response.content.decode()
    for shown in (
        "Kultur i Norrtälje",
        "Länsgemensamt möte",
        "Bibliotek i Roslagen",
        "Biblioteken kan öppna sina lokaler.",
        "Vi öppnade lokalerna.",
    ):
        assert shown in body, shown
    for hidden in (
        "Hemligt utkast",
        "Möte i Solna",
        "Hemlig sammanfattning",
        "Utkastets insikt",
        "Hemligt svar",
    ):
        assert hidden not in body, hidden
    statuses = dict(response.context["briefing"].insight_statuses)
    assert statuses[InsightStatus.ACTED_ON] == 1
    assert response.context["briefing"].insight_total == 1


def test_participation_is_counted_with_the_small_number_rule(client):
    norrtalje = _norrtalje()
    held = MeetingFactory(
        starts_at=timezone.now() - dt.timedelta(days=3),
        ends_at=timezone.now() - dt.timedelta(days=3) + dt.timedelta(hours=2),
    )
    people = [UserFactory(municipality=norrtalje) for _ in range(6)]
    for index, person in enumerate(people):
        RegistrationFactory(
            meeting=held,
            user=person,
            checked_in_at=held.starts_at if index < 2 else None,
        )
    shown = _page(client, norrtalje).context["briefing"].participation.shown()
    assert shown["registrations"] == 6
    assert shown["check_ins"] == "< 5"
    assert shown["first_time"] == "< 5"
    assert shown["meetings"] == 1
    body = _page(client, norrtalje).content.decode()
    assert "&lt; 5" in body
    for person in people:
        assert person.email not in body


def _fill(norrtalje: Municipality, size: int) -> None:
    for index in range(size):
        meeting = MeetingFactory()
        meeting.municipalities.add(norrtalje)
        summary = SummaryFactory(municipalities=[norrtalje])
        insight = InsightFactory(summary=summary, text=f"Insikt {index}")
        insight.municipalities.add(norrtalje)
        RegistrationFactory(meeting=meeting, user=UserFactory(municipality=norrtalje))


def test_the_page_costs_the_same_queries_for_one_row_or_many(client):
    norrtalje = _norrtalje()
    _fill(norrtalje, 1)
    with CaptureQueriesContext(connection) as one:
        assert _page(client, norrtalje).status_code == 200
    _fill(norrtalje, 8)
    with CaptureQueriesContext(connection) as many:
        assert _page(client, norrtalje).status_code == 200
    assert len(one.captured_queries) == len(many.captured_queries)


def test_the_index_lists_all_26_with_counts_at_a_flat_cost(client):
    norrtalje = _norrtalje()
    _fill(norrtalje, 1)
    with CaptureQueriesContext(connection) as one:
        response = client.get(reverse("dialogues:municipality_list"))
    rows = {m.name: m for m in response.context["municipalities"]}
    assert len(rows) == 26
    assert (rows["Norrtälje"].meeting_count, rows["Norrtälje"].summary_count) == (1, 1)
    assert rows["Norrtälje"].insight_count == 1
    assert rows["Solna"].insight_count == 0
    _fill(norrtalje, 5)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("dialogues:municipality_list"))
    assert len(one.captured_queries) == len(many.captured_queries)


def test_an_unknown_municipality_is_not_found(client):
    assert client.get("/kommuner/finns-inte/").status_code == 404


def test_the_alert_button_subscribes_to_the_municipality(client):
    norrtalje = _norrtalje()
    user = RegistrantFactory()
    client.force_login(user)
    body = _page(client, norrtalje, "en").content.decode()
    assert "Follow Norrtälje" in body
    client.post(
        reverse("dialogues:subscription_create"),
        {"kommun": norrtalje.slug, "next": f"/kommuner/{norrtalje.slug}/"},
    )
    assert user.summary_subscriptions.get().municipality == norrtalje


def test_the_register_and_summary_pages_link_to_the_municipality(client):
    norrtalje = _norrtalje()
    summary = SummaryFactory(municipalities=[norrtalje])
    InsightFactory(summary=summary).municipalities.add(norrtalje)
    link = f'/kommuner/{norrtalje.slug}/"'
    assert link in client.get(reverse("dialogues:insight_list")).content.decode()
    assert link in client.get(summary.get_absolute_url()).content.decode()


def test_the_index_map_shows_the_insights_column_of_its_table(client):
    norrtalje = _norrtalje()
    _fill(norrtalje, 3)
    body = client.get(reverse("dialogues:municipality_list")).content.decode()
    tiles = dict(re.findall(r'data-municipality="([\w-]+)" data-figure="([^"]*)"', body))
    table = body.split('id="municipality-map-table"')[1].split("</table>")[0]
    rows = re.findall(r'kommuner/([\w-]+)/">[^<]+</a></th>(?:\s*<td[^>]*>(\d+)</td>){3}', table)
    assert len(tiles) == len(rows) == 26
    assert dict(rows) == tiles
    assert tiles["norrtalje"] == "3"
