"""Staff mail the programme to confirmed registrants, once per registrant and version."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from portal.errors import RefusalError
from portal.outbox.models import MailOut, OutgoingEmail
from stockholmstinget import services
from stockholmstinget.models import AttendanceMode, RegistrationStatus, SignupStatus
from tests.accounts.factories import UserFactory
from tests.stockholmstinget.factories import (
    EditionFactory,
    RegistrationFactory,
    SessionFactory,
    SignupFactory,
    SpeakerFactory,
)

pytestmark = pytest.mark.django_db

TEMPLATE = "stockholmstinget/email/programme"


@pytest.fixture
def edition():
    edition = EditionFactory()
    start = edition.starts_at
    later = start + dt.timedelta(hours=2)
    speaker = SpeakerFactory(edition=edition, name="Leila Haddad")
    SessionFactory(edition=edition, title="Välkommen", track="", room="Stora salen")
    SessionFactory(
        edition=edition, title="Idrott för unga", track="Spår A", starts_at=later
    ).speakers.add(speaker)
    SessionFactory(edition=edition, title="Folkbildning i länet", track="Spår B", starts_at=later)
    return edition


def _session(edition, title):
    return edition.sessions.get(title=title)


def _mails():
    return OutgoingEmail.objects.filter(template=TEMPLATE)


def test_programme_mail_run_twice_sends_once_and_a_new_version_sends_again(
    edition, django_capture_on_commit_callbacks
):
    on_site = RegistrationFactory(edition=edition)
    digital = RegistrationFactory(edition=edition, mode=AttendanceMode.DIGITAL)
    RegistrationFactory(edition=edition, status=RegistrationStatus.WAITLISTED)
    RegistrationFactory(edition=edition, status=RegistrationStatus.CANCELLED)
    with django_capture_on_commit_callbacks(execute=True):
        services.programme_send(edition=edition, version="20300101120000")
    with django_capture_on_commit_callbacks(execute=True):
        services.programme_send(edition=edition, version="20300101120000")
    assert sorted(_mails().values_list("to", flat=True)) == sorted(
        [on_site.user.email, digital.user.email]
    )
    late = RegistrationFactory(edition=edition)
    with django_capture_on_commit_callbacks(execute=True):
        services.programme_send(edition=edition, version="20300101120000")
    with django_capture_on_commit_callbacks(execute=True):
        services.programme_send(edition=edition, version="20300215090000")
    to = list(_mails().values_list("to", flat=True))
    assert sorted(to) == sorted([on_site.user.email, digital.user.email, late.user.email] * 2), (
        "the same version reaches only the registrant who was new; a new version reaches all"
    )
    assert MailOut.objects.filter(key__startswith="stockholmstinget:programme:").count() == 2


def test_programme_mail_lists_sessions_by_time_and_track_and_marks_own_choices(
    edition, django_capture_on_commit_callbacks
):
    user = UserFactory(preferred_language="en")
    registration = RegistrationFactory(edition=edition, user=user)
    SignupFactory(registration=registration, session=_session(edition, "Välkommen"))
    SignupFactory(
        registration=registration,
        session=_session(edition, "Folkbildning i länet"),
        status=SignupStatus.WAITLISTED,
    )
    other = RegistrationFactory(edition=edition)
    SignupFactory(registration=other, session=_session(edition, "Idrott för unga"))
    with django_capture_on_commit_callbacks(execute=True):
        services.programme_send(edition=edition, version="20300101120000")

    mail = _mails().get(to=user.email)
    assert mail.language == "en"
    lines = mail.body_text.splitlines()
    first = next(i for i, line in enumerate(lines) if line.endswith("Välkommen (Stora salen)"))
    assert lines[first] == "- [your choice] Välkommen (Stora salen)"
    # The later slot: its time range, then its sessions in track order.
    assert re.fullmatch(r"\d\d:\d\d\u2013\d\d:\d\d", lines[first + 2])
    assert lines[first + 3 : first + 5] == [
        "- Spår A: Idrott för unga (Hörsalen), Leila Haddad",
        "- [on the waitlist] Spår B: Folkbildning i länet (Hörsalen)",
    ]
    assert edition.stream_url not in mail.body_text
    other_mail = _mails().get(to=other.user.email)
    assert "[ditt val] Spår A: Idrott för unga" in other_mail.body_text
    assert "Välkommen (Stora salen)" in other_mail.body_text
    assert "] Välkommen" not in other_mail.body_text


def test_programme_mail_is_refused_without_sessions_or_for_a_draft():
    with pytest.raises(RefusalError):
        services.programme_send(edition=EditionFactory(), version="20300101120000")
    draft = EditionFactory(status="draft")
    SessionFactory(edition=draft)
    with pytest.raises(RefusalError):
        services.programme_send(edition=draft, version="20300101120000")
    assert not MailOut.objects.exists()


def test_programme_mail_page_double_submit_sends_once_and_a_reopened_page_sends_again(
    staff_client, edition, django_capture_on_commit_callbacks, monkeypatch
):
    from stockholmstinget.admin import ProgrammeMailForm

    registration = RegistrationFactory(edition=edition)
    url = reverse("admin:stockholmstinget_edition_programme_mail", args=[edition.pk])
    response = staff_client.post(
        reverse("admin:stockholmstinget_edition_changelist"),
        {"action": "send_programme", "_selected_action": [edition.pk]},
    )
    assert response.url == url

    monkeypatch.setattr(ProgrammeMailForm, "version_new", staticmethod(lambda: "20300101120000"))
    page = staff_client.get(url)
    assert page.context["recipients"] == 1
    data = {"version": page.context["form"].initial["version"]}
    with django_capture_on_commit_callbacks(execute=True):
        first = staff_client.post(url, data)
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(url, data)
    mailout = MailOut.objects.get()
    assert first.url == reverse("admin:portal_mailout_change", args=[mailout.pk])
    assert list(_mails().values_list("to", flat=True)) == [registration.user.email]

    monkeypatch.setattr(ProgrammeMailForm, "version_new", staticmethod(lambda: "20300102080000"))
    page = staff_client.get(url)
    assert list(page.context["sent_before"]) == [mailout]
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(url, {"version": page.context["form"].initial["version"]})
    assert _mails().count() == 2


def test_programme_mail_page_rejects_a_forged_version(staff_client, edition):
    url = reverse("admin:stockholmstinget_edition_programme_mail", args=[edition.pk])
    response = staff_client.post(url, {"version": "../../x"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not MailOut.objects.exists()
