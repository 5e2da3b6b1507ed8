"""Full-text search and filters over published summaries and insights (core PostgreSQL only).

Each summary's vector is stored in its own language's configuration (`swedish` or `english`),
so a query is parsed in both and each row is matched and ranked with its own one. The two `@@`
conditions are OR-ed on the same GIN index (a BitmapOr of two index scans).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cached_property, lru_cache

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db.models import Case, F, FloatField, Func, Q, QuerySet, TextField, Value, When
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .models import SEARCH_CONFIGS, Summary, SummaryLanguage

# Characters that cannot occur in a summary's text mark the highlighted words, so the snippet
# can be escaped as a whole and only these marks turned into <mark> afterwards.
MARK_START = "\ue000"
MARK_END = "\ue001"
MAX_QUERY_LENGTH = 200
RANK_WINDOW = 500
# Markdown syntax that means nothing in a plain-text snippet (PostgreSQL regular expressions):
# the markers at the start of a line (heading, quote, list item), then links (kept: their
# label) and emphasis or code marks.
MARKDOWN_LINE_START = r"^[ \t]*(#{1,6}|>|[-+*]|[0-9]+[.)])[ \t]+"
MARKDOWN_INLINE = r"\[([^]]*)\]\([^)]*\)|[*_`]+"
# Built once: constructing fields and expressions per search was a large part of its cost.
FLOAT = FloatField()
TEXT = TextField()


# Web-search syntax beyond plain words: a quoted phrase, an excluded word, "or".
OPERATORS = re.compile(r'"|(?:^|\s)-\w|\s(?:or|OR)\s')
WORD = re.compile(r"\w+\*?")
# Swedish definite and plural endings, longest first. The snowball stemmer leaves many forms
# apart ("biblioteket" and "bibliotek", "mötesplats" and "mötesplatser"), so a query word is
# also matched, as a prefix, by its base without one of these.
SWEDISH_ENDINGS = (
    "arnas", "ernas", "ornas", "arna", "erna", "orna", "ens", "ets", "ars", "ers",
    "en", "et", "er", "ar", "or", "na", "s", "n", "e",
)  # fmt: skip
MIN_BASE = 4


def _swedish_base(word: str) -> str:
    for ending in SWEDISH_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= MIN_BASE:
            return word[: -len(ending)]
    return word


def _word_query(word: str, config: str, swedish: bool) -> SearchQuery:
    """One query word: its stem in the language's configuration, or a word of the text that
    begins with it or with its base (the `simple` lexemes stored beside the stems).
    "bibli*" asks for the prefix alone."""
    prefix = word.endswith("*")
    word = word.rstrip("*").lower()
    bases = {word, _swedish_base(word)} if swedish and not prefix else {word}
    # Only \w characters reach the raw query, so the quoting cannot be broken out of.
    alternatives = [
        SearchQuery(f"'{base}':*", config="simple", search_type="raw") for base in bases
    ]
    if not prefix:
        alternatives.insert(0, SearchQuery(word, config=config, search_type="plain"))
    query = alternatives[0]
    for alternative in alternatives[1:]:
        query |= alternative
    return query


def _normalised(q: str) -> str:
    return (q or "").strip()[:MAX_QUERY_LENGTH]


@lru_cache(maxsize=256)
def _expressions(q: str) -> tuple[dict[str, SearchQuery], Case, Case]:
    """The queries, rank and headline of `q`, built once per query text.

    Expressions are copied when a queryset resolves them, so one instance serves every search
    of the same text; the cache also keeps their compiled identities.
    """
    queries = _queries(q)
    return queries, _rank(queries), _headline(queries)


def _queries(q: str) -> dict[str, SearchQuery]:
    """The query in each summary language: web-search syntax as typed, or, when it is plain
    words, every word matched by its stem or as the prefix of a word in the text."""
    q = _normalised(q)
    words = [] if OPERATORS.search(q) else WORD.findall(q)
    queries = {}
    for language, config in SEARCH_CONFIGS.items():
        query = SearchQuery(q, config=config, search_type="websearch")
        if words:
            swedish = language == SummaryLanguage.SWEDISH
            expanded = _word_query(words[0], config, swedish)
            for word in words[1:]:
                expanded &= _word_query(word, config, swedish)
            query |= expanded
        queries[language] = query
    return queries


def _per_language(expressions: dict[str, object], output_field) -> Case:
    english = SummaryLanguage.ENGLISH
    return Case(
        When(language=english, then=expressions[english]),
        default=expressions[SummaryLanguage.SWEDISH],
        output_field=output_field,
    )


def _rank(queries: dict[str, SearchQuery]) -> Case:
    return _per_language(
        {lang: SearchRank(F("search_vector"), query) for lang, query in queries.items()},
        FLOAT,
    )


def _plain_text() -> Func:
    """The summary's text without its Markdown syntax, for the snippet."""
    # "n": newline-sensitive, so ^ matches at the start of every line.
    lines = Func(
        F("text"),
        Value(MARKDOWN_LINE_START, output_field=TEXT),
        Value("", output_field=TEXT),
        Value("gn", output_field=TEXT),
        function="regexp_replace",
        output_field=TEXT,
    )
    return Func(
        lines,
        Value(MARKDOWN_INLINE, output_field=TEXT),
        Value("\\1", output_field=TEXT),
        Value("g", output_field=TEXT),
        function="regexp_replace",
        output_field=TEXT,
    )


