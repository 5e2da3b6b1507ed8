"""Mina sidor, the data export and account deletion for summary alerts and for the meetings
whose insights a participant follows."""

from __future__ import annotations

from .forms import SubscriptionForm
from .models import InsightFollow, Subscription


def _subscriptions(user):
    return Subscription.objects.filter(user=user).select_related("municipality", "theme")


def _follows(user):
    return InsightFollow.objects.filter(user=user).select_related("meeting__summary").order_by("pk")


def my_pages_context(user) -> dict:
    return {
        "subscriptions": _subscriptions(user),
        "subscription_form": SubscriptionForm(),
        "insight_follows": [
            follow for follow in _follows(user) if _published_summary(follow) is not None
        ],
    }


def _published_summary(follow: InsightFollow):
    summary = getattr(follow.meeting, "summary", None)
    return summary if summary is not None and summary.is_published else None


def export(user) -> dict[str, list[dict]]:
    alerts = [
        {
            "municipality": subscription.municipality.name if subscription.municipality else None,
            "theme": subscription.theme.name if subscription.theme else None,
            "created_at": subscription.created_at.isoformat(),
        }
        for subscription in _subscriptions(user).order_by("pk")
    ]
    follows = [
        {"meeting": follow.meeting.title, "created_at": follow.created_at.isoformat()}
        for follow in _follows(user)
    ]
    return {"alerts": alerts, "followed_meetings": follows}


def erase(user) -> None:
    Subscription.objects.filter(user=user).delete()
    InsightFollow.objects.filter(user=user).delete()
