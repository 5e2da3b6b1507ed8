"""Seats, waitlists and check-in codes, for anything people register for.

The caller holds the row lock of whatever owns the seats (a meeting, an edition, a session)
for the whole transaction; these helpers only count and decide.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from django.db import models, transaction
from django.utils import timezone

T = TypeVar("T")
R = TypeVar("R", bound=models.Model)


class RegistrationError(Exception):
    """A rule refused the operation; `message` is shown to the person as it is."""

    def __init__(self, message, code: str):
        super().__init__(str(message))
        self.message = message
        self.code = code


def seats_free(capacity: int | None, taken: int) -> int | None:
    """Free seats, never below zero; None when there is no limit."""
    if capacity is None:
        return None
    return max(capacity - taken, 0)


def has_free_seat(capacity: int | None, taken: int) -> bool:
    return seats_free(capacity, taken) != 0


def code_unused(*, generate: Callable[[], str], taken: Iterable[str]) -> str:
    """A fresh code from `generate` that is not among `taken` (codes already in use)."""
    taken = set(taken)
    while (code := generate()) in taken:
        pass
    return code


def waitlist_fill(
    *,
    waiting: Iterable[T],
    seats_left: Callable[[], int | None],
    promote: Callable[[T], None],
) -> list[T]:
    """Hand free seats to `waiting` in order; `promote` runs once for each who gets one.

    `seats_left` is asked again before every promotion, so it sees the seats already given.
    """
    promoted: list[T] = []
    for entry in waiting:
        if seats_left() == 0:
            break
        promote(entry)
        promoted.append(entry)
    return promoted


def check_in(*, registration: R, confirmed: str, refused_message) -> R:
    """Mark a confirmed registration present; checking in twice keeps the first time."""
    with transaction.atomic():
        registration = type(registration).objects.select_for_update().get(pk=registration.pk)
        if registration.status != confirmed:
            raise RegistrationError(refused_message, "state")
        if registration.checked_in_at is None:
            registration.checked_in_at = timezone.now()
            registration.save(update_fields=["checked_in_at"])
    return registration


def check_in_code_find(*, registrations: models.QuerySet[R], code: str, missing_message) -> R:
    """The registration with `code`, typed with any spacing or case; refused when unknown."""
    registration = registrations.filter(check_in_code="".join(code.split()).upper()).first()
    if registration is None:
        raise RegistrationError(missing_message, "no_code")
    return registration
