"""Registering for Stockholmstinget and choosing sessions: every rule, and its mail."""

import datetime as dt

import icalendar
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from portal.errors import RefusalError
from portal.models import Municipality
from portal.outbox.models import OutgoingEmail
from stockholmstinget import services
from stockholmstinget.models import (
    AttendanceMode,
    EditionFormat,
    EditionRegistration,
    RegistrationStatus,
    SessionSignup,
    SignupStatus,
)
from tests.dialogues.factories import RegistrantFactory
from tests.outbox import outbox_mail
from tests.stockholmstinget.factories import EditionFactory, SessionFactory

pytestmark = pytest.mark.django_db


def _save(edition, user, mode=AttendanceMode.IN_PERSON, sessions=(), **extra):
    return services.registration_save(
        edition=edition,
        user=user,
        mode=mode,
        sector="culture",
        session_ids=[session.pk for session in sessions],
        **extra,
    )


def _status(registration, session):
    return SessionSignup.objects.active().get(registration=registration, session=session).status


def test_in_person_takes_a_seat_until_full_then_waitlists():
    edition = EditionFactory(capacity=1)
    first = _save(edition, RegistrantFactory())
    second = _save(edition, RegistrantFactory())
    assert first.status == RegistrationStatus.CONFIRMED
    assert second.status == RegistrationStatus.WAITLISTED
    assert OutgoingEmail.objects.filter(
        to=second.user.email, template="stockholmstinget/email/registration_waitlisted"
    ).exists()


def test_digital_has_no_cap():
    edition = EditionFactory(capacity=0)
    registration = _save(edition, RegistrantFactory(), mode=AttendanceMode.DIGITAL)
    assert registration.status == RegistrationStatus.CONFIRMED


def test_confirmation_mail_lists_sessions_and_carries_an_ics():
    edition = EditionFactory()
    session = SessionFactory(edition=edition, title="Folkbildning i hela länet")
    registration = _save(edition, RegistrantFactory(), sessions=[session])
    mail = outbox_mail(template="stockholmstinget/email/registration_confirmed")
    assert mail.to == registration.user.email
    assert "Folkbildning i hela länet" in mail.body_text
    assert registration.check_in_code in mail.body_text
    files = [a["filename"] for a in mail.attachments if "content_id" not in a]
    assert files == [f"stockholmstinget-{edition.year}.ics"]
    # The check-in code's QR code travels beside it, shown in place in the HTML.
    (qr,) = [a for a in mail.attachments if "content_id" in a]
    assert qr["mimetype"] == "image/png"
    assert f"cid:{qr['content_id']}" in mail.body_html


def test_a_full_session_puts_the_choice_on_its_waitlist():
    edition = EditionFactory()
    session = SessionFactory(edition=edition, capacity=1)
    first = _save(edition, RegistrantFactory(), sessions=[session])
    second = _save(edition, RegistrantFactory(), sessions=[session])
    assert _status(first, session) == SignupStatus.CONFIRMED
    assert _status(second, session) == SignupStatus.WAITLISTED


def test_digital_signups_take_no_session_seat():
    edition = EditionFactory()
    session = SessionFactory(edition=edition, capacity=1)
    digital = _save(edition, RegistrantFactory(), mode=AttendanceMode.DIGITAL, sessions=[session])
    on_site = _save(edition, RegistrantFactory(), sessions=[session])
    assert _status(digital, session) == SignupStatus.CONFIRMED
    assert _status(on_site, session) == SignupStatus.CONFIRMED


def test_overlapping_sessions_are_refused_and_nothing_is_saved():
    edition = EditionFactory()
    first = SessionFactory(edition=edition, title="Idrott som mötesplats")
    second = SessionFactory(
        edition=edition,
        title="Folkbildning",
        starts_at=first.starts_at + dt.timedelta(minutes=30),
        ends_at=first.ends_at + dt.timedelta(minutes=30),
    )
    with pytest.raises(RefusalError) as error:
        _save(edition, RegistrantFactory(), sessions=[first, second])
    assert error.value.code == "overlap"
    assert not EditionRegistration.objects.exists()
    assert not OutgoingEmail.objects.exists()


