from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from accounts.admin_site import staff_may_preview
from accounts.decorators import profile_required
from portal.county_map import county_map
from portal.errors import RefusalError
from portal.models import Municipality
from portal.registrations.calendar import calendar_render
from portal.registrations.models import AccessRequest
from portal.registrations.questions import answers_values, questions_asked
from portal.registrations.structured_data import event_json_ld

from . import services
from .forms import MeetingFilterForm, RegistrationForm, RegistrationUpdateForm
from .models import Meeting, Registration, RegistrationStatus
from .municipalities import municipality_briefing, municipality_overview
from .summaries.forms import SubscriptionForm
from .summaries.models import Summary
from .summaries.views import insights_label

PAGE_SIZE = 12
# How far back the calendar feed reaches, so subscribers keep recent meetings in view.
FEED_HISTORY = dt.timedelta(days=90)
# What `registration_update` takes from the form as it is (access requests go separately).
DETAIL_FIELDS = ("accessibility_needs", "dietary_needs", "message", "consent_to_be_listed")


def _meeting_or_404(request: HttpRequest, slug: str, *, counts: bool = True) -> Meeting:
    meetings = Meeting.objects.select_related("series")
    # Staff may preview a draft; everyone else sees only what has been published.
    if not staff_may_preview(request, "dialogues.view_meeting"):
        meetings = meetings.public()
    if counts:
        meetings = meetings.with_counts()
    meeting = meetings.filter(slug=slug).first()
    if meeting is None:
        raise Http404
    return meeting


def _own_registration(request: HttpRequest, meeting: Meeting) -> Registration | None:
    if not request.user.is_authenticated:
        return None
    return (
        Registration.objects.filter(meeting=meeting, user=request.user)
        .order_by("-pk")
        .select_related("invitation")
        .first()
    )


def _meeting_page(request: HttpRequest, *, archive: bool) -> HttpResponse:
    form = MeetingFilterForm(request.GET or None)
    filters = form.filters() if request.GET else {}
    meetings = Meeting.objects.public().select_related("series").with_counts()
    meetings = meetings.past() if archive else meetings.upcoming()
    meetings = MeetingFilterForm.apply(meetings, filters)
    page = Paginator(meetings, PAGE_SIZE).get_page(request.GET.get("sida"))
    query = request.GET.copy()
    query.pop("sida", None)
    return render(
        request,
        "dialogues/meeting_list.html",
        {
            "form": form,
            "page": page,
            "archive": archive,
            "query": query.urlencode(),
        },
    )


@require_safe
def meeting_list(request: HttpRequest) -> HttpResponse:
    return _meeting_page(request, archive=False)


@require_safe
def meeting_archive(request: HttpRequest) -> HttpResponse:
    return _meeting_page(request, archive=True)


@require_safe
def meeting_detail(request: HttpRequest, slug: str) -> HttpResponse:
    meeting = _meeting_or_404(request, slug)
    registration = _own_registration(request, meeting)
    active = registration if registration and registration.is_active else None
    refusal = None
    if request.user.is_authenticated and active is None:
        invitation = services.invitation_for(meeting=meeting, user=request.user)
        refusal = services.registration_refusal(
            meeting=meeting, user=request.user, invited=invitation is not None
        )
    elif not services.registration_is_open(meeting):
        refusal = services.registration_refusal(meeting=meeting, user=request.user)
    return render(
        request,
        "dialogues/meeting_detail.html",
        {
            "meeting": meeting,
            "registration": registration,
            "active_registration": active,
            "position": services.waitlist_position(active) if active else None,
            "show_online_link": bool(
                active and active.status == RegistrationStatus.CONFIRMED and meeting.is_online
            ),
            "refusal": refusal,
            "can_cancel": bool(active and timezone.now() < meeting.starts_at),
            "published_summary": (
                Summary.objects.published().filter(meeting=meeting).first()
                if meeting.has_ended
                else None
            ),
            # For search engines; never for a draft a member of staff previews.
            "structured_data": event_json_ld(meeting.event_facts()) if meeting.is_public else None,
            "listed_attendees": Registration.objects.listed()
            .filter(meeting=meeting)
            .select_related("user")
            .order_by("user__display_name", "pk"),
        },
    )


@require_http_methods(["GET", "POST"])
@profile_required
def registration_create(request: HttpRequest, slug: str) -> HttpResponse:
    if request.method == "POST":
        # The service decides everything under the meeting's lock; the page is drawn only
        # when it refuses or the form is invalid.
        meeting = _meeting_or_404(request, slug, counts=False)
        form = RegistrationForm(request.POST, user=request.user, questions=questions_asked(meeting))
        if form.is_valid():
            data = form.cleaned_data
            try:
                registration = services.registration_create(
                    meeting=meeting,
                    user=request.user,
                    accessibility_needs=data["accessibility_needs"],
                    dietary_needs=data["dietary_needs"],
                    message=data["message"],
                    consent_to_be_listed=data["consent_to_be_listed"],
                    invitation_token=data["inbjudan"],
                    access=form.access_wishes(),
                    answers=form.answer_values(),
                )
            except RefusalError as error:
                if error.code == "already_registered":
                    messages.info(request, error.message)
                    return redirect(meeting)
                form.add_error(None, error.message)
            else:
                messages.success(request, _registered_message(registration))
                return redirect(meeting)
        return _registration_page(request, _meeting_or_404(request, slug), form)
    return _registration_page(request, _meeting_or_404(request, slug), None)


