"""The reach report's staff page, on the meeting admin: a form, three tables, CSV, print."""

from __future__ import annotations

import csv
import datetime as dt

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from .reach import reach_csv_rows, reach_default_range, reach_report
from .summaries.models import InsightStatus

# A report longer than this is almost surely a typing slip (and would be slow to build).
MAX_DAYS = 366 * 5


class ReachReportForm(forms.Form):
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        default_start, default_end = reach_default_range()
        start = data.get("start") or default_start
        end = data.get("end") or (
            default_end if not data.get("start") else start.replace(month=12, day=31)
        )
        if end < start:
            self.add_error("end", _("The end date must not be before the start date."))
        elif end - start > dt.timedelta(days=MAX_DAYS):
            self.add_error("end", _("Choose a range of at most five years."))
        data["start"], data["end"] = start, end
        return data


class ReachReportAdminMixin:
    """Adds `rackvidd/`, the reach and representation report, to the meeting admin."""

    def get_urls(self):
        return [
            path(
                "rackvidd/",
                self.admin_site.admin_view(self.reach_view),
                name="dialogues_meeting_reach",
            ),
            *super().get_urls(),
        ]

    def reach_view(self, request: HttpRequest) -> HttpResponse:
        # Counts of registrations: staff who may see meetings may see the report.
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = ReachReportForm(request.GET or None)
        report = None
        if not request.GET or form.is_valid():
            start, end = (
                (form.cleaned_data["start"], form.cleaned_data["end"])
                if request.GET
                else reach_default_range()
            )
            report = reach_report(start=start, end=end)
            if request.GET.get("format") == "csv":
                response = HttpResponse(content_type="text/csv; charset=utf-8")
                response["Content-Disposition"] = (
                    f'attachment; filename="rackvidd-{start.isoformat()}-{end.isoformat()}.csv"'
                )
                csv.writer(response).writerows(reach_csv_rows(report))
                return response
        return TemplateResponse(
            request,
            "admin/dialogues/meeting/reach.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Reach and representation"),
                "opts": self.model._meta,
                "form": form,
                "report": report,
                "statuses": list(InsightStatus),
                "query": request.GET.urlencode(),
            },
        )
