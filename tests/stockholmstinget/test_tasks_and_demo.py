"""The reminder task, Mina sidor and the demo data."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.registry import sections
from portal.outbox.models import OutgoingEmail
from stockholmstinget import demo, services, tasks
from stockholmstinget.models import Edition, Session
from tests.dialogues.factories import RegistrantFactory
from tests.stockholmstinget.factories import EditionFactory, SessionFactory

pytestmark = pytest.mark.django_db


def test_reminder_task_run_twice_sends_once():
    edition = EditionFactory(starts_at=timezone.now() + dt.timedelta(hours=12))
    services.registration_save(
        edition=edition, user=RegistrantFactory(), mode="digital", sector="culture"
    )
    assert tasks.edition_reminders_send.delay().get() == 1
    assert tasks.edition_reminders_send.delay().get() == 0
    assert OutgoingEmail.objects.filter(template__endswith="edition_reminder").count() == 1


def test_reminder_is_not_sent_two_days_ahead():
    edition = EditionFactory(starts_at=timezone.now() + dt.timedelta(hours=49))
    services.registration_save(
        edition=edition, user=RegistrantFactory(), mode="digital", sector="culture"
    )
    assert services.reminders_send() == 0


def test_my_pages_show_registrations_and_sessions(client):
    assert "stockholmstinget" in [section.key for section in sections()]
    edition = EditionFactory()
    session = SessionFactory(edition=edition, title="Föreningslivets lokaler")
    user = RegistrantFactory()
    services.registration_save(
        edition=edition, user=user, mode="in_person", sector="culture", session_ids=[session.pk]
    )
    client.force_login(user)
    page = client.get(reverse("accounts:my_pages")).content.decode()
    assert edition.title in page
    assert "Föreningslivets lokaler" in page


def test_erasing_an_account_cancels_and_frees_the_seat():
    from stockholmstinget.account_hooks import erase

    edition = EditionFactory(capacity=1)
    holder = RegistrantFactory()
    services.registration_save(
        edition=edition, user=holder, mode="in_person", sector="culture", accessibility_needs="Diet"
    )
    waiting = services.registration_save(
        edition=edition, user=RegistrantFactory(), mode="in_person", sector="culture"
    )
    erase(holder)
    waiting.refresh_from_db()
    assert waiting.status == "confirmed"
    assert holder.tinget_registrations.get().accessibility_needs == ""


def test_demo_has_past_editions_with_documentation_and_an_open_one():
    demo.seed()
    demo.seed()
    past = Edition.objects.get(year=2019)
    assert past.starts_at.astimezone(dt.UTC).date() == dt.date(2019, 11, 14)
    assert past.documentation_is_published
    assert past.links.exists()
    digital = Edition.objects.get(year=2020)
    assert digital.format == "digital"
    assert digital.starts_at.date() == dt.date(2020, 11, 19)
    coming = Edition.objects.get(year=demo.COMING_YEAR)
    assert services.registration_is_open(coming, now=coming.starts_at - dt.timedelta(days=10))
    # A newcomer can try registering in the demo today.
    assert services.registration_is_open(coming)
    assert Session.objects.filter(edition=coming, plenary=True).exists()
    tracks = set(Session.objects.filter(edition=coming).values_list("track", flat=True))
    assert len(tracks - {""}) == 2
    near_full = [
        s
        for s in Session.objects.filter(edition=coming).with_seats_taken()
        if s.capacity is not None and 0 < s.seats_left <= 2
    ]
    assert len(near_full) == 2


def test_demo_editions_on_site_state_their_venue_facts():
    demo.seed()
    for edition in Edition.objects.all():
        assert bool(edition.venue_facts()) == edition.has_place, edition.year


def test_demo_has_an_open_call_proposals_in_review_and_an_accepted_one_in_the_programme():
    from stockholmstinget.models import Proposal, ProposalStatus

    demo.seed()
    demo.seed()
    coming = Edition.objects.get(year=demo.COMING_YEAR)
    assert coming.call.is_open(now=coming.call.opens_at + dt.timedelta(days=1))
    proposals = Proposal.objects.filter(call__edition=coming)
    assert proposals.filter(status=ProposalStatus.SUBMITTED).count() == 2
    assert proposals.filter(reviews__isnull=False).distinct().count() == 2
    accepted = proposals.get(status=ProposalStatus.ACCEPTED)
    assert accepted.session.published
    assert accepted.session.speakers.exists()
