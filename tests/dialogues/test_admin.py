"""Staff work in admin: counts, actions, check-in, CSV export, invitations."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from dialogues.models import Invitation, MeetingStatus, Registration, RegistrationStatus
from portal.outbox.models import OutgoingEmail
from tests.dialogues.factories import (
    InvitationFactory,
    MeetingFactory,
    RegistrantFactory,
    RegistrationFactory,
)
from tests.outbox import outbox_mail

pytestmark = pytest.mark.django_db


def _action(client, model: str, action: str, objects, **extra):
    return client.post(
        reverse(f"admin:dialogues_{model}_changelist"),
        {"action": action, "_selected_action": [o.pk for o in objects], **extra},
    )


@pytest.mark.parametrize("size", [5, 100])
def test_meeting_changelist_query_count_is_the_same_at_5_and_100(
    staff_client, django_assert_num_queries, size
):
    for meeting in MeetingFactory.create_batch(size):
        RegistrationFactory(meeting=meeting)
    # Two of these are the admin's second-factor check (the session's authenticator).
    with django_assert_num_queries(10):
        response = staff_client.get(reverse("admin:dialogues_meeting_changelist"))
    assert response.status_code == 200


@pytest.mark.parametrize("size", [5, 100])
def test_registration_changelist_query_count_is_the_same_at_5_and_100(
    staff_client, django_assert_num_queries, size
):
    RegistrationFactory.create_batch(size)
    # No count of every registration, and the meeting filter lists no meetings.
    with django_assert_num_queries(7):
        response = staff_client.get(reverse("admin:dialogues_registration_changelist"))
    assert response.status_code == 200


@pytest.mark.parametrize("size", [5, 100])
def test_invitation_changelist_query_count_is_the_same_at_5_and_100(
    staff_client, django_assert_num_queries, size
):
    for invitation in InvitationFactory.create_batch(size):
        RegistrationFactory(meeting=invitation.meeting, invitation=invitation)
    # The page's registrations (for "registered") are fetched for its rows, after them.
    with django_assert_num_queries(8):
        response = staff_client.get(reverse("admin:dialogues_invitation_changelist"))
    assert response.status_code == 200


@pytest.mark.parametrize("size", [5, 100])
def test_series_changelist_query_count_is_the_same_at_5_and_100(
    staff_client, django_assert_num_queries, size
):
    MeetingFactory.create_batch(size)
    with django_assert_num_queries(7):
        response = staff_client.get(reverse("admin:dialogues_dialogueseries_changelist"))
    assert response.status_code == 200


def test_changelist_shows_counts(staff_client):
    meeting = MeetingFactory(title="Räknat möte", capacity=1)
    RegistrationFactory(meeting=meeting)
    RegistrationFactory(meeting=meeting, status=RegistrationStatus.WAITLISTED)
    RegistrationFactory(meeting=meeting, status=RegistrationStatus.WAITLISTED)
    response = staff_client.get(reverse("admin:dialogues_meeting_changelist"))
    row = response.context["cl"].result_list.get(pk=meeting.pk)
    assert (row.confirmed_count, row.waitlisted_count, row.pending_count) == (1, 2, 0)


def test_publish_and_cancel_actions(staff_client):
    meeting = MeetingFactory(status=MeetingStatus.DRAFT, published_at=None)
    _action(staff_client, "meeting", "publish", [meeting])
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PUBLISHED
    registration = RegistrationFactory(meeting=meeting)
    _action(staff_client, "meeting", "cancel_meetings", [meeting])
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CANCELLED
    assert OutgoingEmail.objects.filter(
        key=f"dialogues:meeting_cancelled:{registration.pk}"
    ).exists()


def test_approve_decline_and_check_in_actions(staff_client):
    meeting = MeetingFactory(requires_approval=True, capacity=5)
    first, second = RegistrationFactory.create_batch(
        2, meeting=meeting, status=RegistrationStatus.PENDING
    )
    _action(staff_client, "registration", "approve", [first])
    _action(staff_client, "registration", "decline", [second])
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == RegistrationStatus.CONFIRMED
    assert second.status == RegistrationStatus.DECLINED
    _action(staff_client, "registration", "check_in", [first, second])
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.checked_in_at is not None
    assert second.checked_in_at is None


def test_check_in_by_code_view(staff_client):
    registration = RegistrationFactory()
    url = reverse("admin:dialogues_meeting_check_in", args=[registration.meeting.pk])
    assert staff_client.get(url).status_code == 200
    response = staff_client.post(url, {"code": "WRONGCOD"})
    assert response.status_code == 200
    assert response.context["result"].outcome == "refused"
    staff_client.post(url, {"code": registration.check_in_code})
    registration.refresh_from_db()
    assert registration.checked_in_at is not None


def test_csv_export_starts_with_a_needs_summary(staff_client):
    meeting = MeetingFactory()
    RegistrationFactory(meeting=meeting, accessibility_needs="Teckenspråkstolk")
    RegistrationFactory(meeting=meeting, dietary_needs="Glutenfri")
    RegistrationFactory(meeting=meeting, status=RegistrationStatus.CANCELLED, dietary_needs="X")
    response = _action(staff_client, "meeting", "export_csv", [meeting])
    text = response.content.decode("utf-8-sig")
    summary, _, table = text.partition("\r\n\r\n")
    assert "Teckenspråkstolk" in summary
    assert "Glutenfri" in summary
    assert "X" not in summary.split()
    assert len(table.strip().splitlines()) == 3  # header and the two active registrations


def test_send_invitations_view_run_twice_sends_once(
    staff_client, django_capture_on_commit_callbacks
):
    meeting = MeetingFactory()
    consenting = RegistrantFactory(
        stakeholder_group="professional_artist", invitations_consented_at=timezone.now()
    )
    RegistrantFactory(stakeholder_group="professional_artist")  # no consent
    url = reverse("admin:dialogues_meeting_invitations", args=[meeting.pk])
    data = {"groups": ["professional_artist"], "emails": "ny.person@example.se\nfel-adress"}
    response = staff_client.post(url, data)
    assert response.status_code == 200
    assert response.context["form"].errors
    data["emails"] = "ny.person@example.se; NY.PERSON@example.se"
    data["send"] = "1"
    # The mail-out's rows are written by its fan-out, after the commit.
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(url, data)
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(url, data)
    assert sorted(Invitation.objects.values_list("email", flat=True)) == sorted(
        [consenting.email, "ny.person@example.se"]
    )
    mails = OutgoingEmail.objects.filter(template="dialogues/email/invitation")
    assert sorted(mails.values_list("to", flat=True)) == sorted(
        [consenting.email, "ny.person@example.se"]
    )
    invitation = Invitation.objects.get(email="ny.person@example.se")
    assert invitation.token in mails.get(to="ny.person@example.se").body_text


def test_staff_edit_of_time_mails_registrants(staff_client):
    meeting = MeetingFactory()
    registration = RegistrationFactory(meeting=meeting)
    url = reverse("admin:dialogues_meeting_change", args=[meeting.pk])
    form = staff_client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    new_start = timezone.localtime(meeting.starts_at + timezone.timedelta(hours=3))
    new_end = new_start + timezone.timedelta(hours=2)
    data.update(
        {
            "series": meeting.series.pk,
            "starts_at_0": new_start.strftime("%Y-%m-%d"),
            "starts_at_1": new_start.strftime("%H:%M:%S"),
            "ends_at_0": new_end.strftime("%Y-%m-%d"),
            "ends_at_1": new_end.strftime("%H:%M:%S"),
            "registration_opens_at_0": "",
            "registration_opens_at_1": "",
            "registration_closes_at_0": "",
            "registration_closes_at_1": "",
            "audience_groups": [],
        }
    )
    data.pop("starts_at", None)
    data.pop("ends_at", None)
    response = staff_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    meeting.refresh_from_db()
    assert meeting.sequence == 1
    assert OutgoingEmail.objects.filter(
        key=f"dialogues:meeting_changed:{registration.pk}:1"
    ).exists()
    assert Registration.objects.get(pk=registration.pk).status == RegistrationStatus.CONFIRMED


def test_a_meeting_created_as_published_is_published_by_the_service(staff_client, rf):
    """Creating a meeting straight as published records when, as publishing a draft does, so
    it shows on Mina sidor and stays reachable if it is later cancelled."""
    from django.contrib import admin

    from dialogues.models import Meeting
    from tests.dialogues.factories import DialogueSeriesFactory

    meeting = MeetingFactory.build(
        series=DialogueSeriesFactory(), status=MeetingStatus.PUBLISHED, published_at=None
    )
    request = rf.post("/admin/dialogues/meeting/add/")
    request.user = staff_client.user
    admin.site._registry[Meeting].save_model(request, meeting, form=None, change=False)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PUBLISHED
    assert meeting.published_at is not None


def test_staff_cancelling_asks_first_then_mails_the_person_and_fills_the_seat(staff_client):
    meeting = MeetingFactory(capacity=1)
    holder = RegistrationFactory(meeting=meeting)
    waiting = RegistrationFactory(meeting=meeting, status=RegistrationStatus.WAITLISTED)
    response = _action(staff_client, "registration", "cancel", [holder])
    assert response.status_code == 200
    assert "Ja, jag är säker" in response.content.decode()
    holder.refresh_from_db()
    assert holder.status == RegistrationStatus.CONFIRMED
    _action(staff_client, "registration", "cancel", [holder], post="yes")
    holder.refresh_from_db()
    waiting.refresh_from_db()
    assert holder.status == RegistrationStatus.CANCELLED
    assert waiting.status == RegistrationStatus.CONFIRMED
    mail = outbox_mail(key=f"dialogues:registration_cancelled_by_staff:{holder.pk}")
    assert mail.to == holder.user.email
    assert "avbokat" in mail.body_text


def test_staff_give_a_waitlisted_person_a_seat_by_hand(staff_client):
    meeting = MeetingFactory(capacity=1)
    RegistrationFactory(meeting=meeting)
    first = RegistrationFactory(meeting=meeting, status=RegistrationStatus.WAITLISTED)
    second = RegistrationFactory(meeting=meeting, status=RegistrationStatus.WAITLISTED)
    _action(staff_client, "registration", "promote", [second])
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("waitlisted", "confirmed")
    assert OutgoingEmail.objects.filter(
        key=f"dialogues:registration_promoted:{second.pk}:{second.version}"
    ).exists()


def test_check_in_view_warns_when_already_checked_in(staff_client):
    registration = RegistrationFactory()
    url = reverse("admin:dialogues_meeting_check_in", args=[registration.meeting.pk])
    staff_client.post(url, {"code": registration.check_in_code})
    response = staff_client.post(url, {"code": registration.check_in_code})
    text = response.content.decode()
    assert "redan incheckad kl." in text or "already checked in at" in text


def test_the_meeting_page_starts_its_minutes_and_summary_and_they_link_back(staff_client):
    """From a held meeting staff write the minutes and the summary (prefilled from the
    meeting); once they exist the meeting opens them, and they link back to it."""
    from tests.dialogues.factories import SummaryFactory

    meeting = MeetingFactory(
        title="Kommundialog i Södertälje",
        starts_at=timezone.now() - dt.timedelta(days=3),
    )
    change = reverse("admin:dialogues_meeting_change", args=[meeting.pk])
    page = staff_client.get(change).content.decode()
    minutes_add = f"{reverse('admin:dialogues_minutes_add')}?meeting={meeting.pk}"
    summary_add = f"{reverse('admin:dialogues_summary_add')}?meeting={meeting.pk}"
    assert f'href="{minutes_add}"' in page
    assert f'href="{summary_add}"' in page
    prefilled = staff_client.get(summary_add)
    assert prefilled.context["adminform"].form.initial["title"] == meeting.title

    summary = SummaryFactory(meeting=meeting, published_at=None)
    page = staff_client.get(change).content.decode()
    summary_change = reverse("admin:dialogues_summary_change", args=[summary.pk])
    assert f'href="{summary_change}"' in page
    assert summary_add not in page
    back = staff_client.get(summary_change).content.decode()
    assert f'href="{change}"' in back


def test_invitations_show_how_many_are_mailed_and_the_mail_before_sending(staff_client):
    """The first step writes nothing: it counts the new addresses (apart from those invited
    before) and shows the mail; only "Send" sends."""
    meeting = MeetingFactory(title="Kommundialog om bibliotek")
    RegistrantFactory(stakeholder_group="association", invitations_consented_at=timezone.now())
    InvitationFactory(meeting=meeting, email="redan@example.se")
    url = reverse("admin:dialogues_meeting_invitations", args=[meeting.pk])
    page = staff_client.get(url).content.decode()
    assert 'type="checkbox" name="municipalities"' in page
    data = {"groups": ["association"], "emails": "ny@example.se\nredan@example.se"}
    response = staff_client.post(url, {**data, "preview": "1"})
    page = response.content.decode()
    assert "2 personer får e-post." in page
    assert "1 adress har bjudits in tidigare" in page
    assert "Inbjudan: Kommundialog om bibliotek" in page
    assert "Skicka 2 inbjudningar" in page
    assert Invitation.objects.count() == 1
    assert not OutgoingEmail.objects.exists()
    staff_client.post(url, {**data, "send": "1"})
    assert Invitation.objects.count() == 3


def _unchanged_post(form, meeting) -> dict:
    """The change form's data as the browser would send it back, nothing edited."""
    data = {k: v for k, v in form.initial.items() if v is not None}
    for name in ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at"):
        value = data.pop(name, None)
        local = timezone.localtime(value) if value else None
        data[f"{name}_0"] = local.strftime("%Y-%m-%d") if local else ""
        data[f"{name}_1"] = local.strftime("%H:%M:%S") if local else ""
    data["series"] = meeting.series_id
    data["audience_groups"] = data.get("audience_groups") or []
    return data


