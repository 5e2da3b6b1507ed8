"""Summaries: publish/unpublish workflow and permissions, the public page, minutes, sanitising."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from dialogues.models import Minutes, MinutesStatus
from dialogues.summaries.models import Summary
from dialogues.summaries.services import markdown_render, summary_publish, summary_unpublish
from tests.accounts.factories import UserFactory
from tests.dialogues.factories import InsightFactory, RegistrationFactory, SummaryFactory

pytestmark = pytest.mark.django_db


def _detail(summary):
    return reverse("dialogues:summary_detail", args=[summary.slug])


def test_publish_records_who_and_when_and_unpublish_hides_it(client):
    """Publishing sets the time and the publisher; unpublishing takes the page down again."""
    staff = UserFactory(is_staff=True)
    summary = SummaryFactory(published_at=None)
    assert client.get(_detail(summary)).status_code == 404

    summary = summary_publish(summary=summary, by=staff)
    assert summary.published_at is not None
    assert summary.published_by == staff
    assert client.get(_detail(summary)).status_code == 200

    summary = summary_unpublish(summary=summary, by=staff)
    assert summary.published_at is None
    assert summary.unpublished_by == staff
    assert summary.unpublished_at is not None
    assert client.get(_detail(summary)).status_code == 404


def test_staff_preview_a_draft_on_the_public_page(staff_client):
    """Staff see a draft on the very page the public will see, marked as a preview."""
    summary = SummaryFactory(published_at=None, title="Utkast om lokaler")
    response = staff_client.get(_detail(summary))
    assert response.status_code == 200
    assert "Utkast om lokaler" in response.content.decode()
    assert response.templates[0].name == "dialogues/summary_detail.html"


def test_admin_publish_button_and_unpublish(staff_client):
    """The change form's buttons publish and unpublish, recording the staff member."""
    summary = SummaryFactory(published_at=None)
    response = staff_client.post(reverse("admin:dialogues_summary_publish", args=[summary.pk]))
    assert response.status_code == 302
    summary.refresh_from_db()
    assert summary.published_at
    assert summary.published_by == staff_client.user
    staff_client.post(reverse("admin:dialogues_summary_unpublish", args=[summary.pk]))
    summary.refresh_from_db()
    assert summary.published_at is None


def test_admin_publish_action(staff_client):
    drafts = SummaryFactory.create_batch(2, published_at=None)
    staff_client.post(
        reverse("admin:dialogues_summary_changelist"),
        {"action": "publish", "_selected_action": [s.pk for s in drafts]},
    )
    assert Summary.objects.published().count() == 2


def test_a_summary_of_a_never_published_meeting_cannot_be_published(staff_client):
    """The summary page shows its meeting's title, date and place, so a draft meeting must be
    published first; the admin says so instead of failing."""
    from dialogues.models import MeetingStatus
    from portal.errors import RefusalError
    from tests.dialogues.factories import MeetingFactory

    meeting = MeetingFactory(status=MeetingStatus.DRAFT, published_at=None, title="Hemligt möte")
    summary = SummaryFactory(meeting=meeting, published_at=None)
    with pytest.raises(RefusalError):
        summary_publish(summary=summary, by=None)
    response = staff_client.post(
        reverse("admin:dialogues_summary_publish", args=[summary.pk]), follow=True
    )
    assert response.status_code == 200
    summary.refresh_from_db()
    assert summary.published_at is None
    assert "Hemligt möte" not in staff_client.get("/insikter/export.csv").content.decode()


def test_a_summary_of_a_meeting_not_yet_held_cannot_be_published(staff_client):
    """Published on 29 November for the meeting on 9 December, it topped the latest
    summaries: the service refuses, and the admin says why and when it may be published."""
    from portal.errors import RefusalError
    from tests.dialogues.factories import MeetingFactory

    meeting = MeetingFactory(title="Kommande möte")
    summary = SummaryFactory(meeting=meeting, published_at=None)
    with pytest.raises(RefusalError):
        summary_publish(summary=summary, by=None)
    response = staff_client.post(
        reverse("admin:dialogues_summary_publish", args=[summary.pk]), follow=True
    )
    assert "Mötet har inte hållits än" in response.content.decode()
    response = staff_client.post(
        reverse("admin:dialogues_summary_changelist"),
        {"action": "publish", "_selected_action": [summary.pk]},
        follow=True,
    )
    assert "Mötet har inte hållits än" in response.content.decode()
    summary.refresh_from_db()
    assert summary.published_at is None
    assert summary.title not in staff_client.get("/sammanfattningar/").content.decode()


@pytest.mark.parametrize("path", ["minutes", "summary"])
def test_admin_add_forms_ignore_a_meeting_parameter_that_is_not_an_id(staff_client, path):
    response = staff_client.get(f"/admin/dialogues/{path}/add/?meeting=abc")
    assert response.status_code == 200


def test_non_staff_cannot_publish(client):
    """A signed-in visitor who is not staff cannot reach the publish URL."""
    summary = SummaryFactory(published_at=None)
    client.force_login(UserFactory())
    response = client.post(reverse("admin:dialogues_summary_publish", args=[summary.pk]))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    summary.refresh_from_db()
    assert summary.published_at is None


