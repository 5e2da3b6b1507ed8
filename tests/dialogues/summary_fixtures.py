"""Fixtures shared by the summary, search, insight, alert and feed tests."""

from __future__ import annotations

import pytest

from portal.models import Municipality, Theme

PLACES = {
    "Norrtälje": ("0188", "norrtalje"),
    "Botkyrka": ("0127", "botkyrka"),
    "Solna": ("0184", "solna"),
}


def place(name: str) -> Municipality:
    """A municipality from the data migration, put back if a transactional test flushed it."""
    code, slug = PLACES[name]
    return Municipality.objects.get_or_create(code=code, defaults={"name": name, "slug": slug})[0]


@pytest.fixture
def themes(db):
    return {
        "lokaler": Theme.objects.create(name="Lokaler och mötesplatser", slug="lokaler"),
        "unga": Theme.objects.create(
            name="Barn och unga", name_en="Children and young people", slug="barn-och-unga"
        ),
    }


@pytest.fixture
def places(db):
    return {name: place(name) for name in PLACES}
