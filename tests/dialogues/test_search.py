"""Summary list: Swedish full-text search, ranking, snippets, filters, pagination, query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from dialogues.summaries.models import Summary
from dialogues.summaries.search import summaries_search
from dialogues.summaries.services import summary_index, summary_publish
from tests.accounts.factories import UserFactory
from tests.dialogues.factories import InsightFactory, MeetingFactory, SummaryFactory

pytestmark = pytest.mark.django_db

LIST = reverse("dialogues:summary_list")


def _titles(response) -> list[str]:
    return [summary.title for summary in response.context["page"].object_list]


def test_swedish_stemming_finds_inflected_forms(client):
    """Searching "kommunerna" finds a summary that only says "kommun"."""
    SummaryFactory(title="Möte", text="Varje kommun behöver en kulturplan.")
    SummaryFactory(title="Annat", text="Scenkonst för unga.")
    assert _titles(client.get(LIST, {"q": "kommunerna"})) == ["Möte"]


def test_english_summary_uses_english_configuration(client):
    SummaryFactory(title="Libraries", text="The libraries opened their rooms.", language="en")
    assert _titles(client.get(LIST, {"q": "library"})) == ["Libraries"]


def test_title_match_ranks_above_body_match(client):
    """A word in the title outranks the same word in the text, whatever the dates."""
    SummaryFactory(title="Samtal i länet", text="Biblioteken som mötesplatser.")
    older = timezone.now() - dt.timedelta(days=30)
    SummaryFactory(title="Biblioteken", text="Samtal i länet.", published_at=older)
    assert _titles(client.get(LIST, {"q": "bibliotek"})) == ["Biblioteken", "Samtal i länet"]


def test_insights_are_searchable():
    summary = SummaryFactory(title="Möte", text="Allmänt samtal.")
    InsightFactory(summary=summary, text="Hörslingor saknas i samlingslokalerna.")
    summary_index(summary=summary)
    assert list(summaries_search(Summary.objects.published(), "hörslinga")) == [summary]


def test_snippet_highlights_and_escapes_everything_else(client):
    """Only the highlight marks are HTML; anything in the text is escaped."""
    SummaryFactory(text='Om <b onclick="x()">lokaler</b> & <script>alert(1)</script> i länet.')
    body = client.get(LIST, {"q": "lokaler"}).content.decode()
    assert "<mark>lokaler</mark>" in body
    assert "<script>alert" not in body
    assert 'onclick="x()"' not in body


def test_snippet_leaves_out_markdown_syntax(client):
    SummaryFactory(
        text=(
            "## Det vi hörde\n\n"
            "- Föreningarna vill ha **fler lokaler** på kvällarna.\n"
            "1. Läs [planen för lokaler](https://example.se/plan) och `anteckningarna`."
        )
    )
    snippet = str(client.get(LIST, {"q": "lokaler"}).context["page"].object_list[0].snippet)
    assert "<mark>lokaler</mark>" in snippet
    assert "planen för <mark>lokaler</mark>" in snippet
    for syntax in ("##", "- ", "1. ", "**", "](", "https://", "`"):
        assert syntax not in snippet, syntax


def test_drafts_never_in_results_or_snippets(client):
    SummaryFactory(published_at=None, title="Hemligt utkast", text="Lokaler utkast hemlighet.")
    response = client.get(LIST, {"q": "utkast"})
    assert _titles(response) == []
    assert "Hemligt utkast" not in response.content.decode()
    assert "Hemligt utkast" not in client.get(LIST).content.decode()


def test_filters_combine_and_stay_in_the_url(client, themes, places):
    """kommun, tema, serie and ar narrow the list together and survive paging links."""
    match = SummaryFactory(title="Träff", municipalities=[places["Norrtälje"]])
    match.themes.add(themes["lokaler"])
    SummaryFactory(title="Bara kommun", municipalities=[places["Norrtälje"]])
    only_theme = SummaryFactory(title="Bara tema")
    only_theme.themes.add(themes["lokaler"])
    earlier = SummaryFactory(
        title="Förra året",
        published_at=timezone.now() - dt.timedelta(days=300),
        meeting=MeetingFactory(
            series=match.meeting.series, starts_at=timezone.now() - dt.timedelta(days=400)
        ),
        municipalities=[places["Norrtälje"]],
    )
    earlier.themes.add(themes["lokaler"])
    year = match.meeting.starts_at.year
    params = {"kommun": "norrtalje", "tema": "lokaler", "serie": match.meeting.series.slug}
    assert _titles(client.get(LIST, params)) == ["Träff", "Förra året"]
    response = client.get(LIST, {**params, "ar": year})
    assert _titles(response) == ["Träff"]
    assert "kommun=norrtalje" in response.context["query"]
    assert _titles(client.get(LIST, {**params, "ar": earlier.meeting.starts_at.year})) == [
        "Förra året"
    ]


def test_year_is_the_meetings_local_year_set_on_publishing(client):
    """A meeting that began just after midnight on New Year's Day, Swedish time, is of the new
    year, though it is still the old one in UTC."""
    new_years_night = dt.datetime(2024, 12, 31, 23, 30, tzinfo=dt.UTC)
    summary = SummaryFactory(
        title="Nyårsmöte", published_at=None, meeting=MeetingFactory(starts_at=new_years_night)
    )
    summary_publish(summary=summary, by=UserFactory(is_staff=True))
    assert _titles(client.get(LIST, {"ar": 2025})) == ["Nyårsmöte"]
    assert _titles(client.get(LIST, {"ar": 2025, "q": "nyårsmöte"})) == ["Nyårsmöte"]
    assert _titles(client.get(LIST, {"ar": 2024})) == []


def test_a_published_summary_must_have_its_year():
    summary = SummaryFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Summary.objects.filter(pk=summary.pk).update(meeting_year=None)


def test_kommun_filter_follows_the_municipalities_on_reindexing(client, places):
    """The filter reads the copy `summary_index` writes, as admin does after each save."""
    summary = SummaryFactory(title="Flyttad", municipalities=[places["Solna"]])
    summary.municipalities.set([places["Norrtälje"]])
    summary_index(summary=summary)
    for params in ({}, {"q": "flyttad"}):
        assert _titles(client.get(LIST, {**params, "kommun": "norrtalje"})) == ["Flyttad"]
        assert _titles(client.get(LIST, {**params, "kommun": "solna"})) == []


def test_bad_filter_values_are_ignored_not_errors(client):
    SummaryFactory(title="Finns")
    response = client.get(LIST, {"kommun": "atlantis", "tema": "x", "ar": "tjugo", "serie": "?"})
    assert response.status_code == 200
    assert _titles(response) == ["Finns"]


def test_empty_state_when_nothing_matches(client):
    SummaryFactory()
    body = client.get(LIST, {"q": "zebra"}).content.decode()
    assert "empty-state" in body


def test_pagination_keeps_the_search(client):
    for n in range(12):
        SummaryFactory(title=f"Lokaler {n}")
    response = client.get(LIST, {"q": "lokaler", "sida": 2})
    assert len(response.context["page"].object_list) == 2
    assert "q=lokaler" in response.content.decode()


def _populate(size, themes, places):
    meeting_start = timezone.now() - dt.timedelta(days=5)
    for n in range(size):
        summary = SummaryFactory(
            title=f"Lokaler {n}",
            meeting=MeetingFactory(starts_at=meeting_start),
            municipalities=[places["Solna"]],
        )
        summary.themes.add(themes["lokaler"])


@pytest.mark.parametrize("size", [5, 100])
def test_list_query_count_is_flat(client, django_assert_num_queries, size, themes, places):
    """The list with search and filters costs the same queries at 5 and at 100 summaries."""
    _populate(size, themes, places)
    year = (timezone.now() - dt.timedelta(days=5)).year
    with django_assert_num_queries(9):
        response = client.get(
            LIST, {"q": "lokaler", "kommun": "solna", "tema": "lokaler", "ar": year}
        )
    assert response.status_code == 200
    assert response.context["page"].object_list


@pytest.mark.parametrize("size", [5, 100])
def test_plain_list_query_count_is_flat(client, django_assert_num_queries, size, themes, places):
    _populate(size, themes, places)
    with django_assert_num_queries(7):
        assert client.get(LIST).status_code == 200


@pytest.mark.parametrize(
    ("query", "text"),
    [
        # The stemmer gives "mötesplat" and "mötesplats": the word as written is a prefix.
        ("mötesplats", "Biblioteken är viktiga mötesplatser i länet."),
        ("mötesplatser", "Biblioteken är viktiga mötesplatser i länet."),
        # "biblioteket" is matched by its base without the definite ending.
        ("biblioteket", "Ett bibliotek i varje kommun."),
        ("bibliotek", "Ett bibliotek i varje kommun."),
        ("enprocentsregel", "Kommunen följer enprocentsregeln för konst."),
        ("enprocentsregeln", "Kommunen följer enprocentsregeln för konst."),
        # An explicit prefix.
        ("bibli*", "Ett bibliotek i varje kommun."),
        ("BIBLI*", "Ett bibliotek i varje kommun."),
        # Several words must all match, each in any of its forms.
        ("biblioteket mötesplats", "Biblioteket är en mötesplats."),
    ],
)
def test_common_swedish_forms_find_the_summary(client, query, text):
    SummaryFactory(title="Möte", text=text)
    SummaryFactory(title="Annat", text="Scenkonst för unga i Norrtälje.")
    assert _titles(client.get(LIST, {"q": query})) == ["Möte"]


def test_theme_municipality_and_series_names_are_searchable(client, themes, places):
    """A summary tagged "Kulturskapares villkor" is found by "kulturskapare", by its
    municipality and by its series, though its text names none of them."""
    from portal.models import Theme

    theme = Theme.objects.create(name="Kulturskapares villkor", slug="kulturskapares-villkor")
    summary = SummaryFactory(
        title="Möte",
        text="Allmänt samtal.",
        municipalities=[places["Botkyrka"]],
        meeting__series__name="Dialog med professionella konstnärer",
    )
    summary.themes.add(theme)
    summary_index(summary=summary)
    SummaryFactory(title="Annat", text="Scenkonst för unga.")
    for query in ("kulturskapare", "kulturskapares villkor", "botkyrka", "professionella"):
        assert _titles(client.get(LIST, {"q": query})) == [summary.title], query


def test_web_search_syntax_still_works(client):
    SummaryFactory(title="Båda", text="Bibliotek och idrott.")
    SummaryFactory(title="Bara bibliotek", text="Ett bibliotek.")
    assert _titles(client.get(LIST, {"q": "bibliotek -idrott"})) == ["Bara bibliotek"]
    assert _titles(client.get(LIST, {"q": '"bibliotek och idrott"'})) == ["Båda"]


@pytest.mark.parametrize("query", ["'", "a:*", "bibli**", "!(", "&|", "-", "*", "':* | x"])
def test_odd_queries_are_no_error(client, query):
    SummaryFactory(title="Möte", text="Ett bibliotek.")
    assert client.get(LIST, {"q": query}).status_code == 200
