"""The outbox's panel on the admin home (portal/dashboard.py): mail-outs still being sent."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, F, Q
from django.http import HttpRequest
from django.utils import timezone

from portal.dashboard import HORIZON_DAYS, ROWS

from .models import MailOut, OutgoingEmail


def mailouts_context(request: HttpRequest) -> dict[str, Any]:
    """Mail-outs of the last fortnight not yet sent to everyone, in one query."""
    row_status = OutgoingEmail.Status
    mailouts = (
        MailOut.objects.defer("recipients", "context", "attachments")
        .filter(created_at__gte=timezone.now() - dt.timedelta(days=HORIZON_DAYS))
        .annotate(
            sent_rows=Count("emails", filter=Q(emails__status=row_status.SENT)),
            failed_rows=Count("emails", filter=Q(emails__status=row_status.FAILED)),
        )
        .alias(done=F("sent_rows") + F("failed_rows"))
        .filter(done__lt=F("total"))
        .order_by("-created_at", "-pk")[:ROWS]
    )
    return {
        "mailouts": [
            {
                "mailout": mailout,
                "done": mailout.sent_rows + mailout.failed_rows,
                "percent": round(100 * (mailout.sent_rows + mailout.failed_rows) / mailout.total),
            }
            for mailout in mailouts
        ]
    }
