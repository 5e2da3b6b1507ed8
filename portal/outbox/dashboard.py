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
            n_sent=Count("emails", filter=Q(emails__status=row_status.SENT)),
            n_failed=Count("emails", filter=Q(emails__status=row_status.FAILED)),
        )
        .alias(done=F("n_sent") + F("n_failed"))
        .filter(done__lt=F("total"))
        .order_by("-created_at", "-pk")[:ROWS]
    )
    return {
        "mailouts": [
            {
                "mailout": mailout,
                "done": mailout.n_sent + mailout.n_failed,
                "percent": round(100 * (mailout.n_sent + mailout.n_failed) / mailout.total),
            }
            for mailout in mailouts
        ]
    }
