from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
    HttpResponseServerError,
    JsonResponse,
)
from django.shortcuts import render
from django.template import TemplateDoesNotExist, loader
from django.template.loader import select_template
from django.templatetags.static import static
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_safe

from . import health
from .context_processors import portal as portal_context

STATIC_PAGES = {"about", "accessibility", "privacy"}


HOME_MEETINGS = 3


@require_safe
def home(request):
    from dialogues.models import Meeting, Summary
    from stockholmstinget.models import Edition
    from stockholmstinget.services import registration_is_open

    next_edition = Edition.objects.public().upcoming().first()
    next_meetings = Meeting.objects.published().upcoming().select_related("series")
    latest_summaries = Summary.objects.published().select_related("meeting")[:HOME_MEETINGS]
    return render(
        request,
        "portal/home.html",
        {
            "next_meetings": next_meetings[:HOME_MEETINGS],
            "latest_summaries": latest_summaries,
            "next_edition": next_edition,
            "next_edition_open": bool(next_edition and registration_is_open(next_edition)),
        },
    )


@require_safe
def static_page(request, page: str):
    """An editorial page; its text lives in one template per language."""
    if page not in STATIC_PAGES:
        raise Http404
    try:
        template = select_template(
            [f"portal/pages/{page}.{get_language()}.html", f"portal/pages/{page}.sv.html"]
        )
    except TemplateDoesNotExist as exc:  # pragma: no cover - a missing file is a bug
        raise Http404 from exc
    return render(request, template.template.name, {"page": page})


@never_cache
@require_safe
def healthz(request):
    """503 only when the database does not answer: this process cannot serve then, and a load
    balancer should send traffic elsewhere. A broker or worker in trouble delays mail but not
    pages, so it is reported ("status": "degraded") with a 200 (docs/operations.md)."""
    state = {"database": health.database_state(), "broker": health.broker_state()}
    last = health.worker_heartbeat() if state["broker"] == "ok" else None
    state["worker"] = "unknown" if state["broker"] == "unavailable" else health.worker_state(last)
    state["worker_heartbeat"] = last.isoformat() if last else None
    if state["database"] != "ok":
        status, state["status"] = 503, "unavailable"
    elif state["broker"] in ("ok", "eager") and state["worker"] in ("ok", "eager"):
        status, state["status"] = 200, "ok"
    else:
        status, state["status"] = 200, "degraded"
    return JsonResponse(state, status=status)


@requires_csrf_token
def bad_request(request, exception):
    """The 400 page in the site's layout (Django's own renders it without the request)."""
    return render(request, "400.html", status=400)


def server_error(request):
    """The 500 page, in the site's layout, for when anything may be broken, the database too.

    It renders without the request's context processors: they would read the session and the
    user, which need the database. So it shows the navigation of a visitor who is not logged
    in, and the links to the page in the other language.
    """
    try:
        context = portal_context(request)
    except Exception:  # the error page must render whatever else failed
        context = {}
    template = loader.get_template("500.html")
    return HttpResponseServerError(template.render({**context, "request": request}))


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico on pages without an icon link (the admin's): the icon."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))
