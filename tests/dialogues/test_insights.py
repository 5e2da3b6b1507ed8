"""The register of opportunities and obstacles: filters, counts, coverage and open-data exports."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from dialogues.summaries.models import Insight
from portal.models import Municipality
from tests.dialogues.factories import InsightFactory, SummaryFactory

pytestmark = pytest.mark.django_db

REGISTER = reverse("dialogues:insight_list")
CSV = reverse("dialogues:insight_export_csv")
JSON = reverse("dialogues:insight_export_json")


@pytest.fixture
def register(themes, places):
    published = SummaryFactory(title="Publicerad")
    opportunity = InsightFactory(
        summary=published, kind="opportunity", theme=themes["lokaler"], text="Öppna biblioteken"
    )
    opportunity.municipalities.add(places["Norrtälje"])
    obstacle = InsightFactory(
        summary=published, kind="obstacle", theme=themes["unga"], text="Dyra lokaler"
    )
    obstacle.municipalities.add(places["Botkyrka"])
    draft = SummaryFactory(published_at=None, title="Utkastet")
    InsightFactory(summary=draft, text="Hemlig insikt ur utkast", theme=themes["lokaler"])
    return published


def test_register_shows_only_published_insights_with_counts_and_coverage(client, register):
    response = client.get(REGISTER)
    body = response.content.decode()
    assert "Öppna biblioteken" in body
    assert "Dyra lokaler" in body
    assert "Hemlig insikt ur utkast" not in body
    assert "Utkastet" not in body
    assert response.context["total"] == 2
    assert response.context["covered"] == 2
    assert len(response.context["coverage"]) == Municipality.objects.count()


def test_register_filters_combine(client, register):
    response = client.get(REGISTER, {"typ": "obstacle", "kommun": "botkyrka"})
    assert [i.text for i in response.context["page"].object_list] == ["Dyra lokaler"]
    response = client.get(REGISTER, {"typ": "obstacle", "kommun": "norrtalje"})
    assert list(response.context["page"].object_list) == []


def test_bad_register_filters_do_not_fail(client, register):
    assert client.get(REGISTER, {"typ": "monster", "ar": "x", "kommun": "?"}).status_code == 200


def _csv(response, delimiter=";") -> list[dict]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff"), "Excel needs the byte-order mark to read UTF-8"
    return list(csv.DictReader(io.StringIO(text[1:]), delimiter=delimiter))


def test_csv_export_holds_only_published_and_honours_filters(client, register):
    rows = _csv(client.get(CSV))
    assert sorted(r["Text"] for r in rows) == ["Dyra lokaler", "Öppna biblioteken"]
    assert rows[0]["Möte"]
    assert rows[0]["Dialogserie"]
    assert rows[0]["Datum"]
    filtered = _csv(client.get(CSV, {"tema": "lokaler"}))
    assert [r["Text"] for r in filtered] == ["Öppna biblioteken"]
    assert filtered[0]["Kommuner"] == "Norrtälje"


def test_csv_export_is_readable_in_swedish_and_english_excel(client, register, places):
    """Swedish: `;` between fields, Swedish headers and labels; English: `,` and English."""
    obstacle = Insight.objects.get(text="Dyra lokaler")
    obstacle.stakeholder_groups = ["adult_education", "association"]
    obstacle.save()
    obstacle.municipalities.add(places["Norrtälje"], places["Solna"])
    swedish = {r["Text"]: r for r in _csv(client.get(CSV))}["Dyra lokaler"]
    assert swedish["Möjlighet eller hinder"] == "Hinder"
    assert swedish["Aktörsgrupper"] == "Folkbildning, Förening"
    assert swedish["Kommuner"] == "Botkyrka, Norrtälje, Solna"
    english = {r["Text"]: r for r in _csv(client.get("/en" + CSV), delimiter=",")}
    assert english["Dyra lokaler"]["Opportunity or obstacle"] == "Obstacle"
    assert english["Dyra lokaler"]["Stakeholder groups"] == "Adult education, Association"
    # The JSON stays machine-readable: codes, lists.
    data = client.get(JSON).json()["insights"]
    row = next(i for i in data if i["text"] == "Dyra lokaler")
    assert row["kind"] == "obstacle"
    assert row["stakeholder_groups"] == [
        "adult_education",
        "association",
    ]


def test_json_export_holds_only_published_and_honours_filters(client, register):
    data = client.get(JSON).json()
    assert data["count"] == 2
    assert "Hemlig insikt ur utkast" not in client.get(JSON).content.decode()
    data = client.get(JSON, {"typ": "opportunity"}).json()
    assert [i["text"] for i in data["insights"]] == ["Öppna biblioteken"]
    assert data["insights"][0]["kind"] == "opportunity"


@pytest.mark.parametrize("size", [5, 100])
def test_register_query_count_is_flat(client, django_assert_num_queries, size, themes):
    for _ in range(size):
        InsightFactory(theme=themes["lokaler"])
    with django_assert_num_queries(12):
        assert client.get(REGISTER, {"tema": "lokaler"}).status_code == 200


def test_filtered_by_one_municipality_the_register_reports_no_county_coverage(
    client, register, places
):
    """ "2 of 26" about one municipality's insights would read as the county's coverage."""
    page = client.get(REGISTER, {"kommun": "norrtalje"}).content.decode()
    assert "Täckning i länet" not in page
    assert "Kommuner som nämns i insikterna om Norrtälje" in page
    assert "inga än" not in page
    assert "Täckning i länet" in client.get(REGISTER).content.decode()
