"""The county's 26 municipalities, with their official codes, come from the data migration."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from portal.models import Municipality

pytestmark = pytest.mark.django_db

DATA_FILE = Path(__file__).resolve().parents[2] / "portal" / "data" / "municipalities.csv"


def test_all_26_municipalities_are_loaded_with_their_codes():
    with DATA_FILE.open(encoding="utf-8") as fh:
        expected = {row["code"]: row["name"] for row in csv.DictReader(fh)}
    loaded = dict(Municipality.objects.values_list("code", "name"))
    assert len(loaded) == 26
    assert loaded == expected


@pytest.mark.parametrize(
    ("code", "name", "slug"),
    [
        ("0180", "Stockholm", "stockholm"),
        ("0181", "Södertälje", "sodertalje"),
        ("0117", "Österåker", "osteraker"),
        ("0139", "Upplands-Bro", "upplands-bro"),
        ("0192", "Nynäshamn", "nynashamn"),
    ],
)
def test_official_codes_and_ascii_slugs(code, name, slug):
    municipality = Municipality.objects.get(code=code)
    assert (municipality.name, municipality.slug) == (name, slug)
