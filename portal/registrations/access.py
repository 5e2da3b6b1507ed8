"""Access and accommodation requests: what a registrant needs to take part, for every kind
of event.

A person ticks what they need when they register (or change their registration). Each kind has
a lead time staff set (`AccessKind`): a request made later is still accepted, but flagged late
and mailed to the event's contact at once, so an interpreter can still be sought. Staff see a
planning summary per event and mark each request arranged or not possible; the person is told
either way, once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.errors import RefusalError
from portal.outbox.enqueue import email_enqueue

from .models import (
    REGISTRATION_LINKS,
    AccessKind,
    AccessKindCode,
    AccessRequest,
    AccessRequestStatus,
    Registration,
    access_link_field,
    linked_registration_models,
)

if TYPE_CHECKING:
    from accounts.models import User

    from .models import AccessRequestQuerySet, RegistrableEvent


@dataclass(frozen=True)
class AccessWish:
    """One thing a person asks for in the registration form."""

    kind: str
    details: str = ""


def lead_days() -> dict[str, int]:
    return dict(AccessKind.objects.values_list("code", "lead_days"))


def is_late(*, kind: str, starts_at: dt.datetime, now: dt.datetime, leads: dict[str, int]) -> bool:
    """Whether a request made at `now` leaves staff less than the kind's lead time."""
    return starts_at - now < dt.timedelta(days=leads.get(kind, 0))


# --- writes ------------------------------------------------------------------------------------


def access_requests_set(
    *, registration: Registration, wishes: Sequence[AccessWish], now: dt.datetime | None = None
) -> list[AccessRequest]:
    """Make the registration's requests what the person asks for now, in the caller's
    transaction.

    A kind asked for again keeps its request (and staff's decision; new details replace the
    old); a kind no longer asked for is withdrawn. A new request inside its lead time is
    flagged late and the event's contact is mailed about it, once.
    """
    now = now or timezone.now()
    link = access_link_field(type(registration))
    existing = {
        request.kind: request
        for request in AccessRequest.objects.for_registration(registration).select_for_update()
    }
    wanted = {wish.kind: wish for wish in wishes}
    withdrawn = [request.pk for kind, request in existing.items() if kind not in wanted]
    if withdrawn:
        AccessRequest.objects.filter(pk__in=withdrawn).delete()
    leads = lead_days()
    event = registration.event
    kept: list[AccessRequest] = []
    for kind, wish in wanted.items():
        request = existing.get(kind)
        if request is not None:
            if request.details != wish.details:
                request.details = wish.details
                request.save(update_fields=["details"])
            kept.append(request)
            continue
        request = AccessRequest.objects.create(
            **{link: registration},
            kind=kind,
            details=wish.details,
            is_late=is_late(kind=kind, starts_at=event.starts_at, now=now, leads=leads),
            created_at=now,
        )
        if request.is_late:
            _late_mail(request, registration=registration)
        kept.append(request)
    return kept


def access_request_decide(
    *, access_request: AccessRequest, status: str, note: str = "", now: dt.datetime | None = None
) -> AccessRequest:
    """Staff mark a request arranged or not possible; the person is told, once."""
    if status not in (AccessRequestStatus.ARRANGED, AccessRequestStatus.NOT_POSSIBLE):
        raise RefusalError(_("Choose arranged or not possible."), "status")
    with transaction.atomic():
        request = AccessRequest.objects.select_for_update().get(pk=access_request.pk)
        if request.status != AccessRequestStatus.REQUESTED:
            raise RefusalError(
                _("%(kind)s has already been decided.") % {"kind": request.get_kind_display()},
                "decided",
            )
        request.status = status
        request.decided_at = now or timezone.now()
        if note:
            request.staff_note = note
        request.save(update_fields=["status", "decided_at", "staff_note"])
        registration = request.registration
        user = registration.user
        email_enqueue(
            key=f"registrations:access-decided:{request.pk}",
            to=user.email,
            template=f"registrations/email/access_{status}",
            context={
                "access_request": request,
                "event": registration.event,
                "recipient_name": user.get_short_name(),
            },
            language=user.preferred_language or settings.LANGUAGE_CODE,
            render_later=True,
        )
    return request


def _late_mail(request: AccessRequest, *, registration: Registration) -> None:
    event = registration.event
    to = event.organiser_email
    if not to:
        # Nobody to tell: the planning summary still shows the request as late.
        return
    # Staff with an account read it in their own language; a bare contact address in Swedish.
    contact = get_user_model().objects.filter(email__iexact=to).first()
    email_enqueue(
        key=f"registrations:access-late:{request.pk}",
        to=to,
        template="registrations/email/access_late",
        context={
            "access_request": request,
            "event": event,
            "participant": registration.user.get_full_name() or registration.user.email,
            "admin_url": settings.SITE_URL + access_planning_url(event),
        },
        language=(contact.preferred_language if contact else "") or settings.LANGUAGE_CODE,
        render_later=True,
    )


