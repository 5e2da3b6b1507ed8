"""The admin home: the week's work from each app above the list of models."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.test import TestCase
from django.utils import timezone
from django.utils.translation import override

from dialogues.models import Minutes, MinutesStatus, RegistrationStatus
from portal.outbox.enqueue import MailRecipient, mailout_create
from portal.outbox.models import MailOut
from portal.registrations.models import AccessRequest
from tests.dialogues.factories import MeetingFactory, RegistrationFactory, SummaryFactory
from tests.stockholmstinget.factories import EditionFactory
from tests.stockholmstinget.factories import RegistrationFactory as EditionRegistrationFactory

pytestmark = pytest.mark.django_db


def _week(size: int) -> None:
    """`size` of everything the home lists: coming meetings with pending registrations, held
    ones without minutes, editions, a mail-out half sent, late access requests."""
    now = timezone.now()
    for n in range(size):
        meeting = MeetingFactory(
            starts_at=now + dt.timedelta(days=2 + n), requires_approval=True, capacity=10
        )
        RegistrationFactory(meeting=meeting)
        RegistrationFactory(meeting=meeting, status=RegistrationStatus.PENDING)
        held = MeetingFactory(starts_at=now - dt.timedelta(days=3 + n))
        Minutes.objects.create(meeting=held, text="Vi talade om lokaler.")
        edition = EditionFactory(starts_at=now + dt.timedelta(days=20 + n))
        registration = EditionRegistrationFactory(edition=edition)
        AccessRequest.objects.create(
            edition_registration=registration, kind="hearing_loop", is_late=True
        )
    with transaction.atomic():
        _mailout(size)


def _mailout(size: int) -> None:
    mailout_create(
        key=f"home-test-{size}",
        title="Inbjudan till dialogmötet",
        template="portal/email/notice",
        recipients=[
            MailRecipient(email=f"person{n}@example.se", language="sv", context={})
            for n in range(3)
        ],
        context={"heading": "Inbjudan", "body": "Välkommen."},
    )


def test_the_home_shows_the_work_of_the_week(staff_client):
    """Seats taken and left, a link to the pending registrations of the meeting, the held
    meeting's missing summary, the edition, the mail-out in progress and the late request."""
    meeting = MeetingFactory(
        title="Kulturmöte i Botkyrka",
        starts_at=timezone.now() + dt.timedelta(days=3),
        capacity=12,
        requires_approval=True,
    )
    RegistrationFactory(meeting=meeting)
    RegistrationFactory(meeting=meeting, status=RegistrationStatus.PENDING)
    held = MeetingFactory(title="Hållet möte", starts_at=timezone.now() - dt.timedelta(days=4))
    done = MeetingFactory(title="Färdigt möte", starts_at=timezone.now() - dt.timedelta(days=5))
    Minutes.objects.create(
        meeting=done, text="Klart.", status=MinutesStatus.APPROVED, approved_at=timezone.now()
    )
    SummaryFactory(meeting=done)
    MeetingFactory(title="Långt fram", starts_at=timezone.now() + dt.timedelta(days=40))
    edition = EditionFactory(title="Stockholmstinget 2031", capacity=50)
    EditionRegistrationFactory(edition=edition, mode="in_person")
    AccessRequest.objects.create(
        edition_registration=EditionRegistrationFactory(edition=edition),
        kind="sign_language",
        is_late=True,
    )
    mailout = mailout_create(
        key="home-test",
        title="Inbjudan till kulturmötet",
        template="portal/email/notice",
        recipients=[MailRecipient(email="person@example.se", language="sv", context={})],
        context={"heading": "Inbjudan", "body": "Välkommen."},
    )

    with override("sv"):
        response = staff_client.get("/admin/", HTTP_ACCEPT_LANGUAGE="sv")
    html = response.content.decode()

    assert response.status_code == 200
    upcoming = response.context["work_panels"][0]
    assert upcoming.key == "dialogues.meetings"
    assert "Kulturmöte i Botkyrka" in upcoming.html
    assert "Långt fram" not in upcoming.html
    assert f"?meeting__id__exact={meeting.pk}&amp;status__exact=pending" in upcoming.html
    assert "<td>2</td>" not in upcoming.html  # two registrations hold a seat, ten are left
    assert "<td>10</td>" in upcoming.html
    assert "Hållet möte" in upcoming.html
    assert f"/admin/dialogues/summary/add/?meeting={held.pk}" in upcoming.html
    assert "Färdigt möte" not in upcoming.html
    assert "Stockholmstinget 2031" in html
    assert "Inbjudan till kulturmötet" in html
    assert f"/admin/portal/mailout/{mailout.pk}/change/" in html
    assert "Teckenspråkstolk" in html
    assert "?is_late__exact=1&amp;status__exact=requested" in html
    assert "Förslag att besluta" in html


