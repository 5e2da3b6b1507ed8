"""Public summaries, the register of opportunities and obstacles, its exports, and alerts."""

from __future__ import annotations

import json
from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts.admin_site import staff_may_preview
from portal.county_map import county_map
from portal.errors import RefusalError
from portal.models import Municipality, Theme
from portal.redirects import next_url

from . import dcat, services
from .export import insights_spreadsheet_csv, summaries_spreadsheet_csv
from .followup import services as followup
from .forms import InsightFilterForm, SubscriptionForm, SummaryFilterForm
from .models import Insight, InsightFollow, InsightKind, Subscription, Summary
from .search import (
    NEWEST,
    NEWEST_IN_MUNICIPALITY,
    RANK_WINDOW,
    RankedSummaries,
    snippet_html,
    summaries_search,
)

PAGE_SIZE = 10
INSIGHT_PAGE_SIZE = 25


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("sida", None)
    return query.urlencode()


def _with_card_data(summaries: QuerySet[Summary]) -> QuerySet[Summary]:
    # What a summary card shows; the stored vector is never shown, so it is not loaded.
    return (
        summaries.select_related("meeting__series")
        .prefetch_related("themes", "municipalities")
        .defer("search_vector")
    )


def summaries_for(filters: dict) -> QuerySet[Summary]:
    """Published summaries matching the list's filters and search, in list order."""
    summaries = SummaryFilterForm.apply(Summary.objects.published(), filters)
    if filters.get("q"):
        summaries = summaries_search(summaries, filters["q"])
    return _with_card_data(summaries)


def summary_results(filters: dict) -> QuerySet[Summary] | RankedSummaries:
    """What the list pages through: as `summaries_for`, but a search ranks its window once."""
    if not filters.get("q"):
        return summaries_for(filters)
    summaries = SummaryFilterForm.apply(Summary.objects.published(), filters)
    return RankedSummaries(
        summaries,
        filters["q"],
        rows=_with_card_data(Summary.objects.published()),
        newest=NEWEST_IN_MUNICIPALITY if filters.get("kommun") else NEWEST,
    )


@require_safe
def summary_list(request: HttpRequest) -> HttpResponse:
    form = SummaryFilterForm(request.GET or None)
    filters = form.filters() if request.GET else {}
    page = Paginator(summary_results(filters), PAGE_SIZE).get_page(request.GET.get("sida"))
    for summary in page.object_list:
        summary.snippet = snippet_html(summary.headline) if filters.get("q") else ""
    subscription_form = None
    if request.user.is_authenticated:
        subscription_form = SubscriptionForm(
            initial={
                "kommun": getattr(filters.get("kommun"), "slug", None),
                "tema": getattr(filters.get("tema"), "slug", None),
            },
            auto_id="alert_%s",
        )
    return render(
        request,
        "dialogues/summary_list.html",
        {
            "form": form,
            "filters": filters,
            "page": page,
            "capped": bool(filters.get("q")) and page.paginator.count >= RANK_WINDOW,
            "query": _query_without_page(request),
            "subscription_form": subscription_form,
        },
    )


def _insight_groups(insights: list[Insight]) -> list[tuple[str, list[tuple[Theme | None, list]]]]:
    """[(kind label, [(theme, [insight, ...]), ...]), ...]: opportunities first, by theme."""
    kinds = list(InsightKind)

    def by_kind(insight):
        return kinds.index(insight.kind)

    def by_theme(insight):
        return (insight.theme is None, insight.theme.name if insight.theme else "")

    groups = []
    for kind_index, kind_items in groupby(sorted(insights, key=by_kind), key=by_kind):
        ordered = sorted(kind_items, key=lambda i: (*by_theme(i), i.position, i.pk))
        themes = []
        for _theme, group in groupby(ordered, key=by_theme):
            items = list(group)
            themes.append((items[0].theme, items))
        groups.append((kinds[kind_index].label, themes))
    return groups


@require_safe
def summary_detail(request: HttpRequest, slug: str) -> HttpResponse:
    summaries = Summary.objects.select_related("meeting__series").prefetch_related(
        "themes",
        "municipalities",
        Prefetch(
            "insights",
            queryset=Insight.objects.select_related("theme").prefetch_related("municipalities"),
        ),
    )
    # Staff preview drafts on the very page the public will see; everyone else sees published.
    if not staff_may_preview(request, "dialogues.view_summary"):
        summaries = summaries.published()
    summary = summaries.filter(slug=slug).first()
    if summary is None:
        raise Http404
    return render(
        request,
        "dialogues/summary_detail.html",
        {
            **_follow_context(request, summary),
            "summary": summary,
            "text_html": services.markdown_render(summary.text),
            "figures": services.summary_attendee_figures(summary=summary),
            "organisations": services.summary_listed_organisations(summary=summary),
            "insight_groups": _insight_groups(list(summary.insights.all())),
            "language": get_language(),
        },
    )


