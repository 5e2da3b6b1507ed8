"""The registration lifecycle every registrable event shares.

Whoever changes who holds a seat locks the event's row first (`event_lock`; with sessions too,
`rows_lock` in primary-key order after their edition) and decides inside that transaction, so
capacity holds however many requests arrive at once. Only the seat decision and the write
happen under the lock: mails are written to the outbox as unrendered rows and the mail worker
renders them after the commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import (
    Count,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    Value,
)
from django.db.models.expressions import Combinable
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from portal.errors import RefusalError
from portal.moments import clock_text, moment_text

from .models import (
    AccessRequest,
    Booking,
    BookingQuerySet,
    EventStatus,
    Registration,
    RegistrationStatus,
    access_link_field,
    check_in_code_generate,
)
from .questions import answers_anonymise

# A message as gettext or gettext_lazy gives it.
StrOrPromise = str | Promise
T = TypeVar("T")
E = TypeVar("E", bound=models.Model)
R = TypeVar("R", bound=Registration)

# A fresh code collides with one in use about once in 10^12 / (codes in use) draws.
CODE_ATTEMPTS = 5


# --- locks ------------------------------------------------------------------------------------


def event_lock(event: E) -> E:
    """The event's row, locked for the rest of the transaction, freshly read."""
    return type(event)._default_manager.select_for_update().get(pk=event.pk)


def rows_lock(queryset: models.QuerySet[E]) -> dict[int, E]:
    """Lock several rows, always in primary-key order, so two callers never deadlock."""
    return {row.pk: row for row in queryset.select_for_update().order_by("pk")}


# --- the seat decision -------------------------------------------------------------------------


@dataclass
class Seats:
    """An event's seats, counted once under its lock and kept up to date as they are given.

    `reserved` seats may be taken only by invitees; `taken_by_invitees` of the `taken` seats
    are held by invitees.
    """

    capacity: int | None
    taken: int = 0
    reserved: int = 0
    taken_by_invitees: int = 0
    # People on the waitlist (counted when asked for: `seats_count(..., waiting=True)`).
    waiting: int = 0

    def left(self, *, invited: bool = False) -> int | None:
        """Free seats for an invitee or anyone else; None when the event has no limit."""
        if self.capacity is None:
            return None
        free = self.capacity - self.taken
        if not invited:
            general = self.capacity - self.reserved
            free = min(free, general - (self.taken - self.taken_by_invitees))
        return max(free, 0)

    def has_seat(self, *, invited: bool = False) -> bool:
        return self.left(invited=invited) != 0

    def take(self, *, invited: bool = False) -> None:
        self.taken += 1
        if invited:
            self.taken_by_invitees += 1


def seats_count(
    bookings: BookingQuerySet,
    *,
    capacity: int | None,
    reserved: int = 0,
    invitee: Q | None = None,
    waiting: bool = False,
) -> Seats:
    """The seats of one event from its `bookings`, in one query (the (event, status) index).

    `invitee` tells which bookings are an invitee's, when the event reserves seats; with
    `waiting` the same query counts the waitlist too, so a newcomer's place in line is known
    without a second one.
    """
    if capacity is None:
        return Seats(capacity=None)
    seat = bookings.model.seat_condition()
    aggregates = {"taken": Count("pk", filter=seat)}
    if reserved and invitee is not None:
        aggregates["taken_by_invitees"] = Count("pk", filter=seat & invitee)
    if waiting:
        aggregates["waiting"] = Count("pk", filter=Q(status=RegistrationStatus.WAITLISTED))
    else:
        bookings = bookings.holding_seat()
    counts = bookings.aggregate(**aggregates)
    return Seats(
        capacity=capacity,
        taken=counts["taken"],
        reserved=reserved,
        taken_by_invitees=counts.get("taken_by_invitees", 0),
        waiting=counts.get("waiting", 0),
    )


class WindowedEvent(Protocol):
    """An event with a status and a registration window (meetings, editions)."""

    status: str
    starts_at: dt.datetime
    registration_opens_at: dt.datetime | None
    registration_closes_at: dt.datetime | None


def registration_window_refusal(
    event: WindowedEvent,
    *,
    now: dt.datetime | None = None,
    messages: Mapping[str, StrOrPromise],
) -> RefusalError | None:
    """Why `event` does not take registrations at `now`, or None when it does.

    The event has a status, `starts_at` and an optional registration window
    (`registration_opens_at`, `registration_closes_at`; closing defaults to the start).
    `messages` words the refusals for the kind of event (keys: cancelled, not_published,
    started, not_open_yet with the opening time as %(opens)s, closed); the rule itself is the
    same for all.
    """
    now = now or timezone.now()
    status, starts_at = event.status, event.starts_at
    opens_at, closes_at = event.registration_opens_at, event.registration_closes_at
    if status == EventStatus.CANCELLED:
        return RefusalError(messages["cancelled"], "cancelled")
    if status != EventStatus.PUBLISHED:
        return RefusalError(messages["not_published"], "not_published")
    if now >= starts_at:
        return RefusalError(messages["started"], "started")
    if opens_at and now < opens_at:
        # The refusal says when to come back: "not_open_yet" words it with %(opens)s.
        return RefusalError(
            str(messages["not_open_yet"]) % {"opens": moment_text(opens_at)}, "not_open_yet"
        )
    if now >= (closes_at or starts_at):
        return RefusalError(messages["closed"], "closed")
    return None


