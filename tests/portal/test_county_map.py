"""The tile map of the 26 municipalities: every one placed once, a figure in every tile, and a
data table beside the map with the same figures."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from dialogues.summaries.followup.services import insight_follow_up
from dialogues.summaries.models import InsightStatus
from portal.county_map import STEPS, TILE_POSITIONS, _legend, _step, county_map
from portal.models import Municipality
from tests.accounts.factories import UserFactory
from tests.dialogues.factories import (
    InsightFactory,
    MeetingFactory,
    RegistrationFactory,
    SummaryFactory,
)

pytestmark = pytest.mark.django_db

TILE = re.compile(r'data-municipality="([\w-]+)" data-figure="([^"]*)"')
LABEL = re.compile(r'<a href="[^"]*" aria-label="([^"]+)" class="map-tile')


def _table(body: str, table_id: str) -> dict[str, str]:
    table = body.split(f'id="{table_id}"')[1].split("</table>")[0]
    rows = re.findall(r"<th scope=\"row\"[^>]*>(.*?)</th>\s*<td[^>]*>(.*?)</td>", table, re.S)
    return {re.sub(r"<[^>]+>", "", name).strip(): value.strip() for name, value in rows}


def test_every_municipality_has_one_tile_of_its_own():
    codes = set(Municipality.objects.values_list("code", flat=True))
    assert set(TILE_POSITIONS) == codes
    assert len(set(TILE_POSITIONS.values())) == len(TILE_POSITIONS) == 26


def test_the_scale_puts_zero_apart_and_masked_counts_on_the_first_step():
    assert _step(0, 10) == 0
    assert _step("< 5", 100) == 1
    assert _step(10, 10) == STEPS
    assert _step(1, 10) == 1
    assert [step for step, _range in _legend(8)] == [0, 1, 2, 3, 4]
    assert _legend(8)[1:] == [(1, "1–2"), (2, "3–4"), (3, "5–6"), (4, "7–8")]  # noqa: RUF001


def test_tiles_are_labelled_links_with_their_figures():
    places = list(Municipality.objects.all())
    result = county_map(
        [(m, 4 if m.name == "Södertälje" else 0) for m in places],
        href=lambda m: f"/kommuner/{m.slug}/",
        label=lambda m, n: f"{m.name}: {n} insikter",
    )
    assert len(result.tiles) == 26
    [sodertalje] = [tile for tile in result.tiles if tile.name == "Södertälje"]
    assert sodertalje.label == "Södertälje: 4 insikter"
    assert sodertalje.href == "/kommuner/sodertalje/"
    assert sodertalje.step == STEPS
    assert {tile.step for tile in result.tiles if tile.name != "Södertälje"} == {0}


def _insights() -> dict[str, int]:
    places = {m.name: m for m in Municipality.objects.all()}
    summary = SummaryFactory()
    for name, count in (("Södertälje", 3), ("Norrtälje", 1)):
        for _ in range(count):
            InsightFactory(summary=summary, kind="obstacle").municipalities.add(places[name])
    acted = InsightFactory(summary=summary)
    acted.municipalities.add(places["Solna"])
    insight_follow_up(insight=acted, status=InsightStatus.ACTED_ON, by=None)
    InsightFactory(summary=SummaryFactory(published_at=None)).municipalities.add(places["Nacka"])
    return {"Södertälje": 3, "Norrtälje": 1, "Solna": 1}


@pytest.mark.parametrize("query", ["", "?status=acted_on", "?typ=obstacle"])
def test_the_register_map_and_its_table_show_the_same_figures(client, query):
    """The figures are the published insights per municipality under the current filter."""
    expected = _insights()
    if query == "?status=acted_on":
        expected = {"Solna": 1}
    elif query == "?typ=obstacle":
        expected = {"Södertälje": 3, "Norrtälje": 1}
    body = client.get("/en/insikter/" + query).content.decode()
    names = dict(Municipality.objects.values_list("slug", "name"))
    tiles = {names[slug]: figure for slug, figure in TILE.findall(body)}
    assert len(tiles) == 26
    assert tiles == {name: str(expected.get(name, 0)) for name in names.values()}
    table = _table(body, "insight-map-table")
    assert {name: "0" if value == "none yet" else value for name, value in table.items()} == tiles
    labels = LABEL.findall(body)
    count = expected.get("Norrtälje", 0)
    assert f"Norrtälje: {count} insight{'' if count == 1 else 's'}" in labels


def test_the_reach_map_and_its_table_show_check_ins_under_the_small_number_rule(staff_client):
    places = {m.name: m for m in Municipality.objects.all()}
    day = timezone.localdate() - dt.timedelta(days=5)
    starts = timezone.make_aware(dt.datetime.combine(day, dt.time(17)))
    meeting = MeetingFactory(starts_at=starts, ends_at=starts + dt.timedelta(hours=2))
    for name, count in (("Södertälje", 6), ("Norrtälje", 2)):
        for _ in range(count):
            RegistrationFactory(
                meeting=meeting, user=UserFactory(municipality=places[name]), checked_in_at=starts
            )
    url = reverse("admin:dialogues_meeting_reach")
    body = staff_client.get(url, {"start": day.isoformat(), "end": day.isoformat()}).content
    body = body.decode()
    names = dict(Municipality.objects.values_list("slug", "name"))
    tiles = {names[slug]: figure for slug, figure in TILE.findall(body)}
    assert tiles["Södertälje"] == "6"
    assert tiles["Norrtälje"] == "&lt; 5"
    assert tiles["Solna"] == "0"
    assert _table(body, "reach-map-table") == tiles


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_keyboard_user_reaches_a_tile_by_its_name_and_figure(page):
    """The tiles are links in the tab order, named "Södertälje: 1 insight", and lead to the
    municipality's page."""
    summary = SummaryFactory()
    InsightFactory(summary=summary).municipalities.add(Municipality.objects.get(name="Södertälje"))
    page.goto("/en/insikter/")
    tile = page.get_by_role("link", name="Södertälje: 1 insight", exact=True)
    tile.focus()
    assert tile.evaluate("element => element === document.activeElement")
    page.keyboard.press("Enter")
    page.wait_for_url("**/en/kommuner/sodertalje/")
    assert page.get_by_role("heading", level=1).inner_text() == "Södertälje"