# --- The register of opportunities and obstacles ---------------------------------------------


def insights_for(filters: dict) -> QuerySet[Insight]:
    return InsightFilterForm.apply(Insight.objects.published(), filters)


@require_safe
def insight_list(request: HttpRequest) -> HttpResponse:
    form = InsightFilterForm(request.GET or None)
    filters = form.filters() if request.GET else {}
    insights = insights_for(filters)
    kind_counts = dict(
        insights.order_by().values_list("kind").annotate(n=Count("pk")).values_list("kind", "n")
    )
    theme_counts = dict(
        insights.order_by().values_list("theme").annotate(n=Count("pk")).values_list("theme", "n")
    )
    themes = [(theme, theme_counts.get(theme.pk, 0)) for theme in Theme.objects.all()]
    through = Insight.municipalities.through.objects.filter(insight__in=insights.values("pk"))
    municipality_counts = dict(
        through.values_list("municipality").annotate(n=Count("pk")).values_list("municipality", "n")
    )
    coverage = [(m, municipality_counts.get(m.pk, 0)) for m in Municipality.objects.all()]
    insight_map = county_map(coverage, href=_municipality_url, label=insights_label)
    if filters.get("kommun"):
        coverage = [(m, n) for m, n in coverage if n]
    page = Paginator(
        insights.select_related("summary__meeting__series", "theme")
        .prefetch_related("municipalities")
        .order_by("-summary__meeting__starts_at", "summary", "position", "pk"),
        INSIGHT_PAGE_SIZE,
    ).get_page(request.GET.get("sida"))
    top = max([*theme_counts.values(), *municipality_counts.values(), 1])
    return render(
        request,
        "dialogues/insight_list.html",
        {
            "form": form,
            "page": page,
            "query": _query_without_page(request),
            "kinds": [(kind, kind_counts.get(kind.value, 0)) for kind in InsightKind],
            "total": sum(kind_counts.values()),
            "themes": [(t, n, round(100 * n / top)) for t, n in themes],
            "coverage": [(m, n, round(100 * n / top)) for m, n in coverage],
            "covered": sum(1 for _m, n in coverage if n),
            # Filtered to one municipality, the table shows who else those insights name: no
            # county coverage to report.
            "municipality_filter": filters.get("kommun"),
            "county_map": insight_map,
            "language": get_language(),
        },
    )


def _municipality_url(municipality: Municipality) -> str:
    return reverse("dialogues:municipality_detail", args=[municipality.slug])


def insights_label(municipality: Municipality, count: int | str) -> str:
    return ngettext("%(name)s: %(count)s insight", "%(name)s: %(count)s insights", count) % {
        "name": municipality.name,
        "count": count,
    }


def _export_rows(request: HttpRequest):
    form = InsightFilterForm(request.GET or None)
    insights = (
        insights_for(form.filters() if request.GET else {})
        .select_related("summary__meeting__series", "theme")
        .prefetch_related("municipalities")
        .order_by("summary__meeting__starts_at", "summary", "position", "pk")
    )
    for insight in insights:
        meeting = insight.summary.meeting
        yield {
            "meeting": meeting.title,
            "date": meeting.starts_at.date().isoformat(),
            "series": meeting.series.name,
            "summary": insight.summary.title,
            "summary_url": request.build_absolute_uri(insight.summary.get_absolute_url()),
            "kind": insight.kind,
            "theme": insight.theme.name if insight.theme else "",
            "municipalities": [m.name for m in insight.municipalities.all()],
            "stakeholder_groups": list(insight.stakeholder_groups),
            "text": insight.text,
            "status": insight.status,
            "response": insight.response,
            "status_date": insight.status_date.isoformat() if insight.status_date else "",
            "case_number": insight.case_number,
            "responsible_body": insight.responsible_body,
        }


@require_safe
def insight_export_csv(request: HttpRequest) -> HttpResponse:
    return insights_spreadsheet_csv(_export_rows(request), filename="insikter.csv")


@require_safe
def insight_export_json(request: HttpRequest) -> HttpResponse:
    return _json_export(list(_export_rows(request)), key="insights", filename="insikter.json")