def test_back_to_back_sessions_do_not_overlap():
    edition = EditionFactory()
    first = SessionFactory(edition=edition)
    second = SessionFactory(edition=edition, starts_at=first.ends_at)
    registration = _save(edition, RegistrantFactory(), sessions=[first, second])
    assert registration.signups.active().count() == 2


def test_a_session_of_another_edition_is_refused():
    edition = EditionFactory()
    forged = SessionFactory(edition=EditionFactory())
    with pytest.raises(RefusalError) as error:
        _save(edition, RegistrantFactory(), sessions=[forged])
    assert error.value.code == "session_unknown"
    assert not EditionRegistration.objects.exists()


def test_digital_participants_cannot_choose_in_person_only_sessions():
    edition = EditionFactory()
    workshop = SessionFactory(edition=edition, in_person_only=True)
    with pytest.raises(RefusalError) as error:
        _save(edition, RegistrantFactory(), mode=AttendanceMode.DIGITAL, sessions=[workshop])
    assert error.value.code == "in_person_only"


def test_closed_registration_is_refused():
    edition = EditionFactory(registration_closes_at=timezone.now() - dt.timedelta(minutes=1))
    with pytest.raises(RefusalError) as error:
        _save(edition, RegistrantFactory())
    assert error.value.code == "closed"


def test_a_mode_the_edition_does_not_offer_is_refused():
    edition = EditionFactory(format=EditionFormat.DIGITAL)
    with pytest.raises(RefusalError) as error:
        _save(edition, RegistrantFactory(), mode=AttendanceMode.IN_PERSON)
    assert error.value.code == "mode_not_offered"


def test_changing_choices_frees_the_old_seat_for_the_first_waitlisted():
    edition = EditionFactory()
    talk = SessionFactory(edition=edition, capacity=1)
    other = SessionFactory(edition=edition, starts_at=talk.ends_at)
    holder_user = RegistrantFactory()
    holder = _save(edition, holder_user, sessions=[talk])
    waiting = _save(edition, RegistrantFactory(), sessions=[talk])
    later = _save(edition, RegistrantFactory(), sessions=[talk])
    _save(edition, holder_user, sessions=[other])
    assert not holder.signups.active().filter(session=talk).exists()
    assert _status(waiting, talk) == SignupStatus.CONFIRMED
    assert _status(later, talk) == SignupStatus.WAITLISTED
    promoted = OutgoingEmail.objects.filter(template="stockholmstinget/email/session_promoted")
    assert [mail.to for mail in promoted] == [waiting.user.email]


def test_changing_keeps_the_seat_of_a_session_still_chosen():
    edition = EditionFactory()
    talk = SessionFactory(edition=edition, capacity=1)
    user = RegistrantFactory()
    registration = _save(edition, user, sessions=[talk])
    _save(edition, RegistrantFactory(), sessions=[talk])
    _save(edition, user, sessions=[talk], accessibility_needs="Hörslinga")
    assert _status(registration, talk) == SignupStatus.CONFIRMED
    assert EditionRegistration.objects.get(pk=registration.pk).accessibility_needs == "Hörslinga"


def test_cancelling_promotes_the_first_waitlisted_exactly_once():
    edition = EditionFactory(capacity=1)
    holder = _save(edition, RegistrantFactory())
    waiting = _save(edition, RegistrantFactory())
    services.registration_cancel(registration=holder, user=holder.user)
    services.waitlist_promote(edition=edition)
    waiting.refresh_from_db()
    assert waiting.status == RegistrationStatus.CONFIRMED
    assert (
        OutgoingEmail.objects.filter(
            to=waiting.user.email, template="stockholmstinget/email/registration_promoted"
        ).count()
        == 1
    )


