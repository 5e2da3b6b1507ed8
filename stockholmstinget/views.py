from __future__ import annotations

from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.admin_site import staff_may_preview
from accounts.decorators import profile_required
from portal.errors import RefusalError
from portal.registrations.structured_data import event_json_ld

from . import services
from .calendar import programme_render, schedule_render
from .forms import RegistrationForm
from .models import Edition, EditionRegistration, RegistrationStatus, Session, Speaker

# Which form field a refusal from the service belongs next to.
# Session refusals (the programme changed while the form was open) go above the form: the form
# itself offers one choice per time slot, so no slot field is to blame.
ERROR_FIELDS = {
    "mode_not_offered": "mode",
}


def _public_edition(year: int) -> Edition:
    return get_object_or_404(Edition.objects.public(), year=year)


def _viewable_edition(request, year: int) -> Edition:
    """The edition's pages: staff may preview a draft; everyone else sees published ones.

    Registration, calendars and mail stay with `_public_edition`: a preview is for reading.
    """
    preview = staff_may_preview(request, "stockholmstinget.view_edition")
    editions = Edition.objects.all() if preview else Edition.objects.public()
    return get_object_or_404(editions, year=year)


def _programme(edition: Edition, *, documentation: bool = False):
    """The published sessions with their speakers; with `documentation`, and once the
    edition's documentation is published, each session's recordings and slides as `documents`."""
    speakers = Speaker.objects.order_by("name")
    sessions = (
        Session.objects.published()
        .filter(edition=edition)
        .with_seats_taken()
        .prefetch_related(Prefetch("speakers", queryset=speakers))
        .order_by("starts_at", "ends_at", "track", "pk")
    )
    if documentation and edition.documentation_is_published:
        sessions = sessions.prefetch_related(Prefetch("links", to_attr="documents"))
    return list(sessions)


def _my_registration(request, edition: Edition) -> EditionRegistration | None:
    if not request.user.is_authenticated:
        return None
    return (
        EditionRegistration.objects.active()
        .filter(edition=edition, user=request.user)
        .select_related("edition")
        .first()
    )


def _edition_page(request, edition: Edition):
    registration = _my_registration(request, edition)
    refusal = services.registration_refusal(edition=edition)
    return render(
        request,
        "stockholmstinget/edition_detail.html",
        {
            "edition": edition,
            "registration": registration,
            "signups": registration.signups.active().select_related("session")
            if registration
            else [],
            "links": edition.links.filter(session__isnull=True)
            if edition.documentation_is_published
            else [],
            "partners": edition.partners.all(),
            "speakers": edition.speakers.public(),
            "seats_left": services.edition_seats_left(edition) if edition.has_place else None,
            "registration_open": refusal is None,
            "refusal": refusal,
            "archive": Edition.objects.public().past().exclude(pk=edition.pk)[:5],
            "structured_data": event_json_ld(edition.event_facts()) if edition.is_public else None,
        },
    )


@require_safe
def edition_current(request):
    """The coming edition; when none is planned, the latest with its documentation."""
    edition = Edition.objects.public().upcoming().first()
    edition = edition or Edition.objects.public().past().first()
    if edition is None:
        return render(request, "stockholmstinget/edition_current.html")
    return _edition_page(request, edition)


@require_safe
def edition_detail(request, year: int):
    return _edition_page(request, _viewable_edition(request, year))


@require_safe
def edition_archive(request):
    editions = Edition.objects.public().past()
    return render(request, "stockholmstinget/edition_archive.html", {"editions": editions})


@require_safe
def programme(request, year: int):
    edition = _viewable_edition(request, year)
    sessions = _programme(edition, documentation=True)
    slots = [
        {"starts_at": start, "ends_at": end, "sessions": list(items)}
        for (start, end), items in groupby(sessions, key=lambda s: (s.starts_at, s.ends_at))
    ]
    return render(
        request,
        "stockholmstinget/programme.html",
        {
            "edition": edition,
            "slots": slots,
            "tracks": sorted({s.track for s in sessions} - {""}),
            "structured_data": event_json_ld(edition.event_facts(sessions))
            if edition.is_public
            else None,
        },
    )


@require_safe
def programme_ics(request, year: int):
    edition = _public_edition(year)
    response = HttpResponse(
        programme_render(edition, _programme(edition)), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="stockholmstinget-{year}.ics"'
    return response


@never_cache
@login_required
@require_safe
def schedule_ics(request, year: int):
    """The person's own day; only their own registration, with the stream link when due."""
    edition = _public_edition(year)
    registration = _my_registration(request, edition)
    if registration is None:
        raise Http404
    response = HttpResponse(schedule_render(registration), content_type="text/calendar")
    response["Content-Disposition"] = f'attachment; filename="mitt-schema-{year}.ics"'
    return response


@never_cache
@profile_required
@require_http_methods(["GET", "POST"])
def registration(request, year: int):
    edition = _public_edition(year)
    existing = _my_registration(request, edition)
    refusal = services.registration_refusal(edition=edition)
    if request.method == "POST" and refusal is None:
        form = RegistrationForm(
            request.POST, edition=edition, user=request.user, registration=existing
        )
        if form.is_valid():
            data = form.cleaned_data
            try:
                saved = services.registration_save(
                    edition=edition,
                    user=request.user,
                    mode=data["mode"],
                    sector=data["sector"],
                    organisation=data["organisation"],
                    municipality=data["municipality"],
                    accessibility_needs=data["accessibility_needs"],
                    dietary_needs=data["dietary_needs"],
                    message=data["message"],
                    consent_to_be_listed=data["consent_to_be_listed"],
                    session_ids=[session.pk for session in data["sessions"]],
                    access=form.access_wishes(),
                    answers=form.answer_values(),
                )
            except RefusalError as error:
                form.add_error(ERROR_FIELDS.get(error.code), error.message)
            else:
                if saved.status == RegistrationStatus.WAITLISTED:
                    messages.info(request, _("All seats are taken; you are on the waitlist."))
                elif existing is not None:
                    messages.success(request, _("Your registration has been updated."))
                else:
                    messages.success(request, _("You are registered. Welcome!"))
                return redirect(edition.get_absolute_url())
    else:
        form = RegistrationForm(edition=edition, user=request.user, registration=existing)
        if refusal is not None and request.method == "POST":
            messages.error(request, refusal.message)
    return render(
        request,
        "stockholmstinget/registration_form.html",
        {"edition": edition, "form": form, "registration": existing, "refusal": refusal},
    )


@login_required
@require_POST
def registration_cancel(request, year: int):
    edition = _public_edition(year)
    registration = _my_registration(request, edition)
    if registration is None:
        raise Http404
    try:
        services.registration_cancel(registration=registration, user=request.user)
    except RefusalError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your registration has been cancelled."))
    return redirect(edition.get_absolute_url())
