"""The public meeting pages, the registration pages and the calendar files."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone

from dialogues import services
from dialogues.models import MeetingFormat, MeetingStatus, Registration, RegistrationStatus
from tests.dialogues.factories import (
    DialogueSeriesFactory,
    MeetingFactory,
    RegistrantFactory,
    RegistrationFactory,
)

pytestmark = pytest.mark.django_db

ONLINE_URL = "https://meet.example.se/hemligt-rum"


@pytest.fixture
def online_meeting():
    return MeetingFactory(format=MeetingFormat.HYBRID, online_url=ONLINE_URL, capacity=3)


def _unfolded(content: bytes) -> str:
    """The calendar text with folded lines joined, so a long link is searchable."""
    return content.decode().replace("\r\n ", "")


def _list(client, **params):
    return client.get(reverse("dialogues:meeting_list"), params)


def test_list_shows_published_upcoming_and_hides_drafts_and_past(client):
    upcoming = MeetingFactory(title="Framtida samtal")
    MeetingFactory(title="Utkastmöte", status=MeetingStatus.DRAFT, published_at=None)
    past_start = timezone.now() - dt.timedelta(days=30)
    MeetingFactory(
        title="Gammalt möte", starts_at=past_start, ends_at=past_start + dt.timedelta(hours=2)
    )
    content = _list(client).content.decode()
    assert upcoming.title in content
    assert "Utkastmöte" not in content
    assert "Gammalt möte" not in content
    archive = client.get(reverse("dialogues:meeting_archive")).content.decode()
    assert "Gammalt möte" in archive
    assert "Framtida samtal" not in archive


def test_list_filters_by_series_format_and_month(client):
    series = DialogueSeriesFactory(slug="kommundialog")
    in_series = MeetingFactory(series=series, title="Kommunmötet")
    other = MeetingFactory(title="Annat möte", format=MeetingFormat.ONLINE)
    content = _list(client, serie="kommundialog").content.decode()
    assert in_series.title in content
    assert other.title not in content
    content = _list(client, format="online").content.decode()
    assert other.title in content
    assert in_series.title not in content
    month = in_series.starts_at.strftime("%Y-%m")
    assert in_series.title in _list(client, manad=month).content.decode()
    assert in_series.title not in _list(client, manad="1999-01").content.decode()


@pytest.mark.parametrize(
    "params", [{"serie": "finns-inte"}, {"format": "x"}, {"manad": "2026-13"}, {"sida": "abc"}]
)
def test_bad_filter_values_give_a_field_error_not_a_500(client, params):
    MeetingFactory(title="Synligt möte")
    response = _list(client, **params)
    assert response.status_code == 200
    assert "Synligt möte" in response.content.decode()


def test_list_paginates(client):
    MeetingFactory.create_batch(14)
    response = _list(client, sida=2)
    assert len(response.context["page"].object_list) == 2


@pytest.mark.parametrize("size", [5, 100])
def test_list_query_count_is_the_same_at_5_and_100_meetings(
    client, django_assert_num_queries, size
):
    for meeting in MeetingFactory.create_batch(size):
        RegistrationFactory(meeting=meeting)
    # The count for the paginator, one page of meetings with their seat counts (one
    # aggregate), the series filter's choices.
    with django_assert_num_queries(3):
        assert _list(client).status_code == 200


@pytest.mark.parametrize("size", [5, 100])
def test_detail_query_count_is_the_same_at_5_and_100_registrations(
    client, django_assert_num_queries, size
):
    meeting = MeetingFactory(capacity=200)
    RegistrationFactory.create_batch(size, meeting=meeting)
    RegistrationFactory.create_batch(
        size,
        meeting=meeting,
        consent_to_be_listed=True,
        user__public_listing_consented_at=timezone.now(),
    )
    user = RegistrantFactory()
    RegistrationFactory(meeting=meeting, user=user)
    client.force_login(user)
    # Session, user, the meeting with its counts, the visitor's own registration, the listed
    # participants with their names.
    with django_assert_num_queries(5):
        response = client.get(meeting.get_absolute_url())
    assert response.status_code == 200
    assert len(response.context["listed_attendees"]) == size


def test_only_participants_who_agreed_twice_are_listed_publicly(client):
    """A name shows only with consent on the registration and in the profile, and only while
    the registration is confirmed."""
    meeting = MeetingFactory()
    now = timezone.now()

    def registration(name, *, here, profile, status=RegistrationStatus.CONFIRMED):
        RegistrationFactory(
            meeting=meeting,
            status=status,
            consent_to_be_listed=here,
            user__display_name=name,
            user__organisation=f"{name}s förening",
            user__public_listing_consented_at=now if profile else None,
        )

    registration("Alva Synlig", here=True, profile=True)
    registration("Bo Bara-här", here=True, profile=False)
    registration("Cia Bara-profil", here=False, profile=True)
    registration("Dan Väntar", here=True, profile=True, status=RegistrationStatus.WAITLISTED)
    content = client.get(meeting.get_absolute_url()).content.decode()
    assert "Alva Synlig, Alva Synligs förening" in content
    for hidden in ("Bo Bara-här", "Cia Bara-profil", "Dan Väntar"):
        assert hidden not in content


def test_detail_shows_seats_left_and_hides_drafts(client):
    meeting = MeetingFactory(capacity=3)
    RegistrationFactory(meeting=meeting)
    response = client.get(meeting.get_absolute_url())
    assert response.context["meeting"].public_seats_left == 2
    draft = MeetingFactory(status=MeetingStatus.DRAFT, published_at=None)
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get("/dialogmoten/finns-inte/").status_code == 404


def test_online_link_only_for_confirmed_registrants(client, online_meeting):
    assert ONLINE_URL not in client.get(online_meeting.get_absolute_url()).content.decode()
    waiting = RegistrantFactory()
    RegistrationFactory(meeting=online_meeting, user=waiting, status=RegistrationStatus.WAITLISTED)
    client.force_login(waiting)
    assert ONLINE_URL not in client.get(online_meeting.get_absolute_url()).content.decode()
    confirmed = RegistrantFactory()
    RegistrationFactory(meeting=online_meeting, user=confirmed)
    client.force_login(confirmed)
    page = client.get(online_meeting.get_absolute_url()).content.decode()
    assert ONLINE_URL in page
    # Not in the schema.org data for search engines, though this visitor may see it.
    structured = page.split('type="application/ld+json">')[1].split("</script>")[0]
    assert ONLINE_URL not in structured
    ics = client.get(reverse("dialogues:meeting_ics", args=[online_meeting.slug])).content
    assert ONLINE_URL in _unfolded(ics)


def test_register_page_requires_login(client, online_meeting):
    url = reverse("dialogues:registration_create", args=[online_meeting.slug])
    response = client.get(url)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_register_and_cancel_through_the_pages(client, online_meeting):
    user = RegistrantFactory()
    client.force_login(user)
    url = reverse("dialogues:registration_create", args=[online_meeting.slug])
    assert client.get(url).status_code == 200
    response = client.post(url, {"dietary_needs": "Vegansk", "consent_to_be_listed": "on"})
    assert response.status_code == 302
    registration = Registration.objects.get(user=user)
    assert registration.status == RegistrationStatus.CONFIRMED
    assert registration.dietary_needs == "Vegansk"
    assert registration.consent_to_be_listed
    # A second POST is refused with a message, no second row.
    client.post(url, {})
    assert Registration.objects.filter(user=user).count() == 1
    cancel_url = reverse("dialogues:registration_cancel", args=[online_meeting.slug])
    assert client.get(cancel_url).status_code == 200
    client.post(cancel_url)
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CANCELLED


def test_register_page_shows_why_when_outside_the_audience(client):
    meeting = MeetingFactory(audience_groups=["municipality"])
    client.force_login(RegistrantFactory())
    url = reverse("dialogues:registration_create", args=[meeting.slug])
    response = client.post(url, {})
    assert response.status_code == 200
    assert response.context["refusal"].code == "audience"
    assert not Registration.objects.exists()


def test_forged_invitation_token_is_refused_with_a_message(client, online_meeting):
    client.force_login(RegistrantFactory())
    url = reverse("dialogues:registration_create", args=[online_meeting.slug])
    response = client.post(url + "?inbjudan=forged", {"inbjudan": "forged"})
    assert response.status_code == 200
    assert response.context["refusal"].code == "invitation_invalid"
    assert not Registration.objects.exists()


@pytest.mark.parametrize("token", ["\x00", "a" * 500, "../../etc", "ä"])
def test_a_malformed_invitation_token_is_refused_with_a_message(client, online_meeting, token):
    """Whatever arrives in `inbjudan` (a NUL byte, a mangled link) is an invalid invitation,
    never a server error."""
    client.force_login(RegistrantFactory())
    url = reverse("dialogues:registration_create", args=[online_meeting.slug])
    assert client.get(url, {"inbjudan": token}).status_code == 200
    response = client.post(url, {"inbjudan": token})
    assert response.status_code == 200
    assert response.context["refusal"].code == "invitation_invalid"
    assert not Registration.objects.exists()


def test_meeting_ics_parses_with_stable_uid_and_sequence(client, online_meeting):
    response = client.get(reverse("dialogues:meeting_ics", args=[online_meeting.slug]))
    assert response["Content-Type"].startswith("text/calendar")
    event = icalendar.Calendar.from_ical(response.content).walk("VEVENT")[0]
    assert str(event["UID"]) == f"meeting-{online_meeting.pk}@samverkan.regionstockholm.se"
    assert int(event["SEQUENCE"]) == 0
    assert str(event["DTSTART"].dt.tzinfo) == "Europe/Stockholm"
    assert ONLINE_URL not in _unfolded(response.content)
    services.meeting_cancel(meeting=online_meeting)
    event = icalendar.Calendar.from_ical(
        client.get(reverse("dialogues:meeting_ics", args=[online_meeting.slug])).content
    ).walk("VEVENT")[0]
    assert str(event["STATUS"]) == "CANCELLED"
    assert int(event["SEQUENCE"]) == 1


def test_feed_lists_public_meetings_without_online_links_or_drafts(client, online_meeting):
    MeetingFactory(title="Hemligt utkast", status=MeetingStatus.DRAFT, published_at=None)
    confirmed = RegistrantFactory()
    RegistrationFactory(meeting=online_meeting, user=confirmed)
    client.force_login(confirmed)
    response = client.get(reverse("dialogues:meeting_feed"))
    calendar = icalendar.Calendar.from_ical(response.content)
    titles = [str(event["SUMMARY"]) for event in calendar.walk("VEVENT")]
    assert titles == [online_meeting.title]
    assert ONLINE_URL not in _unfolded(response.content)


def test_my_pages_lists_my_registrations_with_code(client):
    user = RegistrantFactory()
    registration = RegistrationFactory(user=user)
    client.force_login(user)
    response = client.get(reverse("accounts:my_pages"))
    assert response.status_code == 200
    content = response.content.decode()
    assert registration.meeting.title in content
    assert registration.check_in_code in content


@pytest.mark.parametrize("size", [5, 100])
def test_my_pages_query_count_is_the_same_at_5_and_100_registrations(
    client, django_assert_num_queries, size
):
    """Mina sidor reads a person's meetings in one query per list, however many they hold."""
    user = RegistrantFactory()
    past_start = timezone.now() - dt.timedelta(days=30)
    titles = []
    for index in range(size):
        if index % 2:
            meeting = MeetingFactory(
                starts_at=past_start, ends_at=past_start + dt.timedelta(hours=2)
            )
            RegistrationFactory(meeting=meeting, user=user, checked_in_at=past_start)
        else:
            meeting = RegistrationFactory(user=user).meeting
        titles.append(meeting.title)
    client.force_login(user)
    # Session, user, upcoming and past meetings, Stockholmstinget registrations, alerts, the
    # alert form's municipality and theme choices, access requests (one query for all),
    # session proposals, the meetings whose insights the person follows, the answers to
    # organisers' questions, the person's evaluation links, and whether they said no to them.
    with django_assert_num_queries(14):
        response = client.get(reverse("accounts:my_pages"))
    assert response.status_code == 200
    content = response.content.decode()
    assert all(f">{title}</a>" in content for title in titles)