def test_a_promoted_registrant_gets_their_waitlisted_session_seat():
    edition = EditionFactory(capacity=1)
    talk = SessionFactory(edition=edition, capacity=5)
    holder = _save(edition, RegistrantFactory())
    waiting = _save(edition, RegistrantFactory(), sessions=[talk])
    assert _status(waiting, talk) == SignupStatus.WAITLISTED
    services.registration_cancel(registration=holder, user=holder.user)
    assert _status(waiting, talk) == SignupStatus.CONFIRMED


def test_switching_to_digital_frees_the_in_person_seat():
    edition = EditionFactory(capacity=1)
    user = RegistrantFactory()
    _save(edition, user)
    waiting = _save(edition, RegistrantFactory())
    changed = _save(edition, user, mode=AttendanceMode.DIGITAL)
    waiting.refresh_from_db()
    assert changed.status == RegistrationStatus.CONFIRMED
    assert waiting.status == RegistrationStatus.CONFIRMED


def test_changes_are_refused_after_registration_closes():
    edition = EditionFactory()
    user = RegistrantFactory()
    _save(edition, user)
    edition.registration_closes_at = timezone.now() - dt.timedelta(minutes=1)
    edition.save()
    with pytest.raises(RefusalError):
        _save(edition, user, mode=AttendanceMode.DIGITAL)


def test_reminder_is_sent_once_the_day_before():
    edition = EditionFactory(starts_at=timezone.now() + dt.timedelta(hours=20))
    _save(edition, RegistrantFactory())
    assert services.reminders_send() == 1
    assert services.reminders_send() == 0
    assert (
        OutgoingEmail.objects.filter(template="stockholmstinget/email/edition_reminder").count()
        == 1
    )


def test_documentation_published_mails_every_confirmed_registrant_once(
    django_capture_on_commit_callbacks,
):
    edition = EditionFactory()
    _save(edition, RegistrantFactory())
    _save(edition, RegistrantFactory(), mode=AttendanceMode.DIGITAL)
    edition.documentation = "Inspelningar och presentationer."
    edition.save()
    # The mail-out's rows are written by its fan-out, after the commit.
    with django_capture_on_commit_callbacks(execute=True):
        services.documentation_publish(edition=edition)
    with django_capture_on_commit_callbacks(execute=True):
        services.documentation_publish(edition=edition)
    template = "stockholmstinget/email/documentation_published"
    assert OutgoingEmail.objects.filter(template=template).count() == 2


# --- the pages --------------------------------------------------------------------------------


def test_form_is_prefilled_from_the_profile(client):
    edition = EditionFactory()
    # Transactional tests elsewhere flush the reference data; make sure the row is there.
    municipality, _created = Municipality.objects.get_or_create(
        code="0127", defaults={"name": "Botkyrka", "slug": "botkyrka"}
    )
    user = RegistrantFactory(
        organisation="Botkyrka IF", municipality=municipality, stakeholder_group="association"
    )
    client.force_login(user)
    response = client.get(reverse("stockholmstinget:registration", args=[edition.year]))
    form = response.context["form"]
    assert form["organisation"].value() == "Botkyrka IF"
    assert form["municipality"].value() == municipality.pk
    assert form["sector"].value() == "associations"


