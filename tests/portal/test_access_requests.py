"""Access and accommodation requests, for every kind of event (portal/registrations/access.py)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from dialogues import services as meetings
from portal.errors import RefusalError
from portal.outbox.models import OutgoingEmail
from portal.registrations import access
from portal.registrations import services as core
from portal.registrations.access import AccessWish
from portal.registrations.models import AccessKind, AccessRequest, AccessRequestStatus
from stockholmstinget import services as tinget
from tests.dialogues.factories import MeetingFactory, RegistrantFactory
from tests.outbox import outbox_mail
from tests.stockholmstinget.factories import EditionFactory

pytestmark = pytest.mark.django_db

CONTACT = "karin.lindqvist@regionstockholm.se"


@pytest.fixture(autouse=True)
def lead_times(db):
    # The data migration's defaults; a flushed database (browser tests) loses them.
    for code, days in {"sign_language": 21, "hearing_loop": 7, "diet": 5, "other": 7}.items():
        AccessKind.objects.update_or_create(code=code, defaults={"lead_days": days})


def late_keys() -> list[str]:
    return sorted(
        OutgoingEmail.objects.filter(key__startswith="registrations:access-late:").values_list(
            "key", flat=True
        )
    )


def test_a_request_inside_the_lead_time_is_accepted_flagged_late_and_mailed_to_the_contact():
    """An interpreter asked for ten days ahead (lead time 21 days) is late; a hearing loop
    (7 days) is not. Only the late one mails the meeting's contact."""
    meeting = MeetingFactory(starts_at=timezone.now() + dt.timedelta(days=10))
    registration = meetings.registration_create(
        meeting=meeting,
        user=RegistrantFactory(display_name="Sara Ek"),
        access=[AccessWish(kind="sign_language"), AccessWish(kind="hearing_loop")],
    )
    requests = {r.kind: r for r in AccessRequest.objects.for_registration(registration)}
    assert requests["sign_language"].is_late
    assert not requests["hearing_loop"].is_late
    assert late_keys() == [f"registrations:access-late:{requests['sign_language'].pk}"]
    mail = outbox_mail(key=late_keys()[0])
    assert mail.to == CONTACT
    assert "Teckenspråkstolk" in mail.subject
    assert "Sara Ek" in mail.body_text
    assert "/admin/registrations/accessrequest/planering/dialogues.meeting/" in mail.body_text


def test_the_late_mail_goes_once_however_often_the_person_saves():
    meeting = MeetingFactory(starts_at=timezone.now() + dt.timedelta(days=3))
    user = RegistrantFactory()
    registration = meetings.registration_create(
        meeting=meeting, user=user, access=[AccessWish(kind="sign_language")]
    )
    for _ in range(2):
        meetings.registration_update(
            registration=registration,
            user=user,
            accessibility_needs="",
            dietary_needs="",
            message="",
            consent_to_be_listed=False,
            access=[AccessWish(kind="sign_language"), AccessWish(kind="diet", details="nötter")],
        )
    # Sign language once, diet once (three days ahead is inside diet's five).
    assert len(late_keys()) == 2
    assert AccessRequest.objects.for_registration(registration).count() == 2


def test_in_good_time_nothing_is_late_and_nobody_is_mailed():
    meeting = MeetingFactory(starts_at=timezone.now() + dt.timedelta(days=30))
    meetings.registration_create(
        meeting=meeting, user=RegistrantFactory(), access=[AccessWish(kind="sign_language")]
    )
    assert not AccessRequest.objects.filter(is_late=True).exists()
    assert late_keys() == []


def test_a_stockholmstinget_registration_takes_requests_and_its_contact_is_mailed():
    edition = EditionFactory(
        starts_at=timezone.now() + dt.timedelta(days=2), contact_email="tinget@example.se"
    )
    registration = tinget.registration_save(
        edition=edition,
        user=RegistrantFactory(),
        mode="in_person",
        sector="culture",
        access=[AccessWish(kind="other", details="Vilrum")],
    )
    request = AccessRequest.objects.get(edition_registration=registration)
    assert request.is_late
    assert request.details == "Vilrum"
    assert outbox_mail(key=f"registrations:access-late:{request.pk}").to == "tinget@example.se"