def test_admin_change_form_and_changelist_render(staff_client):
    summary = SummaryFactory()
    InsightFactory(summary=summary)
    assert (
        staff_client.get(reverse("admin:dialogues_summary_change", args=[summary.pk])).status_code
        == 200
    )
    assert staff_client.get(reverse("admin:dialogues_summary_changelist")).status_code == 200
    assert staff_client.get(reverse("admin:dialogues_summary_add")).status_code == 200


def test_sanitising_removes_script_styles_and_event_handlers():
    html = markdown_render(
        "Hej **värld**\n\n<script>alert(1)</script>\n\n"
        '<p style="color:red" onclick="alert(2)">text</p>\n\n'
        '<img src=x onerror="alert(3)">\n\n[länk](javascript:alert(4))'
    )
    assert "<strong>värld</strong>" in html
    for forbidden in ("<script", "style=", "onclick", "onerror", "javascript:", "<img"):
        assert forbidden not in html


def test_summary_page_renders_sanitised_text(client):
    summary = SummaryFactory(text='Bra möte <script>alert("x")</script> <b onmouseover="x()">b</b>')
    body = client.get(_detail(summary)).content.decode()
    assert "<script>alert" not in body
    assert "onmouseover" not in body


def test_only_consenting_attendees_organisations_are_listed(client):
    """Organisations show only when the attendee agreed, for the meeting and in the profile."""
    summary = SummaryFactory()
    now = timezone.now()
    RegistrationFactory(
        meeting=summary.meeting,
        checked_in_at=now,
        consent_to_be_listed=True,
        user=UserFactory(organisation="Synlig förening", public_listing_consented_at=now),
    )
    RegistrationFactory(
        meeting=summary.meeting,
        checked_in_at=now,
        consent_to_be_listed=False,
        user=UserFactory(
            organisation="Hemlig förening",
            display_name="Hemlig Person",
            public_listing_consented_at=now,
        ),
    )
    RegistrationFactory(
        meeting=summary.meeting,
        checked_in_at=now,
        consent_to_be_listed=True,
        user=UserFactory(organisation="Tillbakadragen förening", display_name="Ångrad Person"),
    )
    body = client.get(_detail(summary)).content.decode()
    assert "Synlig förening" in body
    for hidden in ("Hemlig förening", "Hemlig Person", "Tillbakadragen förening", "Ångrad Person"):
        assert hidden not in body


def test_minutes_never_appear_on_public_pages(client):
    """Minutes text and decisions are internal: not on the summary, list, feed or exports."""
    summary = SummaryFactory()
    Minutes.objects.create(
        meeting=summary.meeting, text="INTERNT PROTOKOLL", decisions="HEMLIGT BESLUT"
    )
    for url in (
        _detail(summary),
        reverse("dialogues:summary_list"),
        reverse("dialogues:summary_list") + "?q=protokoll",
        reverse("dialogues:summary_feed"),
        reverse("dialogues:insight_list"),
        reverse("dialogues:insight_export_csv"),
        reverse("dialogues:insight_export_json"),
    ):
        body = client.get(url).content.decode()
        assert "INTERNT PROTOKOLL" not in body, url
        assert "HEMLIGT BESLUT" not in body, url


def test_minutes_admin_prefills_and_approves(staff_client):
    """New minutes start from the check-ins; approving records who and when."""
    summary = SummaryFactory()
    RegistrationFactory(meeting=summary.meeting, checked_in_at=timezone.now())
    RegistrationFactory(meeting=summary.meeting)
    response = staff_client.get(
        reverse("admin:dialogues_minutes_add") + f"?meeting={summary.meeting.pk}"
    )
    assert response.context["adminform"].form.initial["attendee_count"] == 1
    staff_client.post(
        reverse("admin:dialogues_minutes_add"),
        {"meeting": summary.meeting.pk, "text": "Protokoll", "attendee_count": 1,
         "attending_organisations": "", "decisions": "", "status": MinutesStatus.APPROVED},
    )  # fmt: skip
    minutes = Minutes.objects.get(meeting=summary.meeting)
    assert minutes.status == MinutesStatus.APPROVED
    assert minutes.approved_by == staff_client.user
    assert minutes.approved_at


@pytest.mark.parametrize("size", [5, 100])
def test_detail_query_count_is_flat(client, django_assert_num_queries, size):
    """The summary page costs the same number of queries however many summaries exist."""
    summaries = SummaryFactory.create_batch(size)
    summary = summaries[0]
    for _ in range(3):
        InsightFactory(summary=summary)
    with django_assert_num_queries(6):
        assert client.get(_detail(summary)).status_code == 200


def test_home_lists_latest_published_summaries_only(client):
    SummaryFactory(title="Publicerad på startsidan")
    SummaryFactory(title="Utkast på startsidan", published_at=None)
    body = client.get(reverse("portal:home")).content.decode()
    assert "Publicerad på startsidan" in body
    assert "Utkast på startsidan" not in body