def test_a_meeting_with_3000_invitations_and_registrations_saves_unchanged(staff_client):
    """Registrations and invitations are no inlines: the page stays small and its form has
    only the meeting's own fields, so saving it never hits the limit on submitted fields."""
    from accounts.models import User

    meeting = MeetingFactory(capacity=None)
    users = User.objects.bulk_create(
        [User(email=f"massan{i}@example.se", password="!") for i in range(3000)]
    )
    invitations = Invitation.objects.bulk_create(
        [
            Invitation(meeting=meeting, email=user.email, user=user, token=f"token-{i}")
            for i, user in enumerate(users)
        ]
    )
    Registration.objects.bulk_create(
        [
            Registration(
                meeting=meeting,
                user=invitation.user,
                invitation=invitation,
                status=RegistrationStatus.CONFIRMED,
                check_in_code=f"{i:08d}".translate(str.maketrans("0123456789", "ABCDEFGHJK")),
            )
            for i, invitation in enumerate(invitations)
        ]
    )
    url = reverse("admin:dialogues_meeting_change", args=[meeting.pk])
    response = staff_client.get(url)
    assert response.status_code == 200
    assert len(response.content) < 200_000
    page = response.content.decode()
    assert "3000 inbjudningar" in page
    assert f"?meeting__id__exact={meeting.pk}" in page
    response = staff_client.post(url, _unchanged_post(response.context["adminform"].form, meeting))
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Registration.objects.filter(meeting=meeting).count() == 3000