def test_unticking_a_kind_withdraws_it_and_keeping_it_keeps_staffs_decision():
    meeting = MeetingFactory()
    user = RegistrantFactory()
    registration = meetings.registration_create(
        meeting=meeting,
        user=user,
        access=[AccessWish(kind="hearing_loop"), AccessWish(kind="step_free")],
    )
    loop = AccessRequest.objects.get(kind="hearing_loop")
    access.access_request_decide(access_request=loop, status=AccessRequestStatus.ARRANGED)
    meetings.registration_update(
        registration=registration,
        user=user,
        accessibility_needs="",
        dietary_needs="",
        message="",
        consent_to_be_listed=False,
        access=[AccessWish(kind="hearing_loop")],
    )
    (kept,) = AccessRequest.objects.for_registration(registration)
    assert kept.pk == loop.pk
    assert kept.status == AccessRequestStatus.ARRANGED


def test_a_decision_mails_the_person_once_and_cannot_be_made_twice():
    meeting = MeetingFactory()
    user = RegistrantFactory(preferred_language="en")
    meetings.registration_create(meeting=meeting, user=user, access=[AccessWish(kind="step_free")])
    request = AccessRequest.objects.get()
    access.access_request_decide(
        access_request=request, status=AccessRequestStatus.NOT_POSSIBLE, note="Hissen är trasig."
    )
    with pytest.raises(RefusalError):
        access.access_request_decide(access_request=request, status=AccessRequestStatus.ARRANGED)
    mail = outbox_mail(key=f"registrations:access-decided:{request.pk}")
    assert mail.to == user.email
    assert mail.subject.startswith("Not possible: Step-free access")
    assert "Hissen är trasig." in mail.body_text
    request.refresh_from_db()
    assert request.status == AccessRequestStatus.NOT_POSSIBLE
    assert request.decided_at