def test_home_lists_next_meetings(client):
    meeting = MeetingFactory(title="Nästa dialogmöte")
    MeetingFactory(title="Dolt utkast", status=MeetingStatus.DRAFT, published_at=None)
    content = client.get(reverse("portal:home")).content.decode()
    assert meeting.title in content
    assert "Dolt utkast" not in content


def test_a_held_meeting_says_so_links_its_summary_and_offers_nothing_to_do(client):
    """A past meeting shows neither registration window, seats, calendar file nor a register
    button; it says when it was held and links its published summary."""
    from tests.dialogues.factories import SummaryFactory

    summary = SummaryFactory(meeting__title="Civilsamhällets vårdialog", meeting__capacity=40)
    meeting = summary.meeting
    RegistrationFactory(meeting=meeting, user=RegistrantFactory())
    page = client.get(meeting.get_absolute_url()).content.decode()
    date = f"{timezone.localtime(meeting.starts_at).day} "
    assert "Mötet hölls " + date in page
    assert summary.get_absolute_url() in page
    assert "Läs sammanfattningen" in page
    for offer in ("Stänger", "Platser kvar", "Mötet har redan börjat", "Lägg till i kalendern"):
        assert offer not in page, offer
    assert reverse("dialogues:registration_create", args=[meeting.slug]) not in page

    archive = client.get(reverse("dialogues:meeting_archive")).content.decode()
    assert meeting.title in archive
    assert "kvar" not in archive
    assert "Hölls" in archive


def test_a_held_meeting_without_a_published_summary_says_one_is_coming(client):
    from tests.dialogues.factories import SummaryFactory

    summary = SummaryFactory(published_at=None)
    page = client.get(summary.meeting.get_absolute_url()).content.decode()
    assert summary.get_absolute_url() not in page
    assert "Sammanfattningen av mötet publiceras här" in page


def test_the_listing_checkbox_says_when_the_profile_consent_is_off(client, meeting):
    """Ticking "show me on the list" does nothing without the profile's consent: the form says
    so at the checkbox and links the profile; with the consent it says nothing extra."""
    user = RegistrantFactory()
    client.force_login(user)
    url = reverse("dialogues:registration_create", args=[meeting.slug])
    page = client.get(url).content.decode()
    assert "Din profil tillåter inte att ditt namn visas på deltagarlistor" in page
    assert f'href="{reverse("accounts:profile_edit")}"' in page

    user.public_listing_consented_at = timezone.now()
    user.save()
    page = client.get(url).content.decode()
    assert "Din profil tillåter inte" not in page
