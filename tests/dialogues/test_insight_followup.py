"""Follow-up on insights: status, public response, and one mail per status change to those
whose alert matches and to participants who asked to follow their meeting."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from dialogues.summaries.followup.services import (
    insight_follow_create,
    insight_follow_delete,
    insight_follow_up,
    insight_status_alert,
)
from dialogues.summaries.models import InsightFollow, InsightStatus, InsightStatusChange
from dialogues.summaries.services import subscription_create
from portal.errors import RefusalError
from portal.models import Municipality
from portal.outbox.models import OutgoingEmail
from tests.accounts.factories import UserFactory
from tests.dialogues.factories import InsightFactory, RegistrationFactory, SummaryFactory
from tests.outbox import outbox_mail

pytestmark = pytest.mark.django_db


def _status_mails():
    return sorted(
        OutgoingEmail.objects.filter(key__startswith="insight-status:").values_list("key", "to")
    )


@pytest.fixture
def insight(places, themes):
    insight = InsightFactory(theme=themes["lokaler"])
    insight.municipalities.add(places["Solna"])
    return insight


def test_a_status_change_mails_each_matching_subscriber_once(
    insight, places, themes, django_capture_on_commit_callbacks
):
    """Run twice, send once: setting the same status again, or alerting the same change
    again, writes no second mail; a further change is a new mail."""
    by_place = UserFactory(email="kommun@example.se", preferred_language="sv")
    subscription_create(user=by_place, municipality=places["Solna"])
    by_theme = UserFactory(email="tema@example.se", preferred_language="en")
    subscription_create(user=by_theme, theme=themes["lokaler"])
    elsewhere = UserFactory(email="annan@example.se")
    subscription_create(user=elsewhere, municipality=places["Botkyrka"])
    staff = UserFactory(is_staff=True)

    with django_capture_on_commit_callbacks(execute=True):
        insight_follow_up(
            insight=insight,
            status=InsightStatus.ACTED_ON,
            response="Biblioteket i Solna har öppnat sina lokaler.",
            case_number="KUN 2026/123",
            responsible_body="Kulturnämnden",
            by=staff,
        )
    change = InsightStatusChange.objects.get(insight=insight)
    first = _status_mails()
    assert first == [
        (f"insight-status:{change.pk}:{by_place.pk}", "kommun@example.se"),
        (f"insight-status:{change.pk}:{by_theme.pk}", "tema@example.se"),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        insight_follow_up(insight=insight, status=InsightStatus.ACTED_ON, response="Nu", by=staff)
        insight_status_alert(change=change, by=staff)
    assert _status_mails() == first
    assert InsightStatusChange.objects.count() == 1

    swedish = outbox_mail(to="kommun@example.se")
    assert "Genomförd" in swedish.subject
    assert "Biblioteket i Solna har öppnat sina lokaler." in swedish.body_text
    assert "KUN 2026/123" in swedish.body_text
    assert "Kulturnämnden" in swedish.body_text
    assert insight.summary.get_absolute_url() in swedish.body_text
    assert "Acted on" in outbox_mail(to="tema@example.se").subject

    with django_capture_on_commit_callbacks(execute=True):
        insight_follow_up(insight=insight, status=InsightStatus.PASSED_ON, by=staff)
    assert len(_status_mails()) == 4


def test_the_follow_up_is_stored_with_a_default_date(insight):
    insight_follow_up(
        insight=insight, status=InsightStatus.CONSIDERING, response="  Vi utreder.  ", by=None
    )
    insight.refresh_from_db()
    assert insight.status == InsightStatus.CONSIDERING
    assert insight.response == "Vi utreder."
    assert insight.status_date == timezone.localdate()
    insight_follow_up(
        insight=insight,
        status=InsightStatus.ACTED_ON,
        status_date=dt.date(2026, 5, 4),
        by=None,
    )
    insight.refresh_from_db()
    assert insight.status_date == dt.date(2026, 5, 4)
    assert list(insight.status_changes.values_list("previous_status", "status")) == [
        ("new", "considering"),
        ("considering", "acted_on"),
    ]


def test_an_unknown_status_is_refused(insight):
    with pytest.raises(RefusalError):
        insight_follow_up(insight=insight, status="done", by=None)
    insight.refresh_from_db()
    assert insight.status == InsightStatus.NEW


def test_a_draft_summarys_insight_tells_nobody(places, django_capture_on_commit_callbacks):
    subscription_create(user=UserFactory(), municipality=places["Solna"])
    insight = InsightFactory(summary=SummaryFactory(published_at=None))
    insight.municipalities.add(places["Solna"])
    with django_capture_on_commit_callbacks(execute=True):
        insight_follow_up(insight=insight, status=InsightStatus.ACTED_ON, by=None)
    assert _status_mails() == []


def test_participants_who_opt_in_hear_of_their_meetings_insights(
    insight, django_capture_on_commit_callbacks
):
    meeting = insight.summary.meeting
    attended = RegistrationFactory(meeting=meeting, checked_in_at=timezone.now())
    absent = RegistrationFactory(meeting=meeting)
    insight_follow_create(user=attended.user, meeting=meeting)
    insight_follow_create(user=attended.user, meeting=meeting)
    assert InsightFollow.objects.count() == 1
    with pytest.raises(RefusalError):
        insight_follow_create(user=absent.user, meeting=meeting)

    with django_capture_on_commit_callbacks(execute=True):
        insight_follow_up(insight=insight, status=InsightStatus.CONSIDERING, by=None)
    assert [to for _key, to in _status_mails()] == [attended.user.email]

    insight_follow_delete(user=attended.user, meeting=meeting)
    with django_capture_on_commit_callbacks(execute=True):
        insight_follow_up(insight=insight, status=InsightStatus.ACTED_ON, by=None)
    assert len(_status_mails()) == 1


# --- Pages -------------------------------------------------------------------------------------

REGISTER = reverse("dialogues:insight_list")
ACTED = reverse("dialogues:insight_acted_list")


def _acted(text: str, on: dt.date, case_number: str = "", **kwargs):
    insight = InsightFactory(text=text, **kwargs)
    insight_follow_up(
        insight=insight,
        status=InsightStatus.ACTED_ON,
        response=f"Svar på {text}",
        status_date=on,
        case_number=case_number,
        by=None,
    )
    return insight


def test_the_register_shows_status_and_response_and_filters_by_status(client):
    _acted("Öppna biblioteken", dt.date(2026, 3, 1))
    InsightFactory(text="Dyra lokaler")
    body = client.get(REGISTER).content.decode()
    assert "Genomförd" in body
    assert "Svar på Öppna biblioteken" in body
    assert "Ny" in body
    acted = client.get(REGISTER, {"status": "acted_on"}).content.decode()
    assert "Öppna biblioteken" in acted
    assert "Dyra lokaler" not in acted
    fresh = client.get(REGISTER, {"status": "new"}).content.decode()
    assert "Dyra lokaler" in fresh
    assert "Öppna biblioteken" not in fresh
    # An unknown status is ignored rather than emptying the register or failing.
    assert "Dyra lokaler" in client.get(REGISTER, {"status": "klart"}).content.decode()
    rows = client.get(reverse("dialogues:insight_export_json")).json()["insights"]
    by_text = {row["text"]: row for row in rows}
    assert by_text["Öppna biblioteken"]["status"] == "acted_on"
    assert by_text["Öppna biblioteken"]["status_date"] == "2026-03-01"


def test_a_summary_page_shows_its_insights_status(client):
    insight = _acted("Öppna biblioteken", dt.date(2026, 3, 1), case_number="KUN 2026/7")
    body = client.get(insight.summary.get_absolute_url()).content.decode()
    assert "Genomförd" in body
    assert "Svar på Öppna biblioteken" in body
    assert "KUN 2026/7" in body


def test_the_acted_on_page_lists_newest_decision_first_and_nothing_unpublished(client):
    _acted("Äldre beslut", dt.date(2026, 1, 10))
    _acted("Nyare beslut", dt.date(2026, 6, 1))
    _acted("Utkastets beslut", dt.date(2026, 7, 1), summary=SummaryFactory(published_at=None))
    considering = InsightFactory(text="Under beredning")
    insight_follow_up(insight=considering, status=InsightStatus.CONSIDERING, by=None)
    body = client.get(ACTED).content.decode()
    assert "Ni sa \u2013 vi gjorde" in body
    assert body.index("Nyare beslut") < body.index("Äldre beslut")
    assert "Utkastets beslut" not in body
    assert "Under beredning" not in body
    english = client.get("/en" + ACTED).content.decode()
    assert "You said \u2013 we did" in english


@pytest.mark.parametrize("size", [3, 40])
def test_the_acted_on_page_query_count_is_flat(client, django_assert_num_queries, size, places):
    for n in range(size):
        insight = _acted(f"Beslut {n}", dt.date(2026, 1, 1) + dt.timedelta(days=n))
        insight.municipalities.add(places["Solna"])
    with django_assert_num_queries(3):
        assert client.get(ACTED).status_code == 200


def test_a_participant_opts_in_on_the_summary_page(client, insight):
    meeting = insight.summary.meeting
    attended = RegistrationFactory(meeting=meeting, checked_in_at=timezone.now())
    url = insight.summary.get_absolute_url()
    client.force_login(attended.user)
    assert "Följ vad som händer med de här insikterna" in client.get(url).content.decode()
    response = client.post(reverse("dialogues:insight_follow_create", args=[insight.summary.slug]))
    assert response.status_code == 302
    assert response["Location"] == url
    assert InsightFollow.objects.filter(user=attended.user, meeting=meeting).exists()
    assert "Sluta följa de här insikterna" in client.get(url).content.decode()
    assert insight.summary.title in client.get(reverse("accounts:my_pages")).content.decode()
    client.post(reverse("dialogues:insight_follow_delete", args=[insight.summary.slug]))
    assert not InsightFollow.objects.exists()


def test_someone_who_did_not_take_part_cannot_opt_in(client, insight):
    outsider = UserFactory()
    client.force_login(outsider)
    url = insight.summary.get_absolute_url()
    assert "Följ vad som händer" not in client.get(url).content.decode()
    response = client.post(
        reverse("dialogues:insight_follow_create", args=[insight.summary.slug]), follow=True
    )
    assert response.status_code == 200
    assert "Bara de som deltog i mötet" in response.content.decode()
    assert not InsightFollow.objects.exists()
    draft = SummaryFactory(published_at=None)
    response = client.post(reverse("dialogues:insight_follow_create", args=[draft.slug]))
    assert response.status_code == 404


def test_follows_are_in_the_data_export_and_go_with_the_account(insight):
    from dialogues.summaries import account_hooks

    attended = RegistrationFactory(meeting=insight.summary.meeting, checked_in_at=timezone.now())
    insight_follow_create(user=attended.user, meeting=insight.summary.meeting)
    exported = account_hooks.export(attended.user)
    assert exported["followed_meetings"][0]["meeting"] == insight.summary.meeting.title
    account_hooks.erase(attended.user)
    assert not InsightFollow.objects.exists()


# --- Admin -------------------------------------------------------------------------------------


def test_staff_set_the_follow_up_on_the_insights_page(staff_client, insight):
    url = reverse("admin:dialogues_insight_change", args=[insight.pk])
    assert staff_client.get(url).status_code == 200
    response = staff_client.post(
        url,
        {
            "status": "passed_on",
            "response": "Frågan gäller kommunen.",
            "status_date": "2026-04-02",
            "case_number": "KUN 2026/9",
            "responsible_body": "Solna stad",
            "status_changes-TOTAL_FORMS": "0",
            "status_changes-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.context["adminform"].errors
    insight.refresh_from_db()
    assert insight.status == InsightStatus.PASSED_ON
    assert insight.responsible_body == "Solna stad"
    assert insight.status_changes.get().changed_by == staff_client.user


def test_the_bulk_action_keeps_what_was_typed_on_bad_input(staff_client, insight):
    changelist = reverse("admin:dialogues_insight_changelist")
    response = staff_client.post(
        changelist,
        {
            "action": "set_status",
            "_selected_action": [insight.pk],
            "apply": "1",
            "status": "acted_on",
            "response": "Vi har gjort det.",
            "status_date": "den andra april",
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Fyll i ett giltigt datum." in body
    assert "Vi har gjort det." in body
    insight.refresh_from_db()
    assert insight.status == InsightStatus.NEW


def test_the_demo_shows_the_follow_up_and_seeding_again_changes_nothing(client):
    from django.core.management import call_command

    call_command("seed_demo")
    before = sorted(InsightStatusChange.objects.values_list("insight_id", "status", "changed_at"))
    call_command("seed_demo")
    assert (
        sorted(InsightStatusChange.objects.values_list("insight_id", "status", "changed_at"))
        == before
    )
    statuses = set(InsightStatusChange.objects.values_list("status", flat=True))
    assert statuses == set(InsightStatus.values) - {InsightStatus.NEW}
    body = client.get(ACTED).content.decode()
    assert "KUN 2026/0412" in body
    assert not OutgoingEmail.objects.filter(key__startswith="insight-status:").exists()


def test_a_draft_summarys_follow_up_is_on_no_public_page_or_export(client):
    """Responses, case numbers and bodies of a draft's insights stay with staff."""
    _acted("Synlig insikt", dt.date(2026, 2, 1))
    draft = InsightFactory(text="Utkastets insikt", summary=SummaryFactory(published_at=None))
    draft.municipalities.add(Municipality.objects.get(slug="norrtalje"))
    insight_follow_up(
        insight=draft,
        status=InsightStatus.ACTED_ON,
        response="Hemligt svar",
        case_number="KUN 2026/999",
        responsible_body="Hemlig nämnd",
        by=None,
    )
    for url in (
        REGISTER,
        f"{REGISTER}?status=acted_on",
        ACTED,
        reverse("dialogues:insight_export_csv"),
        reverse("dialogues:insight_export_json"),
        reverse("dialogues:summary_feed"),
        reverse("dialogues:summary_export_csv"),
        reverse("dialogues:summary_export_json"),
        reverse("catalogue_dcat"),
        draft.summary.meeting.get_absolute_url(),
        reverse("dialogues:municipality_detail", args=["norrtalje"]),
        reverse("dialogues:municipality_list"),
    ):
        body = client.get(url).content.decode()
        for secret in ("Utkastets insikt", "Hemligt svar", "KUN 2026/999", "Hemlig nämnd"):
            assert secret not in body, (url, secret)
    assert "Synlig insikt" in client.get(ACTED).content.decode()
