"""The follow-up on insights ("ni sa, vi gjorde"): status, public response, and who is told."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from portal.errors import RefusalError
from portal.outbox.enqueue import MailRecipient, mailout_create
from portal.outbox.models import MailOut

from ...models import Meeting, Registration, RegistrationStatus
from ..models import Insight, InsightFollow, InsightStatus, InsightStatusChange, Subscription

FOLLOW_UP_FIELDS = ["status", "response", "status_date", "case_number", "responsible_body"]


def insight_follow_up(
    *,
    insight: Insight,
    status: str,
    response: str = "",
    status_date: dt.date | None = None,
    case_number: str = "",
    responsible_body: str = "",
    by: User | None,
) -> Insight:
    """Set the insight's follow-up; a new status is recorded and told to those who asked.

    Editing only the response, date, case number or body of the same status tells nobody:
    the mail is about what became of the insight, one per status change.
    """
    if status not in InsightStatus.values:
        raise RefusalError(_("Choose one of the statuses."))
    with transaction.atomic():
        insight = Insight.objects.select_for_update().get(pk=insight.pk)
        previous = insight.status
        changed = status != previous
        insight.status = status
        insight.response = response.strip()
        insight.case_number = case_number.strip()
        insight.responsible_body = responsible_body.strip()
        insight.status_date = status_date or (timezone.localdate() if changed else None)
        fields = list(FOLLOW_UP_FIELDS)
        if changed:
            insight.status_changed_at = timezone.now()
            fields.append("status_changed_at")
        insight.save(update_fields=fields)
        if changed:
            change = InsightStatusChange.objects.create(
                insight=insight,
                status=status,
                previous_status=previous,
                response=insight.response,
                status_date=insight.status_date,
                changed_by=by,
            )
            insight_status_alert(change=change, by=by)
    return insight


def insight_status_recipients(*, insight: Insight) -> QuerySet[User]:
    """Active users whose alert matches the insight's municipalities or theme, and the
    participants of its meeting who asked to follow what becomes of its insights."""
    municipalities = list(insight.municipalities.values_list("pk", flat=True))
    theme = insight.theme_id
    matching = Q(municipality__in=municipalities, theme__isnull=True)
    if theme is not None:
        matching |= Q(theme=theme, municipality__isnull=True) | Q(
            municipality__in=municipalities, theme=theme
        )
    followers = InsightFollow.objects.filter(meeting_id=insight.summary.meeting_id)
    return (
        User.objects.filter(is_active=True)
        .filter(
            Q(pk__in=Subscription.objects.filter(matching).values("user_id"))
            | Q(pk__in=followers.values("user_id"))
        )
        .exclude(email="")
        .order_by("pk")
    )


def _summary_url(insight: Insight, language: str) -> str:
    with translation.override(language):
        return settings.SITE_URL + reverse("dialogues:summary_detail", args=[insight.summary.slug])


def insight_status_alert(*, change: InsightStatusChange, by: User | None = None) -> MailOut | None:
    """One mail per interested person about this change, keyed by it: calling this again (or
    the fan-out running twice) sends nobody a second one. Drafts tell nobody."""
    insight = change.insight
    if not insight.summary.is_published:
        return None
    recipients = [
        MailRecipient(
            email=user.email,
            language=user.preferred_language or settings.LANGUAGE_CODE,
            key=str(user.pk),
            context={"summary_url": _summary_url(insight, user.preferred_language or "sv")},
        )
        for user in insight_status_recipients(insight=insight)
    ]
    if not recipients:
        return None
    return mailout_create(
        key=f"insight-status:{change.pk}",
        title=f"{insight} (status)",
        template="dialogues/email/insight_status",
        recipients=recipients,
        context={
            "insight_text": insight.text,
            "status": change.status,
            "response": change.response,
            "case_number": insight.case_number,
            "responsible_body": insight.responsible_body,
            "meeting_title": insight.summary.meeting.title,
        },
        created_by=by,
    )


# --- Participants following a meeting's insights ----------------------------------------------


def took_part(*, user: User, meeting: Meeting) -> bool:
    """Checked in at the meeting: who may follow what becomes of its insights."""
    return Registration.objects.filter(
        meeting=meeting,
        user=user,
        status=RegistrationStatus.CONFIRMED,
        checked_in_at__isnull=False,
    ).exists()


def insight_follow_create(*, user: User, meeting: Meeting) -> InsightFollow:
    if not took_part(user=user, meeting=meeting):
        raise RefusalError(_("Only those who took part in the meeting can follow it this way."))
    follow, _created = InsightFollow.objects.get_or_create(user=user, meeting=meeting)
    return follow


def insight_follow_delete(*, user: User, meeting: Meeting) -> None:
    InsightFollow.objects.filter(user=user, meeting=meeting).delete()
