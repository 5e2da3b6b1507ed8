"""HEAD answers wherever GET does: link checkers, monitors and caches ask with HEAD."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from tests.portal.test_accessibility import PUBLIC_PAGES

pytestmark = pytest.mark.django_db

FEEDS = [
    ("dialogues:meeting_feed", ()),
    ("dialogues:meeting_ics", ("kulturskapares-arbetsvillkor",)),
    ("dialogues:summary_feed", ()),
    ("healthz", ()),
]


def test_head_answers_200_on_every_public_page_and_feed(client):
    call_command("seed_demo")
    refused = []
    for name, args in [*PUBLIC_PAGES, *FEEDS]:
        with translation.override("sv"):
            url = reverse(name, args=args)
        response = client.head(url)
        if response.status_code != 200 or response.content:
            refused.append(f"{url}: {response.status_code}")
    assert refused == []