def _summary_export_rows(request: HttpRequest):
    form = SummaryFilterForm(request.GET or None)
    summaries = (
        summaries_for(form.filters() if request.GET else {})
        .annotate(insight_count=Count("insights", distinct=True))
        .order_by("meeting__starts_at", "pk")
    )
    for summary in summaries:
        meeting = summary.meeting
        yield {
            "title": summary.title,
            "summary_url": request.build_absolute_uri(summary.get_absolute_url()),
            "meeting": meeting.title,
            "date": meeting.starts_at.date().isoformat(),
            "series": meeting.series.name,
            "language": summary.language,
            "themes": [theme.name for theme in summary.themes.all()],
            "municipalities": [m.name for m in summary.municipalities.all()],
            "insights": summary.insight_count,
            "published": summary.published_at.date().isoformat(),
            "text": summary.text,
        }


def _json_export(rows: list[dict], *, key: str, filename: str) -> HttpResponse:
    response = HttpResponse(
        json.dumps({"count": len(rows), key: rows}, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@require_safe
def summary_export_csv(request: HttpRequest) -> HttpResponse:
    return summaries_spreadsheet_csv(_summary_export_rows(request), filename="sammanfattningar.csv")


@require_safe
def summary_export_json(request: HttpRequest) -> HttpResponse:
    rows = list(_summary_export_rows(request))
    return _json_export(rows, key="summaries", filename="sammanfattningar.json")


@require_safe
def catalogue_dcat(request: HttpRequest) -> HttpResponse:
    """The DCAT-AP-SE catalogue of the open data, as RDF/XML (`dcat.py`)."""
    return HttpResponse(
        dcat.catalogue_graph().serialize(format="pretty-xml"),
        content_type="application/rdf+xml; charset=utf-8",
    )


# --- Alerts --------------------------------------------------------------------------------


def _back(request: HttpRequest) -> HttpResponse:
    target = next_url(request, request.POST.get("next"))
    return HttpResponseRedirect(target or reverse("accounts:my_pages"))


@require_POST
@login_required
def subscription_create(request: HttpRequest) -> HttpResponse:
    form = SubscriptionForm(request.POST)
    if form.is_valid():
        services.subscription_create(
            user=request.user,
            municipality=form.cleaned_data["kommun"],
            theme=form.cleaned_data["tema"],
        )
        messages.success(request, _("You will get an email when a matching summary is published."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return _back(request)


@require_POST
@login_required
def subscription_delete(request: HttpRequest, pk: int) -> HttpResponse:
    subscription = Subscription.objects.filter(pk=pk, user=request.user).first()
    if subscription is not None:
        services.subscription_delete(subscription=subscription, user=request.user)
        messages.success(request, _("The alert has been removed."))
    return _back(request)


# --- What became of the insights ("ni sa, vi gjorde") ------------------------------------------


def _follow_context(request: HttpRequest, summary: Summary) -> dict:
    """Whether the visitor took part in the meeting and so may follow its insights."""
    if not request.user.is_authenticated or not summary.is_published:
        return {"may_follow": False}
    return {
        "may_follow": followup.took_part(user=request.user, meeting=summary.meeting),
        "following": InsightFollow.objects.filter(
            user=request.user, meeting_id=summary.meeting_id
        ).exists(),
    }


@require_safe
def insight_acted_list(request: HttpRequest) -> HttpResponse:
    insights = (
        Insight.objects.published()
        .acted_on()
        .select_related("summary__meeting", "theme")
        .prefetch_related("municipalities")
    )
    page = Paginator(insights, INSIGHT_PAGE_SIZE).get_page(request.GET.get("sida"))
    return render(
        request,
        "dialogues/insight_acted_list.html",
        {"page": page, "query": "", "language": get_language()},
    )


def _published_summary(slug: str) -> Summary:
    summary = Summary.objects.published().select_related("meeting").filter(slug=slug).first()
    if summary is None:
        raise Http404
    return summary


@require_POST
@login_required
def insight_follow_create(request: HttpRequest, slug: str) -> HttpResponse:
    summary = _published_summary(slug)
    try:
        followup.insight_follow_create(user=request.user, meeting=summary.meeting)
    except RefusalError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("You will get an email when one of these insights changes status.")
        )
    return HttpResponseRedirect(summary.get_absolute_url())


@require_POST
@login_required
def insight_follow_delete(request: HttpRequest, slug: str) -> HttpResponse:
    summary = _published_summary(slug)
    followup.insight_follow_delete(user=request.user, meeting=summary.meeting)
    messages.success(request, _("You no longer follow these insights."))
    return HttpResponseRedirect(summary.get_absolute_url())
