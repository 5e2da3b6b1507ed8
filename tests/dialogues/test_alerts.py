"""Alerts: subscribing, and one email per subscriber per summary however often it is published."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dialogues.summaries.models import Subscription
from dialogues.summaries.services import subscription_create, summary_publish, summary_unpublish
from portal.outbox.models import OutgoingEmail
from tests.accounts.factories import UserFactory
from tests.dialogues.factories import SummaryFactory
from tests.outbox import outbox_mail

pytestmark = pytest.mark.django_db


def _alerts():
    return sorted(
        OutgoingEmail.objects.filter(key__startswith="summary-alert:").values_list("key", "to")
    )


def test_publish_twice_or_republish_sends_once(places, themes, django_capture_on_commit_callbacks):
    """Each matching subscriber gets one alert; publishing again sends nothing new."""
    summary = SummaryFactory(published_at=None)
    summary.municipalities.add(places["Solna"])
    summary.themes.add(themes["lokaler"])
    by_place = UserFactory(email="kommun@example.se")
    subscription_create(user=by_place, municipality=places["Solna"])
    by_both = UserFactory(email="bada@example.se")
    subscription_create(user=by_both, municipality=places["Solna"], theme=themes["lokaler"])
    elsewhere = UserFactory(email="annan@example.se")
    subscription_create(user=elsewhere, municipality=places["Botkyrka"])
    wrong_pair = UserFactory(email="par@example.se")
    subscription_create(user=wrong_pair, municipality=places["Solna"], theme=themes["unga"])

    staff = UserFactory(is_staff=True)
    with django_capture_on_commit_callbacks(execute=True):
        summary_publish(summary=summary, by=staff)
    first = _alerts()
    assert set(first) == {
        (f"summary-alert:{summary.pk}:{by_both.pk}", "bada@example.se"),
        (f"summary-alert:{summary.pk}:{by_place.pk}", "kommun@example.se"),
    }
    summary_publish(summary=summary, by=staff)
    summary_unpublish(summary=summary, by=staff)
    summary_publish(summary=summary, by=staff)
    assert _alerts() == first
    email = outbox_mail(to="kommun@example.se")
    assert summary.title in email.subject
    assert summary.get_absolute_url() in email.body_text


def test_draft_save_sends_nothing(places):
    subscription_create(user=UserFactory(), municipality=places["Solna"])
    summary = SummaryFactory(published_at=None)
    summary.municipalities.add(places["Solna"])
    assert _alerts() == []


def test_subscribe_from_list_and_remove_on_my_pages(client, places, themes):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("dialogues:subscription_create"),
        {"kommun": "solna", "tema": "lokaler", "next": "/sammanfattningar/?kommun=solna"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/sammanfattningar/?kommun=solna"
    subscription = Subscription.objects.get(user=user)
    assert subscription.municipality == places["Solna"]
    assert subscription.theme == themes["lokaler"]
    # Subscribing again does not duplicate.
    client.post(reverse("dialogues:subscription_create"), {"kommun": "solna", "tema": "lokaler"})
    assert Subscription.objects.filter(user=user).count() == 1
    body = client.get(reverse("accounts:my_pages")).content.decode()
    assert "Solna" in body
    client.post(reverse("dialogues:subscription_delete", args=[subscription.pk]))
    assert not Subscription.objects.filter(user=user).exists()


def test_empty_subscription_is_refused_with_a_message(client):
    client.force_login(UserFactory())
    response = client.post(reverse("dialogues:subscription_create"), {}, follow=True)
    assert response.status_code == 200
    assert not Subscription.objects.exists()


def test_cannot_delete_someone_elses_alert(client, places):
    owner = UserFactory()
    subscription = subscription_create(user=owner, municipality=places["Solna"])
    client.force_login(UserFactory())
    client.post(reverse("dialogues:subscription_delete", args=[subscription.pk]))
    assert Subscription.objects.filter(pk=subscription.pk).exists()


def test_anonymous_visitor_must_log_in_to_subscribe(client):
    response = client.post(reverse("dialogues:subscription_create"), {"kommun": "solna"})
    assert response.status_code == 302
    assert "login" in response["Location"]
