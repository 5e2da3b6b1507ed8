"""The home page: next meetings, the coming Stockholmstinget and the latest summaries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from stockholmstinget.models import EditionStatus
from tests.stockholmstinget.factories import EditionFactory

pytestmark = pytest.mark.django_db


def test_home_shows_the_coming_stockholmstinget_with_a_registration_link(client):
    edition = EditionFactory(title="Stockholmstinget 2031")
    html = client.get("/").content.decode()
    assert "Stockholmstinget 2031" in html
    assert f"/stockholmstinget/{edition.year}/anmalan/" in html


def test_home_leaves_out_past_and_draft_editions(client):
    EditionFactory(
        title="Stockholmstinget förr",
        starts_at=timezone.now() - dt.timedelta(days=400),
        ends_at=timezone.now() - dt.timedelta(days=400) + dt.timedelta(hours=6),
    )
    EditionFactory(title="Stockholmstinget utkast", status=EditionStatus.DRAFT)
    html = client.get("/").content.decode()
    assert "Stockholmstinget förr" not in html
    assert "Stockholmstinget utkast" not in html


def test_pages_name_the_favicon_and_favicon_ico_leads_to_it(client):
    page = client.get("/").content.decode()
    assert 'rel="icon"' in page
    assert "favicon.svg" in page
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("favicon.svg")
    from django.contrib.staticfiles import finders

    assert finders.find("favicon.svg")