def test_the_database_holds_one_request_of_a_kind_and_exactly_one_registration():
    meeting = MeetingFactory()
    registration = meetings.registration_create(
        meeting=meeting, user=RegistrantFactory(), access=[AccessWish(kind="diet", details="x")]
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        AccessRequest.objects.create(meeting_registration=registration, kind="diet")
    with pytest.raises(IntegrityError), transaction.atomic():
        AccessRequest.objects.create(kind="other")


def test_the_planning_summary_counts_per_kind_only_active_registrations():
    meeting = MeetingFactory(starts_at=timezone.now() + dt.timedelta(days=10))
    regs = [
        meetings.registration_create(
            meeting=meeting, user=RegistrantFactory(), access=[AccessWish(kind=kind)]
        )
        for kind in ("sign_language", "sign_language", "hearing_loop", "hearing_loop")
    ]
    meetings.registration_cancel(registration=regs[3], user=regs[3].user)
    first = AccessRequest.objects.for_registration(regs[0]).get()
    access.access_request_decide(access_request=first, status=AccessRequestStatus.ARRANGED)
    rows = {row.kind: row for row in access.access_planning(meeting)}
    assert set(rows) == {"sign_language", "hearing_loop"}
    sign = rows["sign_language"]
    assert (sign.count, sign.arranged, sign.open, sign.late) == (2, 1, 1, 2)
    loop = rows["hearing_loop"]
    assert (loop.count, loop.arranged, loop.open, loop.late) == (1, 0, 1, 0)
    # Another meeting's requests are not this one's.
    meetings.registration_create(
        meeting=MeetingFactory(), user=RegistrantFactory(), access=[AccessWish(kind="diet")]
    )
    assert {row.kind for row in access.access_planning(meeting)} == {
        "sign_language",
        "hearing_loop",
    }


def test_staff_see_the_planning_summary_and_mark_requests_in_admin(staff_client):
    meeting = MeetingFactory(title="Dialog i Botkyrka")
    user = RegistrantFactory(display_name="Sara Ek")
    meetings.registration_create(
        meeting=meeting, user=user, access=[AccessWish(kind="diet", details="glutenfritt")]
    )
    change = staff_client.get(reverse("admin:dialogues_meeting_change", args=[meeting.pk]))
    url = access.access_planning_url(meeting)
    assert url in change.content.decode()
    page = staff_client.get(url).content.decode()
    assert "Sara Ek" in page
    assert "glutenfritt" in page
    assert "Kost och allergier" in page
    request = AccessRequest.objects.get()
    response = staff_client.post(
        reverse("admin:registrations_accessrequest_changelist"),
        {"action": "mark_arranged", "_selected_action": [request.pk]},
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == AccessRequestStatus.ARRANGED
    assert OutgoingEmail.objects.filter(key=f"registrations:access-decided:{request.pk}").exists()
    assert (
        staff_client.get("/admin/registrations/accessrequest/planering/auth.user/1/").status_code
        == 404
    )


def test_staff_without_access_request_permissions_cannot_see_the_planning_summary(client):
    from tests.accounts.factories import UserFactory
    from tests.conftest import staff_login

    meeting = MeetingFactory()
    staff_login(client, UserFactory(is_staff=True))
    assert client.get(access.access_planning_url(meeting)).status_code == 403


def test_the_registration_form_asks_and_keeps_what_was_typed_on_an_error(client):
    meeting = MeetingFactory()
    user = RegistrantFactory()
    client.force_login(user)
    url = reverse("dialogues:registration_create", args=[meeting.slug])
    response = client.post(url, {"access_kinds": ["diet", "hearing_loop"], "message": "Hej"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Berätta vad du behöver" in page
    assert re.search(r'<input[^>]*value="hearing_loop"[^>]*checked', page)
    assert not re.search(r'<input[^>]*value="step_free"[^>]*checked', page)
    assert "Hej" in page
    assert not AccessRequest.objects.exists()
    response = client.post(
        url, {"access_kinds": ["diet", "hearing_loop"], "access_diet": "Vegan", "message": "Hej"}
    )
    assert response.status_code == 302
    assert sorted(AccessRequest.objects.values_list("kind", "details")) == [
        ("diet", "Vegan"),
        ("hearing_loop", ""),
    ]
    # Changing the registration shows the requests as they stand.
    update = client.get(reverse("dialogues:registration_update", args=[meeting.slug]))
    assert 'value="Vegan"' in update.content.decode()


def test_requests_are_in_the_data_export_and_lose_their_text_on_erasure_and_anonymisation():
    meeting = MeetingFactory()
    user = RegistrantFactory()
    registration = meetings.registration_create(
        meeting=meeting, user=user, access=[AccessWish(kind="other", details="Ledarhund")]
    )
    (exported,) = access.export(user)
    assert exported["kind"] == "other"
    assert exported["details"] == "Ledarhund"
    assert access.my_pages_context(user)["access_requests"][0].details == "Ledarhund"
    access.erase(user)
    assert AccessRequest.objects.get().details == ""

    AccessRequest.objects.update(details="Ledarhund")
    type(meeting).objects.filter(pk=meeting.pk).update(
        starts_at=timezone.now() - dt.timedelta(days=800),
        ends_at=timezone.now() - dt.timedelta(days=799),
    )
    assert core.registrations_anonymise(model=type(registration)) == 1
    assert AccessRequest.objects.get().details == ""


def test_the_demo_data_has_a_meeting_with_a_planning_summary_to_work_through():
    from django.core.management import call_command

    from dialogues.models import Meeting

    call_command("seed_demo")
    rows = {
        row.kind: row
        for row in access.access_planning(Meeting.objects.get(slug="kulturskapares-arbetsvillkor"))
    }
    assert rows["sign_language"].late == 1
    assert rows["hearing_loop"].arranged == 1
    assert AccessRequest.objects.filter(edition_registration__isnull=False).exists()


def test_requests_never_reach_public_pages_feeds_or_calendar_files(client):
    meeting = MeetingFactory()
    meetings.registration_create(
        meeting=meeting,
        user=RegistrantFactory(),
        consent_to_be_listed=True,
        access=[AccessWish(kind="other", details="Hemlig-ledarhund")],
    )
    for url in (
        meeting.get_absolute_url(),
        reverse("dialogues:meeting_list"),
        reverse("dialogues:meeting_ics", args=[meeting.slug]),
        reverse("dialogues:meeting_feed"),
    ):
        body = client.get(url).content.decode()
        assert "Hemlig-ledarhund" not in body


def test_mina_sidor_lists_the_persons_own_requests_with_their_status(client):
    meeting = MeetingFactory(title="Dialog i Nacka")
    user = RegistrantFactory()
    meetings.registration_create(
        meeting=meeting, user=user, access=[AccessWish(kind="diet", details="Laktosfritt")]
    )
    other = RegistrantFactory()
    meetings.registration_create(
        meeting=meeting, user=other, access=[AccessWish(kind="other", details="Någon annans")]
    )
    client.force_login(user)
    page = client.get(reverse("accounts:my_pages")).content.decode()
    assert "Mina tillgänglighetsbehov" in page
    assert "Laktosfritt" in page
    assert "Önskat" in page
    assert "Någon annans" not in page
