"""Full-text search and filters over published summaries and insights (core PostgreSQL only).

Each summary's vector is stored in its own language's configuration (`swedish` or `english`),
so a query is parsed in both and each row is matched and ranked with its own one. The two `@@`
conditions are OR-ed on the same GIN index (a BitmapOr of two index scans).
"""

from __future__ import annotations

import re

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db.models import Case, F, FloatField, Q, QuerySet, TextField, When
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .models import SEARCH_CONFIGS, SummaryLanguage

# Characters that cannot occur in a summary's text mark the highlighted words, so the snippet
# can be escaped as a whole and only these marks turned into <mark> afterwards.
MARK_START = "\ue000"
MARK_END = "\ue001"
MAX_QUERY_LENGTH = 200
RANK_WINDOW = 500
# Markdown punctuation that means nothing in a plain-text snippet.
MARKDOWN_NOISE = re.compile(r"(^|\s)#{1,6}\s|[*_`>]{1,3}|\[|\]\([^)]*\)")


def _queries(q: str) -> dict[str, SearchQuery]:
    return {
        language: SearchQuery(q, config=config, search_type="websearch")
        for language, config in SEARCH_CONFIGS.items()
    }


def _per_language(expressions: dict[str, object], output_field) -> Case:
    english = SummaryLanguage.ENGLISH
    return Case(
        When(language=english, then=expressions[english]),
        default=expressions[SummaryLanguage.SWEDISH],
        output_field=output_field,
    )


def summaries_search(summaries: QuerySet, q: str) -> QuerySet:
    """Summaries matching `q` (web-search syntax), best first, with `rank` and `headline`."""
    q = (q or "").strip()[:MAX_QUERY_LENGTH]
    queries = _queries(q)
    matches = Q()
    for language, query in queries.items():
        matches |= Q(language=language, search_vector=query)
    rank = _per_language(
        {lang: SearchRank(F("search_vector"), query) for lang, query in queries.items()},
        FloatField(),
    )
    headline = _per_language(
        {
            lang: SearchHeadline(
                "text",
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
        TextField(),
    )
    # Ranking reads every candidate's vector, so a broad query ("kultur") over a large archive
    # would rank tens of thousands of rows per request. Only the newest RANK_WINDOW matches are
    # ranked (and counted): plenty for a person paging through results, and bounded in cost.
    window = summaries.filter(matches).order_by("-published_at", "-pk").values("pk")[:RANK_WINDOW]
    return (
        summaries.model.objects.filter(pk__in=window)
        .annotate(rank=rank, headline=headline)
        .order_by("-rank", "-published_at", "-pk")
    )


def snippet_html(headline: str) -> SafeString:
    """The headline escaped as a whole, with only the search marks turned into <mark>."""
    text = MARKDOWN_NOISE.sub(r"\1", headline or "")
    text = str(escape(text))
    text = text.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")
    return mark_safe(text)  # noqa: S308 - escaped above; only our own marks are HTML


def summaries_filter(summaries: QuerySet, filters: dict) -> QuerySet:
    """Apply the list's filters (`kommun`, `tema`, `serie`, `ar`); they combine with AND."""
    if filters.get("kommun"):
        summaries = summaries.filter(municipalities=filters["kommun"])
    if filters.get("tema"):
        summaries = summaries.filter(themes=filters["tema"])
    if filters.get("serie"):
        summaries = summaries.filter(meeting__series=filters["serie"])
    if filters.get("ar"):
        summaries = summaries.filter(meeting__starts_at__year=filters["ar"])
    return summaries


def insights_filter(insights: QuerySet, filters: dict) -> QuerySet:
    """The register's filters: the list's four, plus `typ` (opportunity or obstacle)."""
    if filters.get("kommun"):
        insights = insights.filter(municipalities=filters["kommun"])
    if filters.get("tema"):
        insights = insights.filter(theme=filters["tema"])
    if filters.get("serie"):
        insights = insights.filter(summary__meeting__series=filters["serie"])
    if filters.get("ar"):
        insights = insights.filter(summary__meeting__starts_at__year=filters["ar"])
    if filters.get("typ"):
        insights = insights.filter(kind=filters["typ"])
    return insights