def _registration_page(
    request: HttpRequest, meeting: Meeting, form: RegistrationForm | None
) -> HttpResponse:
    token = request.GET.get("inbjudan") or request.POST.get("inbjudan") or ""
    refusal = None
    try:
        invitation = (
            services.invitation_check(meeting=meeting, user=request.user, token=token)
            if token
            else services.invitation_for(meeting=meeting, user=request.user)
        )
    except RefusalError as error:
        refusal, invitation, token = error, None, ""
    if refusal is None:
        refusal = services.registration_refusal(
            meeting=meeting, user=request.user, invited=invitation is not None
        )
    if (
        refusal is None
        and form is None
        and Registration.objects.active().filter(meeting=meeting, user=request.user).exists()
    ):
        messages.info(request, _("You are already registered for this meeting."))
        return redirect(meeting)
    if form is None:
        form = RegistrationForm(
            initial={"inbjudan": token}, user=request.user, questions=questions_asked(meeting)
        )
    return render(
        request,
        "dialogues/registration_form.html",
        {
            "meeting": meeting,
            "form": form,
            "refusal": refusal,
            "invited": invitation is not None,
            "seats_left": services.seats_left(meeting, invited=invitation is not None),
        },
    )


def _registered_message(registration: Registration) -> str:
    if registration.status == RegistrationStatus.CONFIRMED:
        return _("You are registered. Your check-in code is %(code)s.") % {
            "code": registration.check_in_code
        }
    if registration.status == RegistrationStatus.PENDING:
        return _("Thank you. The organisers will confirm your place.")
    return _("The meeting is full. You are number %(position)s on the waiting list.") % {
        "position": registration.position_on_arrival or services.waitlist_position(registration)
    }


@require_http_methods(["GET", "POST"])
@profile_required
def registration_update(request: HttpRequest, slug: str) -> HttpResponse:
    """The person changes what they told the organisers; seat and place in line stay."""
    meeting = _meeting_or_404(request, slug, counts=False)
    registration = Registration.objects.active().filter(meeting=meeting, user=request.user).first()
    if registration is None:
        messages.info(request, _("You have no registration for this meeting to change."))
        return redirect(meeting)
    questions = questions_asked(meeting)
    form = RegistrationUpdateForm(
        request.POST or None,
        user=request.user,
        questions=questions,
        initial={
            "accessibility_needs": registration.accessibility_needs,
            "dietary_needs": registration.dietary_needs,
            "message": registration.message,
            "consent_to_be_listed": registration.consent_to_be_listed,
            **RegistrationUpdateForm.access_initial(
                AccessRequest.objects.for_registration(registration)
            ),
            **RegistrationUpdateForm.answers_initial(questions, answers_values(registration)),
        },
    )
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in DETAIL_FIELDS}
        try:
            services.registration_update(
                registration=registration,
                user=request.user,
                access=form.access_wishes(),
                answers=form.answer_values(),
                **data,
            )
        except RefusalError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Your registration has been updated."))
            return redirect(meeting)
    return render(
        request,
        "dialogues/registration_update.html",
        {"meeting": meeting, "registration": registration, "form": form},
    )


@require_http_methods(["GET", "POST"])
@profile_required
def registration_cancel(request: HttpRequest, slug: str) -> HttpResponse:
    meeting = _meeting_or_404(request, slug)
    # Only the visitor's own registration can be reached here; no id travels in the request.
    registration = Registration.objects.active().filter(meeting=meeting, user=request.user).first()
    if registration is None:
        messages.info(request, _("You have no registration for this meeting to cancel."))
        return redirect(meeting)
    if request.method == "POST":
        try:
            services.registration_cancel(registration=registration, user=request.user)
        except RefusalError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Your registration has been cancelled."))
        return redirect(meeting)
    return render(
        request,
        "dialogues/registration_cancel.html",
        {"meeting": meeting, "registration": registration},
    )


@require_safe
def meeting_ics(request: HttpRequest, slug: str) -> HttpResponse:
    meeting = _meeting_or_404(request, slug)
    registration = _own_registration(request, meeting)
    confirmed = bool(registration and registration.status == RegistrationStatus.CONFIRMED)
    response = HttpResponse(
        calendar_render([meeting.calendar_entry(private=confirmed)], name=meeting.title),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{meeting.slug}.ics"'
    return response


@require_safe
def meeting_feed(request: HttpRequest) -> HttpResponse:
    """Every public meeting from the recent past on, never with an online link."""
    meetings = (
        Meeting.objects.public()
        .select_related("series")
        .upcoming(now=timezone.now() - FEED_HISTORY)
    )
    return HttpResponse(
        calendar_render(
            (meeting.calendar_entry() for meeting in meetings), name=_("Dialogue meetings")
        ),
        content_type="text/calendar; charset=utf-8",
    )


# --- The municipalities ----------------------------------------------------------------------


@require_safe
def municipality_list(request: HttpRequest) -> HttpResponse:
    municipalities = municipality_overview()
    return render(
        request,
        "dialogues/municipality_list.html",
        {
            "municipalities": municipalities,
            "county_map": county_map(
                [(m, m.insight_count) for m in municipalities],
                href=lambda m: reverse("dialogues:municipality_detail", args=[m.slug]),
                label=insights_label,
            ),
        },
    )


@require_safe
def municipality_detail(request: HttpRequest, slug: str) -> HttpResponse:
    municipality = get_object_or_404(Municipality, slug=slug)
    return render(
        request,
        "dialogues/municipality_detail.html",
        {
            "briefing": municipality_briefing(municipality=municipality),
            "municipality": municipality,
            "subscription_form": SubscriptionForm(initial={"kommun": municipality.slug})
            if request.user.is_authenticated
            else None,
        },
    )
