"""The register and the summaries as spreadsheets: CSV that Excel opens correctly in the
reader's language.

The JSON export keeps codes ("obstacle", "adult_education") for programs; this one is for
people: readable headers and labels, a byte-order mark (without it Excel reads UTF-8 as
Windows-1252: "FÃ¶reningsliv") and, in Swedish, `;` between fields, since Swedish Excel uses
the comma as its decimal sign and splits on `;`.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable

from django.http import HttpResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts.models import StakeholderGroup

from .models import InsightKind, InsightStatus

BOM = "\ufeff"


def _headers() -> dict[str, str]:
    return {
        "meeting": _("Meeting"),
        "date": _("Date"),
        "series": _("Dialogue series"),
        "summary": _("Meeting summary"),
        "summary_url": _("Link to the summary"),
        "kind": _("Opportunity or obstacle"),
        "theme": _("Theme"),
        "municipalities": _("Municipalities"),
        "stakeholder_groups": _("Stakeholder groups"),
        "text": _("Text"),
        "status": _("Follow-up"),
        "response": _("Response"),
        "status_date": _("Decided on"),
        "case_number": _("Case number"),
        "responsible_body": _("Responsible body"),
    }


def _summary_headers() -> dict[str, str]:
    return {
        "title": _("Meeting summary"),
        "summary_url": _("Link to the summary"),
        "meeting": _("Meeting"),
        "date": _("Date"),
        "series": _("Dialogue series"),
        "language": _("Language"),
        "themes": _("Themes"),
        "municipalities": _("Municipalities"),
        "insights": _("Insights"),
        "published": _("Published"),
        "text": _("Text"),
    }


def _spreadsheet(headers: dict[str, str], rows: Iterable[dict], filename: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write(BOM)
    writer = csv.writer(response, delimiter=";" if get_language() == "sv" else ",")
    writer.writerow(headers.values())
    for row in rows:
        writer.writerow(row[name] for name in headers)
    return response


def insights_spreadsheet_csv(rows: Iterable[dict], *, filename: str) -> HttpResponse:
    """The rows of the JSON export, labelled for people, in the current language."""
    kinds = dict(InsightKind.choices)
    statuses = dict(InsightStatus.choices)
    groups = dict(StakeholderGroup.choices)
    labelled = (
        {
            **row,
            "kind": str(kinds.get(row["kind"], row["kind"])),
            "status": str(statuses.get(row["status"], row["status"])),
            "municipalities": ", ".join(row["municipalities"]),
            "stakeholder_groups": ", ".join(
                str(groups.get(group, group)) for group in row["stakeholder_groups"]
            ),
        }
        for row in rows
    )
    return _spreadsheet(_headers(), labelled, filename)


def summaries_spreadsheet_csv(rows: Iterable[dict], *, filename: str) -> HttpResponse:
    """The published summaries as the JSON export gives them, for people."""
    labelled = (
        {
            **row,
            "themes": ", ".join(row["themes"]),
            "municipalities": ", ".join(row["municipalities"]),
        }
        for row in rows
    )
    return _spreadsheet(_summary_headers(), labelled, filename)