def test_a_forged_session_id_gets_a_field_error(client):
    edition = EditionFactory()
    SessionFactory(edition=edition)
    forged = SessionFactory(edition=EditionFactory())
    client.force_login(RegistrantFactory())
    response = client.post(
        reverse("stockholmstinget:registration", args=[edition.year]),
        {"mode": "in_person", "sector": "culture", "slot_1": forged.pk},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["slot_1"]
    assert not EditionRegistration.objects.exists()


def test_sessions_at_the_same_time_are_one_choice_and_cannot_clash(client):
    """Overlapping sessions, directly or through another, form one radio group with "no
    session"; the next slot starts a new group, so the form cannot express a clash."""
    edition = EditionFactory()
    first = SessionFactory(edition=edition, title="Idrott för unga")
    SessionFactory(edition=edition, title="Folkbildning", track="Spår B", starts_at=first.starts_at)
    # Overlaps those two only in part: still the same slot.
    third = SessionFactory(
        edition=edition,
        title="Kulturskapares villkor",
        track="Spår C",
        starts_at=first.starts_at + dt.timedelta(minutes=30),
    )
    later = SessionFactory(edition=edition, title="Föreningslivet", starts_at=third.ends_at)
    client.force_login(RegistrantFactory())
    url = reverse("stockholmstinget:registration", args=[edition.year])
    form = client.get(url).context["form"]
    groups = [[label for value, label in form.fields[name].choices] for name in form.slot_names]
    assert [len(group) for group in groups] == [4, 2]
    assert groups[0][0] == "Inget pass"
    assert form.fields["slot_1"].widget.input_type == "radio"
    assert later.title in groups[1][1]

    response = client.post(
        url, {"mode": "in_person", "sector": "culture", "slot_1": "", "slot_2": later.pk}
    )
    assert response.status_code == 302
    registration = EditionRegistration.objects.get()
    assert [s.session for s in registration.signups.active()] == [later]


def test_mode_and_session_errors_are_shown_together(client):
    """A missing sector and an on-site session chosen for digital attendance: both at once."""
    edition = EditionFactory(format=EditionFormat.HYBRID)
    workshop = SessionFactory(edition=edition, in_person_only=True, title="Verkstad")
    client.force_login(RegistrantFactory())
    response = client.post(
        reverse("stockholmstinget:registration", args=[edition.year]),
        {"mode": "digital", "sector": "", "slot_1": workshop.pk},
    )
    errors = response.context["form"].errors
    assert "sector" in errors
    assert "Verkstad" in " ".join(errors["slot_1"])
    assert not EditionRegistration.objects.exists()


def test_plenary_sessions_are_no_choice_and_always_in_the_personal_schedule(client):
    edition = EditionFactory(format=EditionFormat.HYBRID)
    opening = SessionFactory(edition=edition, title="Välkommen", plenary=True, capacity=None)
    visit = SessionFactory(
        edition=edition,
        title="Studiebesök",
        plenary=True,
        capacity=None,
        in_person_only=True,
        starts_at=opening.ends_at + dt.timedelta(hours=3),
    )
    workshop = SessionFactory(edition=edition, title="Verkstad", starts_at=opening.ends_at)
    user = RegistrantFactory()
    client.force_login(user)
    url = reverse("stockholmstinget:registration", args=[edition.year])
    response = client.get(url)
    form = response.context["form"]
    assert form.slot_names == ["slot_1"]
    assert "Välkommen" in response.content.decode()
    with pytest.raises(RefusalError):
        _save(edition, RegistrantFactory(), sessions=[opening])

    client.post(url, {"mode": "in_person", "sector": "culture", "slot_1": workshop.pk})
    response = client.get(reverse("stockholmstinget:schedule_ics", args=[edition.year]))
    summaries = [
        str(e["summary"]) for e in icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    ]
    assert summaries == [edition.title, "Välkommen", "Verkstad", "Studiebesök"]

    digital = RegistrantFactory()
    _save(edition, digital, mode=AttendanceMode.DIGITAL)
    client.force_login(digital)
    response = client.get(reverse("stockholmstinget:schedule_ics", args=[edition.year]))
    summaries = [
        str(e["summary"]) for e in icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    ]
    # Not streamed, so not in a digital participant's day.
    assert summaries == [edition.title, "Välkommen"]
    assert visit.title not in summaries


def test_registering_through_the_page(client):
    edition = EditionFactory()
    session = SessionFactory(edition=edition)
    user = RegistrantFactory()
    client.force_login(user)
    response = client.post(
        reverse("stockholmstinget:registration", args=[edition.year]),
        {"mode": "digital", "sector": "sport", "slot_1": session.pk, "needs": ""},
    )
    assert response.status_code == 302
    registration = EditionRegistration.objects.get(user=user)
    assert registration.mode == "digital"
    assert registration.signups.active().get().session == session


def test_registration_page_needs_a_login(client):
    edition = EditionFactory()
    response = client.get(reverse("stockholmstinget:registration", args=[edition.year]))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_personal_schedule_parses_back_with_the_chosen_sessions(client):
    edition = EditionFactory()
    chosen = SessionFactory(edition=edition, title="Verkstad: kulturskapares villkor")
    SessionFactory(edition=edition, title="Inte valt", starts_at=chosen.ends_at)
    user = RegistrantFactory()
    _save(edition, user, sessions=[chosen])
    client.force_login(user)
    response = client.get(reverse("stockholmstinget:schedule_ics", args=[edition.year]))
    calendar = icalendar.Calendar.from_ical(response.content)
    summaries = [str(event["summary"]) for event in calendar.walk("VEVENT")]
    assert summaries == [edition.title, "Verkstad: kulturskapares villkor"]
    assert edition.stream_url not in response.content.decode()


def test_personal_schedule_of_a_digital_participant_has_the_stream_link(client):
    edition = EditionFactory()
    user = RegistrantFactory()
    _save(edition, user, mode=AttendanceMode.DIGITAL)
    client.force_login(user)
    response = client.get(reverse("stockholmstinget:schedule_ics", args=[edition.year]))
    assert edition.stream_url in response.content.decode().replace("\r\n ", "")


def test_personal_schedule_without_registration_is_404(client):
    edition = EditionFactory()
    client.force_login(RegistrantFactory())
    response = client.get(reverse("stockholmstinget:schedule_ics", args=[edition.year]))
    assert response.status_code == 404


def test_confirmation_html_shows_each_session_on_its_own_line_with_working_links():
    """The HTML part comes from the text layout; the session list must stay a list there."""
    edition = EditionFactory()
    welcome = SessionFactory(edition=edition, title="Välkommen & inledning", room="Stora salen")
    later = SessionFactory(
        edition=edition,
        title="Idrott för unga",
        starts_at=edition.starts_at + dt.timedelta(hours=2),
    )
    _save(edition, RegistrantFactory(), sessions=[welcome, later])
    mail = outbox_mail(template="stockholmstinget/email/registration_confirmed")
    html = mail.body_html
    assert "Välkommen &amp; inledning (Stora salen)<br>" in html
    assert "Idrott för unga (Hörsalen)</p>" in html
    registration_url = reverse("stockholmstinget:registration", args=[edition.year])
    assert f'href="{settings.SITE_URL}{registration_url}"' in html


def test_a_second_promotion_of_the_same_registration_is_mailed_too():
    edition = EditionFactory(capacity=1)
    talk = SessionFactory(edition=edition, capacity=5)
    holder = _save(edition, RegistrantFactory())
    user = RegistrantFactory()
    waiting = _save(edition, user, sessions=[talk])
    assert waiting.status == RegistrationStatus.WAITLISTED
    services.registration_cancel(registration=holder, user=holder.user)
    _save(edition, user, mode=AttendanceMode.DIGITAL, sessions=[talk])
    taker = _save(edition, RegistrantFactory())
    assert taker.status == RegistrationStatus.CONFIRMED
    again = _save(edition, user, sessions=[talk])
    assert again.status == RegistrationStatus.WAITLISTED
    services.registration_cancel(registration=taker, user=taker.user)
    services.waitlist_promote(edition=edition)
    again.refresh_from_db()
    assert again.status == RegistrationStatus.CONFIRMED
    assert _status(again, talk) == SignupStatus.CONFIRMED
    mails = OutgoingEmail.objects.filter(to=user.email)
    assert mails.filter(template="stockholmstinget/email/registration_promoted").count() == 2
    assert mails.filter(template="stockholmstinget/email/session_promoted").count() == 2
