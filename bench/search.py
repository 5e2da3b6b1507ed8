"""Summary search: 100,000 published Swedish summaries, 200 varied searches.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/benchsearch python -m bench.search

Generates the summaries (fixed seed; meetings, insights, municipalities and themes included) in a
database of its own (`bench_search`, or the name in BENCH_DATABASE; created next to
DATABASE_URL's and dropped afterwards unless --keep), writes the stored search vectors exactly
as `summary_index` does, then times 200 searches (single words, inflected forms, phrases, OR,
negation, with and without filters):

- SQL: the list's queries for the first page: the ranked window's ids (which give the count),
  then the page's 10 rows with snippets and the cards' prefetches;
- page: the whole /sammanfattningar/?q=... response through the Django test client.

It prints median and p95 of both and the plans of two searches: a specific word, which must use
the GIN index, and a common word in one year.
Targets: SQL p95 < 20 ms, page p95 < 100 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]
if str(BASE_DIR) not in sys.path:
    sys.path.insert(0, str(BASE_DIR))

SEED = 20191114
SQL_TARGET_MS = 20
PAGE_TARGET_MS = 100
# A specific word (a few hundred matches), as most searches are: its plan must use the GIN
# index. And a common word in one year, the slow case before the year was on the summary.
EXAMPLE = (("q", "festivalbussen"),)
COMMON_IN_YEAR = (("q", "kommun"), ("ar", "2024"))

PLACES = [
    "Stockholm", "Södertälje", "Norrtälje", "Botkyrka", "Haninge", "Nacka", "Järfälla",
    "Huddinge", "Värmdö", "Nynäshamn", "Sigtuna", "Täby", "Solna", "Sundbyberg", "Lidingö",
]  # fmt: skip
SUBJECTS = [
    "Föreningarna", "Kulturskolan", "Biblioteken", "Studieförbunden", "Konstnärerna",
    "Kommunerna", "Hembygdsföreningarna", "Fritidsgårdarna", "Musikerna", "Scenkonstnärerna",
    "Ungdomarna", "Pensionärsföreningarna", "Folkhögskolorna", "Kulturhusen", "Museerna",
]  # fmt: skip
VERBS = [
    "efterfrågar", "saknar", "vill utveckla", "behöver", "lyfte fram", "planerar",
    "samarbetar kring", "beskrev", "önskar mer stöd för", "har svårt att hitta",
]  # fmt: skip
OBJECTS = [
    "lokaler för repetition", "ateljéer till rimlig hyra", "kollektivtrafik till kvällsevenemang",
    "digitala mötesplatser", "bidrag till små föreningar", "tillgängliga entréer och hörslingor",
    "samverkan med skolan", "offentlig konst i nya bostadsområden", "läsfrämjande insatser",
    "sommarlovsaktiviteter för barn och unga", "scener för unga musiker",
    "studiecirklar på landsbygden",
    "kulturarv och hembygdsgårdar", "arvoden för konstnärer", "festivaler i skärgården",
    "filmvisningar i glesbygden", "dans för äldre", "översättning och teckenspråkstolkning",
]  # fmt: skip
ENDINGS = [
    "Det behövs långsiktiga avtal.", "Frågan tas med till den regionala kulturplanen.",
    "Flera deltagare delade goda exempel.", "Avstånden i länet gör det svårare.",
    "Kommunen och regionen bör samverka.", "Ideella krafter bär mycket av arbetet.",
]  # fmt: skip
TITLES = [
    "Dialog om {obj} i {place}", "{subject} i {place} om {obj}", "Kommundialog: {obj}",
    "Samtal om {obj}", "Kulturens villkor i {place}",
]  # fmt: skip
# Compounds make the long tail of real text (place names, projects, venues): a few hundred
# summaries share each of them, where the common words above occur in a third of all summaries.
PREFIXES = [
    "kultur", "förenings", "biblioteks", "konst", "musik", "dans", "teater", "film", "läs",
    "hembygds", "skärgårds", "ungdoms", "studie", "folkbildnings", "scen", "ateljé", "festival",
    "musei", "slöjd", "körsång", "poesi", "cirkus", "graffiti", "orkester", "litteratur",
]  # fmt: skip
SUFFIXES = [
    "projektet", "satsningen", "verkstaden", "lokalen", "nätverket", "stipendiet", "bussen",
    "veckan", "kvällen", "skolan", "rådet", "fonden", "gården", "dagen", "resan", "planen",
    "piloten", "kollektivet", "labbet", "caféet",
]  # fmt: skip
COMPOUNDS = [prefix + suffix for prefix in PREFIXES for suffix in SUFFIXES]
QUERY_WORDS = [
    "lokaler", "lokalerna", "ateljé", "kollektivtrafiken", "bibliotek", "biblioteket",
    "kommunerna", "kommun", "festival", "festivalerna", "studiecirkel", "hembygdsgård",
    "arvode", "konstnärer", "teckenspråkstolkning", "hörslinga", "skärgården", "glesbygd",
    "dans", "filmvisning", "musikerna", "museer", "fritidsgård", "folkhögskola", "kulturarv",
]  # fmt: skip
QUERY_FORMS = [
    "{a}", "{a} {b}", '"{phrase}"', "{a} or {b}", "{a} -{b}", "{place} {a}", "{a} {b} {c}",
]  # fmt: skip


def sentence(rng: random.Random) -> str:
    return (
        f"{rng.choice(SUBJECTS)} i {rng.choice(PLACES)} {rng.choice(VERBS)} "
        f"{rng.choice(OBJECTS)}. {rng.choice(ENDINGS)}"
    )


def summary_text(rng: random.Random) -> str:
    paragraphs = [" ".join(sentence(rng) for _ in range(rng.randint(2, 4))) for _ in range(3)]
    first, second = rng.sample(COMPOUNDS, 2)
    paragraphs.append(f"Deltagarna berättade om {first} i {rng.choice(PLACES)} och om {second}.")
    return "\n\n".join(paragraphs)


def queries(rng: random.Random, count: int) -> list[tuple[str, dict]]:
    out = []
    for index in range(count):
        # Two searches in three look for something specific, one in three for a common word.
        words = COMPOUNDS if index % 3 else QUERY_WORDS
        a, b, c = rng.sample(words, 3)
        text = rng.choice(QUERY_FORMS).format(
            a=a, b=b, c=c, place=rng.choice(PLACES), phrase=rng.choice(OBJECTS)
        )
        # Every fourth search also filters by a municipality, every fifth by a year.
        params = {"q": text}
        if index % 4 == 0:
            params["kommun"] = rng.choice(PLACES).lower().replace("ä", "a").replace("ö", "o")
        if index % 5 == 0:
            params["ar"] = str(rng.choice([2023, 2024, 2025]))
        out.append((text, params))
    return out


def generate(total: int) -> None:
    import datetime as dt

    from django.db import connection, transaction
    from django.utils import timezone

    from dialogues.models import DialogueSeries, Meeting
    from dialogues.summaries.models import Insight, Summary
    from dialogues.summaries.services import summary_meeting_year
    from portal.models import Municipality, Theme

    rng = random.Random(SEED)
    series = [
        DialogueSeries.objects.get_or_create(slug=f"bench-{n}", defaults={"name": f"Serie {n}"})[0]
        for n in range(3)
    ]
    themes = list(Theme.objects.all()) or [
        Theme.objects.create(name=f"Tema {n}", slug=f"tema-{n}") for n in range(6)
    ]
    municipalities = list(Municipality.objects.all())
    start = timezone.now() - dt.timedelta(days=3 * 365)
    batch = 5_000
    for offset in range(0, total, batch):
        with transaction.atomic():
            meetings, summaries = [], []
            for n in range(offset, min(offset + batch, total)):
                starts = start + dt.timedelta(minutes=15 * n)
                meetings.append(
                    Meeting(
                        series=rng.choice(series),
                        title=f"Dialogmöte {n}",
                        slug=f"bench-mote-{n}",
                        starts_at=starts,
                        ends_at=starts + dt.timedelta(hours=2),
                        status="published",
                        published_at=starts,
                    )
                )
            Meeting.objects.bulk_create(meetings)
            for meeting in meetings:
                title = rng.choice(TITLES).format(
                    obj=rng.choice(OBJECTS), place=rng.choice(PLACES), subject=rng.choice(SUBJECTS)
                )
                summaries.append(
                    Summary(
                        meeting=meeting,
                        title=title,
                        slug=f"sammanfattning-{meeting.slug}",
                        text=summary_text(rng),
                        published_at=meeting.ends_at + dt.timedelta(days=7),
                        meeting_year=summary_meeting_year(meeting=meeting),
                    )
                )
            Summary.objects.bulk_create(summaries)
            insights, tags, topics = [], [], []
            for summary in summaries:
                for position in range(rng.randint(1, 3)):
                    insights.append(
                        Insight(
                            summary=summary,
                            kind=rng.choice(["opportunity", "obstacle"]),
                            text=sentence(rng),
                            theme=rng.choice(themes),
                            position=position,
                        )
                    )
                for municipality in rng.sample(municipalities, rng.randint(1, 3)):
                    tags.append(
                        Summary.municipalities.through(
                            summary_id=summary.pk, municipality_id=municipality.pk
                        )
                    )
                topics.append(
                    Summary.themes.through(summary_id=summary.pk, theme_id=rng.choice(themes).pk)
                )
            Insight.objects.bulk_create(insights)
            Summary.municipalities.through.objects.bulk_create(tags)
            Summary.themes.through.objects.bulk_create(topics)
        print(f"  generated {min(offset + batch, total):,} summaries", flush=True)
    # What summary_index writes (the vector: title A, text and names B, insights C, each in
    # `swedish` and as written in `simple`; the listings), for all rows at once.
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH parts AS (
                SELECT s.id, s.title,  s.text,
                    concat_ws(' ', ser.name,
                        (SELECT string_agg(concat_ws(' ', t.name, nullif(t.name_en, '')), ' ')
                         FROM dialogues_summary_themes st JOIN portal_theme t ON t.id = st.theme_id
                         WHERE st.summary_id = s.id),
                        (SELECT string_agg(m.name, ' ')
                         FROM dialogues_summary_municipalities sm
                         JOIN portal_municipality m ON m.id = sm.municipality_id
                         WHERE sm.summary_id = s.id)) AS names,
                    coalesce((SELECT string_agg(i.text, ' ') FROM dialogues_insight i
                              WHERE i.summary_id = s.id), '') AS insights
                FROM dialogues_summary s
                JOIN dialogues_meeting mt ON mt.id = s.meeting_id
                JOIN dialogues_dialogueseries ser ON ser.id = mt.series_id
            )
            UPDATE dialogues_summary s SET search_vector =
                setweight(to_tsvector('swedish', p.title), 'A')
                || setweight(to_tsvector('simple', p.title), 'A')
                || setweight(to_tsvector('swedish', p.text), 'B')
                || setweight(to_tsvector('simple', p.text), 'B')
                || setweight(to_tsvector('swedish', p.names), 'B')
                || setweight(to_tsvector('simple', p.names), 'B')
                || setweight(to_tsvector('swedish', p.insights), 'C')
                || setweight(to_tsvector('simple', p.insights), 'C')
            FROM parts p WHERE p.id = s.id
            """
        )
        cursor.execute(
            """
            INSERT INTO dialogues_summarylisting (summary_id, municipality_id, published_at)
            SELECT t.summary_id, t.municipality_id, s.published_at
            FROM dialogues_summary_municipalities t
            JOIN dialogues_summary s ON s.id = t.summary_id
            """
        )
        cursor.execute("VACUUM ANALYZE dialogues_summary")
        cursor.execute("VACUUM ANALYZE dialogues_insight")
        cursor.execute("ANALYZE dialogues_summary_municipalities")
        cursor.execute("VACUUM ANALYZE dialogues_summarylisting")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def run(total: int, searches: int) -> int:
    from django.core.paginator import Paginator
    from django.test import Client

    from dialogues.summaries.forms import SummaryFilterForm
    from dialogues.summaries.models import Summary
    from dialogues.summaries.views import PAGE_SIZE, summary_results

    if Summary.objects.published().count() < total:
        print(f"Generating {total:,} published summaries (seed {SEED})...", flush=True)
        started = time.perf_counter()
        generate(total - Summary.objects.count())
        print(f"  done in {time.perf_counter() - started:.0f} s")
    rng = random.Random(SEED + 1)
    plan = queries(rng, searches)
    client = Client()
    sql_ms, page_ms, matches = [], [], []
    for _text, params in plan:
        form = SummaryFilterForm(params)
        filters = form.filters()
        # The list's own queries: the ranked window's ids (count and order), then the first
        # page's rows with their snippets (and the prefetches of the cards).
        started = time.perf_counter()
        page = Paginator(summary_results(filters), PAGE_SIZE).get_page(1)
        rows = list(page.object_list)
        sql_ms.append((time.perf_counter() - started) * 1000)
        matches.append(page.paginator.count)
        assert all(row.published_at for row in rows)
        started = time.perf_counter()
        response = client.get("/sammanfattningar/", params)
        page_ms.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code

    plans = {
        params: summary_results(SummaryFilterForm(dict(params)).filters()).window()
        for params in (EXAMPLE, COMMON_IN_YEAR)
    }
    explains = {params: ranked.explain(analyze=True) for params, ranked in plans.items()}
    print()
    print(f"summaries: {Summary.objects.published().count():,} published; searches: {searches}")
    print(f"matches per search: median {statistics.median(matches):,.0f}, max {max(matches):,}")
    sql_p95, page_p95 = percentile(sql_ms, 0.95), percentile(page_ms, 0.95)
    print(
        f"SQL (ranked ids + page):   median {statistics.median(sql_ms):.1f} ms, "
        f"p95 {sql_p95:.1f} ms (target < {SQL_TARGET_MS} ms)"
    )
    print(
        f"page (test client):        median {statistics.median(page_ms):.1f} ms, "
        f"p95 {page_p95:.1f} ms (target < {PAGE_TARGET_MS} ms)"
    )
    slowest = sorted(zip(sql_ms, page_ms, plan, matches, strict=True), key=lambda r: -r[0])[:8]
    print("\nslowest searches (SQL ms, page ms, matches, parameters):")
    for sql, page, (_text, params), count in slowest:
        print(f"  {sql:7.1f} {page:7.1f} {count:5d}  {params}")
    for params, explain in explains.items():
        print(f"\nEXPLAIN ANALYZE of the ranked window for {dict(params)}:")
        print(explain)
    uses_gin = "summary_search_vector" in explains[EXAMPLE]
    print(f"\nGIN index used: {'yes' if uses_gin else 'NO'}")
    ok = uses_gin and sql_p95 < SQL_TARGET_MS and page_p95 < PAGE_TARGET_MS
    print("targets met" if ok else "targets NOT met")
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--summaries", type=int, default=100_000)
    parser.add_argument("--searches", type=int, default=200)
    parser.add_argument("--keep", action="store_true", help="keep the bench database for reruns")
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.test_settings")
    os.environ["DJANGO_LOG_LEVEL"] = "WARNING"
    # Writing 100,000 search vectors is one statement, longer than a request's time limit.
    os.environ.setdefault("DATABASE_STATEMENT_TIMEOUT", "0")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    # The test client's host and in-memory mail, as in the test suite.
    setup_test_environment()

    # Several people benchmarking on one server each name their own database.
    connection.settings_dict["TEST"]["NAME"] = os.environ.get("BENCH_DATABASE", "bench_search")
    if args.keep:
        # Reuse the generated rows of an earlier --keep run when there are any.
        original = connection.creation.create_test_db(verbosity=0, keepdb=True, serialize=False)
    else:
        original = connection.creation.create_test_db(
            verbosity=0, autoclobber=True, serialize=False
        )
    try:
        return run(args.summaries, args.searches)
    finally:
        if not args.keep:
            connection.creation.destroy_test_db(original, verbosity=0)


if __name__ == "__main__":
    sys.exit(main())
