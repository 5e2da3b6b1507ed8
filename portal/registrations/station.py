"""The check-in station: one phone-first staff page per event, for every kind of event.

Staff scan the QR code (or type the code) at the door; the page answers green (checked in),
amber (already checked in) or red (unknown code, cancelled, not confirmed, another event), and
counts present against expected. The domain admin views say which bookings belong to the door
and which codes belong elsewhere; the rules are the core's `check_in`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from allauth.core import ratelimit
from django import forms
from django.db import models
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.errors import RefusalError

from .models import (
    CHECK_IN_CODE_LENGTH,
    Booking,
    RegistrationStatus,
    check_in_code_normalise,
)
from .services import check_in

CHECKED_IN, ALREADY, REFUSED = "checked_in", "already", "refused"


class CheckInForm(forms.Form):
    # Generous: a scanner or a person may add spaces; anything longer is no code of ours.
    code = forms.CharField(label=_("Check-in code"), max_length=40, strip=True)


@dataclass(frozen=True)
class CheckInResult:
    outcome: str  # CHECKED_IN, ALREADY or REFUSED
    message: str


def check_in_attempt(
    *,
    bookings: models.QuerySet[Any],
    code: str,
    elsewhere: models.QuerySet[Any] | None = None,
    code_field: str = "check_in_code",
) -> CheckInResult:
    """Check in the booking among `bookings` whose code is `code`, typed or scanned in any form.

    `elsewhere` holds the bookings of other events, to tell "wrong event" from "unknown code".
    """
    code = check_in_code_normalise(code)
    booking = None
    if len(code) == CHECK_IN_CODE_LENGTH:
        # The newest first: a person who cancelled and registered again has one active booking.
        booking = bookings.filter(**{code_field: code}).order_by("-pk").first()
    if booking is None:
        if (
            elsewhere is not None
            and len(code) == CHECK_IN_CODE_LENGTH
            and elsewhere.filter(**{code_field: code}).exists()
        ):
            return CheckInResult(REFUSED, gettext("Wrong event: this code is for another one."))
        return CheckInResult(REFUSED, gettext("Unknown code."))
    if booking.status == RegistrationStatus.CANCELLED:
        return CheckInResult(REFUSED, gettext("Cancelled: this registration is cancelled."))
    try:
        result = check_in(registration=booking)
    except RefusalError:
        return CheckInResult(
            REFUSED,
            gettext("Not confirmed: %(who)s is %(status)s.")
            % {"who": _who(booking), "status": booking.get_status_display().lower()},
        )
    if result.first:
        return CheckInResult(
            CHECKED_IN,
            gettext("%(who)s: checked in at %(time)s.") % {"who": result.who, "time": result.time},
        )
    return CheckInResult(ALREADY, result.message)


def _who(booking: Booking) -> str:
    holder = booking.holder
    return holder.get_full_name() or holder.email


def check_in_counts(bookings: models.QuerySet[Any]) -> dict[str, int]:
    """Present and expected (the confirmed bookings) at the door, in one query."""
    counts: dict[str, int] = bookings.aggregate(
        present=models.Count("pk", filter=models.Q(checked_in_at__isnull=False)),
        expected=models.Count("pk", filter=models.Q(status=RegistrationStatus.CONFIRMED)),
    )
    return counts


def check_in_station(
    request: HttpRequest,
    *,
    title: str,
    bookings: models.QuerySet[Any],
    elsewhere: models.QuerySet[Any] | None = None,
    code_field: str = "check_in_code",
    context: dict[str, Any],
) -> HttpResponse:
    """The station page; a POST checks one code in. The page's script posts with
    `Accept: application/json` and gets the result and the counts back without a reload, so
    the camera keeps running; without the script the page itself answers."""
    form = CheckInForm(request.POST or None)
    result, limited = None, False
    if request.method == "POST":
        # Counted per staff session: a stuck scanner cannot flood the database.
        limited = not ratelimit.consume(request, action="check_in", key=request.session.session_key)
        if limited:
            result = CheckInResult(REFUSED, gettext("Too many attempts. Wait a minute."))
        elif form.is_valid():
            result = check_in_attempt(
                bookings=bookings,
                code=form.cleaned_data["code"],
                elsewhere=elsewhere,
                code_field=code_field,
            )
        else:
            result = CheckInResult(REFUSED, gettext("Unknown code."))
        if "application/json" in request.headers.get("Accept", ""):
            return JsonResponse(
                {"outcome": result.outcome, "message": result.message, **check_in_counts(bookings)},
                status=429 if limited else 200,
            )
        form = CheckInForm()
    return TemplateResponse(
        request,
        "admin/registrations/check_in_station.html",
        {
            **context,
            "title": title,
            "form": form,
            "result": result,
            **check_in_counts(bookings),
        },
    )


def check_in_list(
    request: HttpRequest, *, title: str, bookings: models.QuerySet[Any], context: dict[str, Any]
) -> HttpResponse:
    """Everyone expected at the door with their code, to print for when the network is down."""
    rows = bookings.filter(status=RegistrationStatus.CONFIRMED).select_related(
        bookings.model.HOLDER_FIELD
    )
    people = sorted(
        rows,
        key=lambda booking: (
            (booking.holder.get_full_name() or booking.holder.email).casefold(),
            booking.pk,
        ),
    )
    return TemplateResponse(
        request,
        "admin/registrations/check_in_list.html",
        {**context, "title": title, "people": people},
    )