def _headline(queries: dict[str, SearchQuery]) -> Case:
    return _per_language(
        {
            lang: SearchHeadline(
                _plain_text(),
                query,
                config=SEARCH_CONFIGS[lang],
                start_sel=MARK_START,
                stop_sel=MARK_END,
                max_words=35,
                min_words=15,
                max_fragments=2,
                fragment_delimiter=" … ",
            )
            for lang, query in queries.items()
        },
        TEXT,
    )


NEWEST = ("-published_at", "-pk")
# The same order (a listing's time is its summary's), but one the listings' index gives when
# the list is filtered by municipality.
NEWEST_IN_MUNICIPALITY = ("-listings__published_at", "-pk")


def _matches(summaries: QuerySet, queries: dict[str, SearchQuery], newest=NEWEST) -> QuerySet:
    """The matches, newest first: cut to the ranked window by the caller.

    Ranking reads every candidate's vector, so a broad query ("kultur") over a large archive
    would rank tens of thousands of rows per request. Only the newest RANK_WINDOW matches are
    ranked (and counted): plenty for a person paging through results, and bounded in cost.
    """
    matches = Q()
    for language, query in queries.items():
        matches |= Q(language=language, search_vector=query)
    return summaries.filter(matches).order_by(*newest)


def summaries_search(summaries: QuerySet, q: str) -> QuerySet:
    """Summaries matching `q` (web-search syntax), best first, with `rank` and `headline`."""
    queries, rank, headline = _expressions(_normalised(q))
    return (
        summaries.model.objects.filter(
            pk__in=_matches(summaries, queries).values("pk")[:RANK_WINDOW]
        )
        .annotate(rank=rank, headline=headline)
        .order_by("-rank", "-published_at", "-pk")
    )


class RankedSummaries(Sequence):
    """A search's results as the list's Paginator reads them, running the ranked window once.

    The ids and ranks of the whole window come from one query, which gives both the count and
    the order of every page; a page then loads just its own rows, with snippets, by id.
    Counting and paging a ranked queryset instead would run the window's scan twice.
    """

    def __init__(self, summaries: QuerySet, q: str, rows: QuerySet | None = None, newest=NEWEST):
        self._queries, self._rank, self._headline = _expressions(_normalised(q))
        self._summaries = summaries
        self._newest = newest
        # The query that loads a page's rows (select_related, prefetches, deferred columns).
        self._rows = Summary.objects.published() if rows is None else rows

    def window(self) -> QuerySet:
        """(id, rank) of the window's summaries, newest first."""
        matches = _matches(self._summaries, self._queries, self._newest)
        return matches.annotate(rank=self._rank).values_list("pk", "rank")[:RANK_WINDOW]

    @cached_property
    def ids(self) -> list[int]:
        # Ranked here rather than by an outer query, which would look every row up again.
        # The sort is stable, so equal ranks keep the window's newest-first order.
        rows = sorted(self.window(), key=lambda row: -row[1])
        return [pk for pk, _rank in rows]

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index : index + 1 or None][0]
        ids = self.ids[index]
        if not ids:
            return []
        rows = self._rows.filter(pk__in=ids).annotate(rank=self._rank, headline=self._headline)
        by_id = {row.pk: row for row in rows}
        return [by_id[pk] for pk in ids if pk in by_id]


def snippet_html(headline: str) -> SafeString:
    """The headline escaped as a whole, with only the search marks turned into <mark>."""
    text = str(escape(headline or ""))
    text = text.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")
    return mark_safe(text)  # noqa: S308 - escaped above; only our own marks are HTML
