"""A municipality culture officer searches, filters and opens a summary in a real Chromium."""

from __future__ import annotations

import pytest

from portal.models import Theme
from tests.dialogues.factories import InsightFactory, SummaryFactory
from tests.dialogues.summary_fixtures import place

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_officer_searches_filters_and_opens_a_summary(page):
    norrtalje = place("Norrtälje")
    theme = Theme.objects.create(name="Lokaler och mötesplatser", slug="lokaler")
    wanted = SummaryFactory(
        title="Bibliotekens lokaler i Norrtälje",
        text="Kommunerna vill öppna biblioteken.",
        municipalities=[norrtalje],
    )
    wanted.themes.add(theme)
    InsightFactory(summary=wanted, kind="obstacle", theme=theme, text="Lokalerna är för små.")
    SummaryFactory(
        title="Bibliotek i Solna", text="Biblioteken i Solna.", municipalities=[place("Solna")]
    )
    SummaryFactory(title="Hemligt utkast om bibliotek", published_at=None)

    # English labels are the message ids, so the test does not depend on the catalogue.
    page.goto("/en/sammanfattningar/")
    page.get_by_role("textbox", name="Search").fill("biblioteken")
    page.get_by_role("button", name="Show summaries").click()
    results = page.get_by_role("list", name="2 summaries match")
    results_text = page.get_by_role("main").inner_text()
    assert "Hemligt utkast" not in results_text
    assert results.get_by_role("link", name="Bibliotekens lokaler i Norrtälje").is_visible()

    page.get_by_role("combobox", name="Municipality").select_option(label="Norrtälje")
    page.get_by_role("button", name="Show summaries").click()
    assert "kommun=norrtalje" in page.url
    assert "q=biblioteken" in page.url
    assert page.get_by_role("link", name="Bibliotek i Solna").count() == 0

    page.get_by_role("link", name="Bibliotekens lokaler i Norrtälje").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Bibliotekens lokaler i Norrtälje"
    assert page.get_by_role("heading", name="Opportunities and obstacles").is_visible()
    assert page.get_by_text("Lokalerna är för små.").is_visible()
    page.get_by_role("link", name="Summaries about Norrtälje").click()
    assert "kommun=norrtalje" in page.url
