"""Anonymising registrations once their event is long over (DESIGN.md, "Personal data").

Registrations of every app keep their rows, status and attendance, so counts and statistics
survive; only what people wrote about themselves (needs, messages) is cleared, and the row
records when. A registration QuerySet takes part by offering `anonymisable(ended_before=...)`
and an `anonymised_at` field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone


def anonymise_cutoff(now: dt.datetime | None = None) -> dt.datetime:
    """Events that ended before this have their registrations anonymised."""
    return (now or timezone.now()) - dt.timedelta(days=settings.REGISTRATION_ANONYMISE_AFTER_DAYS)


def registration_text_anonymise(
    *, registrations: QuerySet, fields: Sequence[str], now: dt.datetime | None = None
) -> int:
    """Blank `fields` of the due, not yet anonymised `registrations` in one UPDATE.

    Returns how many rows were anonymised; a second run finds none of them again.
    """
    now = now or timezone.now()
    due = registrations.anonymisable(ended_before=anonymise_cutoff(now))
    return due.update(**{field: "" for field in fields}, anonymised_at=now)
