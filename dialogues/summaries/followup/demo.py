"""Demo follow-up on the demo insights: each status once, with responses ("ni sa, vi gjorde").

Written directly rather than through `insight_follow_up`, so seeding sends no mail; each
status change is kept as its history row. Idempotent: keyed by summary slug and position.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from ..models import Insight, InsightStatus, InsightStatusChange

# (summary slug, insight position) -> (status, hours after publishing, response, case, body)
FOLLOW_UPS = {
    ("civilsamhallets-vardialog", 0): (
        InsightStatus.ACTED_ON, 60,
        "Biblioteken i Botkyrka och Haninge har öppnat lokaler för föreningar två kvällar i "
        "veckan, med stöd ur det regionala utvecklingsbidraget.",
        "KUN 2026/0412", "Kulturnämnden",
    ),
    ("civilsamhallets-vardialog", 1): (
        InsightStatus.PASSED_ON, 30,
        "Lokalhyrorna beslutas av kommunerna. Frågan är lämnad till Stockholms stad och "
        "Södertälje kommun.",
        "", "Stockholms stad",
    ),
    ("civilsamhallets-vardialog", 2): (
        InsightStatus.CONSIDERING, 20,
        "Förvaltningen ser över hur ansökan om föreningsbidrag kan förenklas.",
        "", "Kulturförvaltningen",
    ),
    ("offentlig-konst-och-gestaltning", 0): (
        InsightStatus.ACTED_ON, 45,
        "En vägledning om konst tidigt i planeringen har tagits fram tillsammans med "
        "kommunerna.",
        "KUN 2026/0588", "Kulturnämnden",
    ),
    ("kultur-i-samhallsplaneringen", 0): (
        InsightStatus.NOT_PURSUED, 40,
        "Förslaget ryms inte i årets budget; det prövas igen inför nästa kulturplan.",
        "", "Kulturnämnden",
    ),
}  # fmt: skip


def seed_follow_ups() -> None:
    for (slug, position), (status, hours, response, case, body) in FOLLOW_UPS.items():
        insight = (
            Insight.objects.filter(summary__slug=slug, position=position)
            .select_related("summary")
            .first()
        )
        if insight is None or insight.summary.published_at is None:
            continue
        # Hours, not days, after publishing: recent demo summaries get no decision dated ahead.
        changed_at = insight.summary.published_at + dt.timedelta(hours=hours)
        insight.status = status
        insight.response = response
        insight.case_number = case
        insight.responsible_body = body
        insight.status_date = timezone.localtime(changed_at).date()
        insight.status_changed_at = changed_at
        insight.save()
        InsightStatusChange.objects.update_or_create(
            insight=insight,
            status=status,
            defaults={
                "previous_status": InsightStatus.NEW,
                "response": response,
                "status_date": insight.status_date,
                "changed_at": changed_at,
            },
        )
