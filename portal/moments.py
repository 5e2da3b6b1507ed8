"""Dates and times as the interface writes them.

Swedish writes a time of day "kl. 17.00" (Språkrådet's recommendation), English "at 17:00";
both come from the catalogue, so each language keeps its own convention.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.dateformat import time_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext


def clock_text(value: dt.datetime | dt.time) -> str:
    """The time of day: "17.00" in Swedish, "17:00" in English."""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value)
    return time_format(value, pgettext("time of day format", "H:i"))


def moment_text(value: dt.datetime) -> str:
    """A date with its time: "1 augusti 2027 kl. 09.00", "1 August 2027 at 09:00"."""
    local = timezone.localtime(value)
    return _("%(date)s at %(time)s") % {
        "date": date_format(local, "j F Y"),
        "time": clock_text(local),
    }


def span_text(start: dt.datetime, end: dt.datetime, *, weekday: bool = True) -> str:
    """A day and its hours: "tisdag 9 december 2026 kl. 17.00-19.00" in Swedish,
    "Tuesday 9 December 2026 at 17:00-19:00" in English (with an en dash)."""
    local = timezone.localtime(start)
    return _("%(date)s at %(time)s") % {
        "date": date_format(local, "l j F Y" if weekday else "j F Y"),
        "time": f"{clock_text(start)}\u2013{clock_text(end)}",
    }