# --- writes under the lock -----------------------------------------------------------------------


def _constraint(error: IntegrityError) -> str:
    return getattr(getattr(error.__cause__, "diag", None), "constraint_name", "") or ""


class CodeCollisionError(Exception):
    """A freshly drawn check-in code was already in use at the event."""


def registration_insert(
    model: type[R], *, duplicate: RefusalError | None = None, **fields: Any
) -> R:
    """Insert a registration with a fresh check-in code, inside the caller's transaction.

    The database decides, instead of a lookup first: the unique constraint on (event, code)
    whether the code is free, and the one on active registrations whether the person is
    registered already (then `duplicate` is raised, when given). No savepoint, so the event's
    lock is held for one round trip less: a collision (about one draw in 10^12 / codes in use)
    raises `CodeCollisionError`, which leaves the caller's transaction unusable; the caller runs it
    again through `with_fresh_codes`.
    """
    try:
        return model._default_manager.create(check_in_code=check_in_code_generate(), **fields)
    except IntegrityError as error:
        constraint = _constraint(error)
        if duplicate is not None and constraint.endswith("one_active_per_user"):
            raise duplicate from None
        if constraint.endswith("check_in_code_unique"):
            raise CodeCollisionError from error
        raise


def with_fresh_codes(operation: Callable[[], T]) -> T:
    """Run `operation` (a whole transaction that inserts registrations) again whenever a
    drawn check-in code collided, a few times at most."""
    for attempt in range(CODE_ATTEMPTS):
        try:
            return operation()
        except CodeCollisionError:
            if attempt == CODE_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def registration_details_set(
    registration: Registration,
    *,
    now: dt.datetime,
    accessibility_needs: str,
    dietary_needs: str,
    message: str,
    consent_to_be_listed: bool,
    **own_fields: Any,
) -> None:
    """Save what a registrant told the organisers (and the event's `own_fields`), as a new
    version of the registration; the caller holds the event's lock."""
    for name, value in {
        "accessibility_needs": accessibility_needs,
        "dietary_needs": dietary_needs,
        "message": message,
        "consent_to_be_listed": consent_to_be_listed,
        **own_fields,
    }.items():
        setattr(registration, name, value)
    registration.updated_at = now
    registration.version += 1
    registration.save()


def booking_cancel(booking: Booking, *, now: dt.datetime) -> bool:
    """Cancel a locked booking; True when it held a seat that is now free."""
    held_seat = type(booking).bookings().filter(pk=booking.pk).holding_seat().exists()
    booking.status = RegistrationStatus.CANCELLED
    booking.cancelled_at = now
    booking.updated_at = now
    booking.save(update_fields=["status", "cancelled_at", "updated_at"])
    return held_seat


def waitlist_fill(
    *,
    waiting: Iterable[T],
    seats: Seats,
    promote: Callable[[T], None],
    invited: Callable[[T], bool] = lambda entry: False,
) -> list[T]:
    """Give free seats to `waiting` in arrival order; `promote` runs once for each who gets one.

    Someone who cannot take the free seat (a non-invitee when only reserved seats are left) is
    passed over for the next in line who can; nobody is promoted once no seat is left.
    """
    promoted: list[T] = []
    for entry in waiting:
        if not seats.has_seat(invited=True):
            break
        is_invitee = invited(entry)
        if not seats.has_seat(invited=is_invitee):
            continue
        promote(entry)
        seats.take(invited=is_invitee)
        promoted.append(entry)
    return promoted


def waitlist_position(registration: Booking) -> int | None:
    """1 for the first in line; None when not on the waitlist."""
    if registration.status != RegistrationStatus.WAITLISTED:
        return None
    field = registration.EVENT_FIELD
    earlier = (
        type(registration)
        .bookings()
        .waitlist()
        .filter(**{f"{field}_id": getattr(registration, f"{field}_id"), "pk__lt": registration.pk})
    )
    return earlier.count() + 1