@pytest.mark.parametrize("model", ["registration", "invitation"])
def test_the_meeting_filter_searches_instead_of_listing_every_meeting(staff_client, model):
    """The filter is the autocomplete widget: the page names only the chosen meeting, and
    links to a meeting's registrations or invitations keep working."""
    chosen, other = MeetingFactory(title="Valt möte"), MeetingFactory(title="Annat möte")
    for meeting in (chosen, other):
        invitation = InvitationFactory(meeting=meeting)
        RegistrationFactory(meeting=meeting, invitation=invitation)
    url = reverse(f"admin:dialogues_{model}_changelist")
    page = staff_client.get(url).content.decode()
    filters = page.split('id="changelist-filter"')[1].split("</nav>")[0]
    assert "admin-autocomplete" in filters
    assert "js/autocomplete_filter.js" in page
    assert "Annat möte" not in filters
    assert "Valt möte" not in filters
    response = staff_client.get(url, {"meeting__id__exact": chosen.pk})
    assert list(response.context["cl"].result_list.values_list("meeting", flat=True)) == [chosen.pk]
    filter_html = response.content.decode().split('class="autocomplete-filter"')[1]
    assert "Valt möte" in filter_html.split("</form>")[0]
    # A value that is no key is the admin's "invalid filter", not a server error.
    assert staff_client.get(url, {"meeting__id__exact": "abc"}).status_code == 302


def test_inviting_10000_addresses_takes_a_handful_of_queries_and_sends_in_the_workers(
    staff_client, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    """Invitations are written in bulk and the mail is left to the mail-out's workers: the
    request costs the same few queries for ten thousand addresses as for ten, addresses
    invited before keep their invitation, and staff land on the mail-out's progress."""
    from portal.models import MailOut

    meeting = MeetingFactory()
    before = InvitationFactory(meeting=meeting, email="adress7@example.se")
    emails = "\n".join(f"Adress{i}@example.se" for i in range(10_000))
    url = reverse("admin:dialogues_meeting_invitations", args=[meeting.pk])
    with django_capture_on_commit_callbacks() as callbacks, django_assert_max_num_queries(30):
        response = staff_client.post(url, {"emails": emails, "send": "1"})
    mailout = MailOut.objects.get(key=f"dialogues:invitations:{meeting.pk}")
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:portal_mailout_change", args=[mailout.pk])
    assert mailout.total == 10_000
    assert len(callbacks) == 1  # the fan-out, published after the commit
    assert Invitation.objects.filter(meeting=meeting).count() == 10_000
    assert Invitation.objects.get(pk=before.pk).token == before.token
    assert not OutgoingEmail.objects.exists()