def test_a_finished_mailout_leaves_the_home(staff_client):
    with TestCase.captureOnCommitCallbacks(execute=True):
        mailout_create(
            key="home-sent",
            title="Redan skickat utskick",
            template="portal/email/notice",
            recipients=[MailRecipient(email="person@example.se", language="sv", context={})],
            context={"heading": "Inbjudan", "body": "Välkommen."},
        )
    assert MailOut.objects.get().emails.count() == 1

    response = staff_client.get("/admin/")

    assert "Redan skickat utskick" not in response.content.decode()


@pytest.mark.parametrize("size", [1, 6])
def test_the_home_costs_the_same_queries_however_much_there_is(
    staff_client, django_assert_num_queries, size
):
    _week(size)
    staff_client.get("/admin/")  # the session's first page loads its permissions once

    # The session, the user and their permissions, a fixed number per panel (the meetings' two,
    # the editions' two, the mail-outs' one, the late requests' two) and the recent actions.
    with django_assert_num_queries(HOME_QUERIES):
        response = staff_client.get("/admin/")
    assert response.status_code == 200


HOME_QUERIES = 12


def test_one_accounts_group_on_the_index(staff_client):
    """allauth's email addresses and authenticators sit in the portal's "Konton" group, with a
    Swedish name for the authenticators."""
    response = staff_client.get("/admin/", HTTP_ACCEPT_LANGUAGE="sv")
    apps = {app["app_label"]: app for app in response.context["app_list"]}

    assert "account" not in apps
    assert "mfa" not in apps
    names = [str(model["name"]) for model in apps["accounts"]["models"]]
    assert "E-postadresser" in names
    assert "Tvåfaktorsnycklar" in names
    html = response.content.decode()
    assert html.count(">Konton<") == 1
    assert "Authenticators" not in html


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_home_passes_axe(page, live_server):
    """The admin is Swedish (it has no /en/ prefix), so the home is checked in Swedish, with
    every panel filled."""
    from django.conf import settings
    from django.test import Client

    from tests.accessibility import axe_violations, describe
    from tests.accounts.factories import UserFactory
    from tests.conftest import staff_login

    _week(2)
    client = Client()
    staff_login(client, UserFactory(is_staff=True, is_superuser=True))
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])

    response = page.goto(f"{live_server.url}/admin/")

    assert response is not None
    assert response.status == 200
    assert page.get_by_role("heading", name="Dialogmöten", exact=True).first.is_visible()
    violations = axe_violations(page)
    assert violations == [], describe(violations)


def test_the_authenticators_pages_speak_swedish(staff_client):
    """allauth's app and model have no Swedish names of their own ("MFA", "Authenticators")."""
    response = staff_client.get("/admin/mfa/authenticator/", HTTP_ACCEPT_LANGUAGE="sv")
    html = response.content.decode()

    assert response.status_code == 200
    assert "Tvåfaktorsautentisering" in html
    assert "Tvåfaktorsnycklar" in html
    assert "Authenticator" not in html.replace("AuthenticatorAdmin", "")
