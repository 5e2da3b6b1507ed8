"""Fixtures shared by the summary, search, insight, alert and feed tests."""

from __future__ import annotations

import pytest

from portal.models import Municipality, Theme
from tests.accounts.factories import UserFactory

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
def staff_client(client, monkeypatch):
    # The second-factor requirement is the accounts app's and is tested there.
    monkeypatch.setattr(
        "accounts.admin_site.staff_may_use_admin",
        lambda request: request.user.is_active and request.user.is_staff,
    )
    user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    client.user = user
    return client


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
