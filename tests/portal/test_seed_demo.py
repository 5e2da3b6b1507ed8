"""`seed_demo` is idempotent: a second run leaves every table exactly as the first did."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def _snapshot() -> dict[str, list[tuple]]:
    snapshot = {}
    for model in apps.get_models():
        if model._meta.app_label in {"sessions", "admin", "contenttypes", "auth"}:
            continue
        rows = model.objects.order_by("pk").values_list()
        snapshot[model._meta.label] = list(rows)
    return snapshot


def test_seed_demo_twice_gives_the_same_rows():
    call_command("seed_demo")
    first = _snapshot()
    call_command("seed_demo")
    assert _snapshot() == first


def test_seed_demo_loads_themes():
    from portal.models import Theme

    call_command("seed_demo")
    assert Theme.objects.count() >= 5
    assert Theme.objects.filter(name="Barn och unga").exists()