# --- the planning summary ------------------------------------------------------------------------


@dataclass
class PlanningRow:
    kind: str
    label: str
    lead_days: int
    requests: list[AccessRequest] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.requests)

    def _with(self, status: str) -> int:
        return sum(1 for request in self.requests if request.status == status)

    @property
    def arranged(self) -> int:
        return self._with(AccessRequestStatus.ARRANGED)

    @property
    def not_possible(self) -> int:
        return self._with(AccessRequestStatus.NOT_POSSIBLE)

    @property
    def open(self) -> int:
        return self._with(AccessRequestStatus.REQUESTED)

    @property
    def late(self) -> int:
        return sum(1 for request in self.requests if request.is_late)


def access_planning(event: RegistrableEvent) -> list[PlanningRow]:
    """Per kind: who asked (active registrations only), what is arranged, what is late; in
    two queries however many requests there are."""
    leads = lead_days()
    rows = {
        code: PlanningRow(kind=code, label=str(label), lead_days=leads.get(code, 0))
        for code, label in AccessKindCode.choices
    }
    requests = AccessRequest.objects.for_event(event).order_by("kind", "created_at", "pk")
    for link in REGISTRATION_LINKS.values():
        requests = requests.select_related(f"{link}__user")
    for request in requests:
        if request.registration.is_active:
            rows[request.kind].requests.append(request)
    return [row for row in rows.values() if row.requests]


def access_planning_url(event: RegistrableEvent) -> str:
    return reverse(
        "admin:registrations_accessrequest_planning",
        args=[event._meta.label_lower, event.pk],
    )


# --- Mina sidor, the data export, erasure ------------------------------------------------------


def _theirs(user: User) -> AccessRequestQuerySet:
    requests = AccessRequest.objects.none()
    for link in REGISTRATION_LINKS.values():
        requests |= AccessRequest.objects.filter(**{f"{link}__user": user})
    return requests


def my_pages_context(user: User) -> dict[str, Any]:
    now = timezone.now()
    upcoming = [
        request
        for request in _theirs(user)
        .select_related(*(f"{link}__{_event_field(link)}" for link in REGISTRATION_LINKS.values()))
        .order_by("-created_at", "pk")
        if request.registration.is_active and request.registration.event.ends_at >= now
    ]
    return {"access_requests": upcoming}


def _event_field(link: str) -> str:
    return linked_registration_models()[link].EVENT_FIELD


def export(user: User) -> list[dict[str, Any]]:
    return [
        {
            "event": str(request.registration.event),
            "starts_at": request.registration.event.starts_at.isoformat(),
            "kind": request.kind,
            "details": request.details,
            "status": request.status,
            "late": request.is_late,
            "requested_at": request.created_at.isoformat(),
            "decided_at": request.decided_at.isoformat() if request.decided_at else None,
            "note_from_staff": request.staff_note,
        }
        for request in _theirs(user).order_by("pk")
    ]


def erase(user: User) -> None:
    """The requests stay (the event's planning counts hold) without what the person wrote."""
    _theirs(user).update(details="", staff_note="")


def access_requests_describe(requests: Iterable[AccessRequest]) -> str:
    """A registration's requests as one line for exports: kind (details), status."""
    return "; ".join(
        f"{request.get_kind_display()}"
        + (f" ({request.details})" if request.details else "")
        + f": {request.get_status_display()}"
        + (f", {_('late')}" if request.is_late else "")
        for request in requests
    )


# --- The admin home ------------------------------------------------------------------------------


def late_requests_context(request: HttpRequest) -> dict[str, Any]:
    """Open requests made after their lead time, for events still to come, in one query."""
    from portal.dashboard import ROWS

    now = timezone.now()
    coming = Q()
    late = AccessRequest.objects.open().filter(is_late=True)
    for link in REGISTRATION_LINKS.values():
        event = f"{link}__{_event_field(link)}"
        coming |= Q(**{f"{event}__ends_at__gte": now})
        late = late.select_related(event)
    late = late.filter(coming).order_by("created_at", "pk")
    return {
        "late_requests": late[:ROWS],
        "late_count": late.count(),
        "changelist_url": reverse("admin:registrations_accessrequest_changelist")
        + f"?is_late__exact=1&status__exact={AccessRequestStatus.REQUESTED}",
    }
