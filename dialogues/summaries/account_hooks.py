"""Mina sidor, the data export and account deletion for summary alerts."""

from __future__ import annotations

from ..models import Subscription
from .forms import SubscriptionForm


def _subscriptions(user):
    return Subscription.objects.filter(user=user).select_related("municipality", "theme")


def my_pages_context(user) -> dict:
    return {"subscriptions": _subscriptions(user), "subscription_form": SubscriptionForm()}


def export(user) -> list[dict]:
    return [
        {
            "municipality": subscription.municipality.name if subscription.municipality else None,
            "theme": subscription.theme.name if subscription.theme else None,
            "created_at": subscription.created_at.isoformat(),
        }
        for subscription in _subscriptions(user).order_by("pk")
    ]


def erase(user) -> None:
    Subscription.objects.filter(user=user).delete()
