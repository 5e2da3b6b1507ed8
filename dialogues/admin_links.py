"""Links between a meeting's admin page and its minutes and summary, both ways."""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from .models import Meeting, Minutes
from .summaries.models import Summary


def _admin_url(obj: models.Model) -> str:
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


def meeting_followup_links(meeting: Meeting) -> str:
    """Links to "open" the minutes and summary the meeting has and to "write" (prefilled from the
    meeting) those it has not; a meeting not saved yet has neither."""
    if meeting.pk is None:
        return "\u2013"
    links = []
    for model, write, open_ in (
        (Minutes, _("Write the minutes"), _("Open the minutes")),
        (Summary, _("Write the summary"), _("Open the summary")),
    ):
        existing = model.objects.filter(meeting=meeting).only("pk").first()
        if existing is not None:
            links.append((_admin_url(existing), open_))
        else:
            opts = model._meta
            add = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
            links.append((f"{add}?meeting={meeting.pk}", write))
    return format_html_join(" · ", '<a href="{}">{}</a>', links)


def meeting_link(obj: Minutes | Summary) -> str:
    """From minutes or a summary back to its meeting's admin page."""
    if obj.pk is None or obj.meeting_id is None:
        return "\u2013"
    return format_html('<a href="{}">{}</a>', _admin_url(obj.meeting), obj.meeting)