# --- check-in -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckIn:
    """A check-in: `registration` is any booking with `checked_in_at` (a registration, or a
    Stockholmstinget session choice); `first` is False when it was checked in before."""

    registration: Booking
    first: bool

    @property
    def who(self) -> str:
        holder = self.registration.holder
        return holder.get_full_name() or holder.email

    @property
    def time(self) -> str:
        checked_in_at = self.registration.checked_in_at
        return clock_text(checked_in_at) if checked_in_at else ""

    @property
    def message(self) -> str:
        if self.first:
            return _("%(who)s is checked in.") % {"who": self.who}
        return _("%(who)s was already checked in at %(time)s.") % {
            "who": self.who,
            "time": self.time,
        }


def check_in(*, registration: R, now: dt.datetime | None = None) -> CheckIn:
    """Mark a confirmed booking present; a second check-in keeps the first time.

    The row lock makes two doors checking in the same person at once count one check-in.
    """
    model = type(registration)
    with transaction.atomic():
        registration = (
            model._default_manager.select_for_update(of=("self",)).select_related(
                model.HOLDER_FIELD
            )
        ).get(pk=registration.pk)
        if registration.status != RegistrationStatus.CONFIRMED:
            raise RefusalError(_("Only confirmed registrations can check in."), "state")
        if registration.checked_in_at is not None:
            return CheckIn(registration=registration, first=False)
        registration.checked_in_at = now or timezone.now()
        registration.save(update_fields=["checked_in_at"])
    return CheckIn(registration=registration, first=True)


# --- reminders ------------------------------------------------------------------------------------


def reminders_due(
    registrations: models.QuerySet[R], *, now: dt.datetime, lead_hours: Combinable
) -> models.QuerySet[R]:
    """Confirmed registrations whose published event starts within `lead_hours` (an
    expression: `F("meeting__reminder_lead_hours")`, `Value(24)`), not yet reminded for the
    event's current start: a moved event is reminded again."""
    event = registrations.model.EVENT_FIELD
    hour = Value(dt.timedelta(hours=1), DurationField())
    remind_from = ExpressionWrapper(
        F(f"{event}__starts_at") - lead_hours * hour, output_field=DateTimeField()
    )
    # alias() adds no attribute to the rows; the stubs type it as annotate() does.
    due: models.QuerySet[R] = (
        registrations.filter(
            status=RegistrationStatus.CONFIRMED,
            **{f"{event}__status": EventStatus.PUBLISHED, f"{event}__starts_at__gt": now},
        )
        .alias(remind_from=remind_from)  # type: ignore[assignment]
        .filter(remind_from__lte=now)
        .filter(
            Q(reminded_for_start__isnull=True) | ~Q(reminded_for_start=F(f"{event}__starts_at"))
        )
    )
    return due


def reminders_send(
    *, due: Callable[[], models.QuerySet[R]], kind: str, mail: Callable[[R, str], None]
) -> int:
    """Send each due reminder once per registration and event start.

    `due()` gives the due registrations; `mail(registration, key)` writes the `kind` mail,
    keyed `<app>:<kind>:<registration>:<start>`. Each is claimed in its own short transaction
    (skip_locked), so two sweeps never send one twice.
    """
    sent = 0
    event = due().model.EVENT_FIELD
    for pk in list(due().values_list("pk", flat=True)):
        with transaction.atomic():
            registration = (
                due()
                .select_for_update(skip_locked=True, of=("self",))
                .select_related(event, "user")
                .filter(pk=pk)
                .first()
            )
            if registration is None:
                continue
            start = registration.event.starts_at
            registration.reminded_for_start = start
            registration.save(update_fields=["reminded_for_start"])
            app = registration._meta.app_label
            mail(registration, f"{app}:{kind}:{registration.pk}:{start.isoformat()}")
            sent += 1
    return sent


# --- personal data --------------------------------------------------------------------------------


def anonymise_cutoff(now: dt.datetime | None = None) -> dt.datetime:
    """Events that ended before this have their registrations anonymised."""
    return (now or timezone.now()) - dt.timedelta(days=settings.REGISTRATION_ANONYMISE_AFTER_DAYS)


def registrations_anonymise(*, model: type[Registration], now: dt.datetime | None = None) -> int:
    """Blank what people wrote, REGISTRATION_ANONYMISE_AFTER_DAYS after their event, in one
    UPDATE. Rows, status and attendance stay, so counts survive; a second run finds nothing."""
    now = now or timezone.now()
    due = model.registrations().anonymisable(ended_before=anonymise_cutoff(now))
    # What the person wrote in their access requests goes with the rest.
    AccessRequest.objects.filter(**{f"{access_link_field(model)}__in": due.values("pk")}).update(
        details="", staff_note=""
    )
    # And their answers to the organisers' questions.
    answers_anonymise(due)
    return due.update(**dict.fromkeys(model.PERSONAL_TEXT_FIELDS, ""), anonymised_at=now)
