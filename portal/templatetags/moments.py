"""Template filters for dates and times as the interface writes them (portal.moments)."""

from django import template

from portal.moments import clock_text, moment_text, span_text

register = template.Library()


@register.filter
def clock(value) -> str:
    """{{ session.starts_at|clock }}: "17.00" in Swedish, "17:00" in English."""
    return clock_text(value) if value else ""


@register.filter
def moment(value) -> str:
    """{{ meeting.registration_closes|moment }}: "9 december 2026 kl. 17.00"."""
    return moment_text(value) if value else ""


@register.filter
def time_span(start, end) -> str:
    """{{ meeting.starts_at|time_span:meeting.ends_at }}: "tisdag 9 december 2026 kl.
    17.00-19.00" (with an en dash)."""
    return span_text(start, end) if start and end else ""
