"""Seats, waitlists and check-in codes, for anything people register for.

The caller holds the row lock of whatever owns the seats (a meeting, an edition, a session)
for the whole transaction; these helpers only count and decide.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

T = TypeVar("T")


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
