"""Staff announce an edition from admin, by profile and by address, each address once: first
the count and the mail, then the send."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from portal.errors import RefusalError
from portal.outbox.models import MailOut, OutgoingEmail
from stockholmstinget import services
from stockholmstinget.models import EditionStatus
from tests.accounts.factories import UserFactory
from tests.outbox import outbox_mail
from tests.stockholmstinget.factories import EditionFactory

pytestmark = pytest.mark.django_db

TEMPLATE = "stockholmstinget/email/announcement"


def _url(edition):
    return reverse("admin:stockholmstinget_edition_announcement", args=[edition.pk])


def test_the_announcement_goes_to_consenting_matches_and_addresses_and_sending_again_mails_only_new(
    staff_client, django_capture_on_commit_callbacks
):
    edition = EditionFactory()
    consenting = UserFactory(
        stakeholder_group="professional_artist",
        invitations_consented_at=timezone.now(),
        preferred_language="en",
    )
    UserFactory(stakeholder_group="professional_artist")  # no consent
    data = {"groups": ["professional_artist"], "emails": "ny.person@example.se\nfel-adress"}
    response = staff_client.post(_url(edition), data)
    assert response.status_code == 200
    assert "fel-adress" in str(response.context["form"].errors["emails"])
    assert not MailOut.objects.exists()

    data["emails"] = "ny.person@example.se; NY.PERSON@example.se"
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(_url(edition), {**data, "send": "1"})
    mailout = MailOut.objects.get()
    assert response.url == reverse("admin:portal_mailout_change", args=[mailout.pk])
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(_url(edition), {**data, "send": "1"})
    data["emails"] = "ny.person@example.se\nandra@example.se"
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(_url(edition), {**data, "send": "1"})

    mails = OutgoingEmail.objects.filter(template=TEMPLATE)
    assert sorted(mails.values_list("to", flat=True)) == sorted(
        [consenting.email, "ny.person@example.se", "andra@example.se"]
    )
    assert MailOut.objects.get().total == 3
    registration_path = reverse("stockholmstinget:registration", args=[edition.year])
    english = mails.get(to=consenting.email)
    assert english.language == "en"
    assert english.subject.startswith(f"Invitation: {edition.title}")
    with translation.override("en"):
        english_path = reverse("stockholmstinget:registration", args=[edition.year])
    assert english_path != registration_path
    assert english_path in english.body_text
    assert registration_path in mails.get(to="andra@example.se").body_text


def test_the_announcement_never_carries_the_stream_link(
    staff_client, django_capture_on_commit_callbacks
):
    edition = EditionFactory()
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(_url(edition), {"emails": "ny.person@example.se", "send": "1"})
    mail = outbox_mail(template=TEMPLATE)
    assert edition.stream_url not in mail.body_text + mail.body_html


@pytest.mark.parametrize(
    "changes",
    [
        {"status": EditionStatus.DRAFT},
        {"registration_closes_at": timezone.now() - dt.timedelta(hours=1)},
    ],
    ids=["draft", "registration-closed"],
)
def test_no_announcement_for_a_draft_edition_or_after_registration_closed(staff_client, changes):
    edition = EditionFactory(**changes)
    response = staff_client.post(_url(edition), {"emails": "ny.person@example.se", "send": "1"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not MailOut.objects.exists()
    with pytest.raises(RefusalError):
        services.announcement_send(edition=edition, emails=["ny.person@example.se"])


def test_send_announcement_action_opens_the_page_for_one_edition(staff_client):
    edition = EditionFactory()
    response = staff_client.post(
        reverse("admin:stockholmstinget_edition_changelist"),
        {"action": "send_announcement", "_selected_action": [edition.pk]},
    )
    assert response.url == _url(edition)
    page = staff_client.get(_url(edition))
    assert page.status_code == 200
    assert set(page.context["form"].fields) == {"groups", "municipalities", "sectors", "emails"}


def test_the_page_shows_the_count_and_the_mail_before_sending(
    staff_client, django_capture_on_commit_callbacks
):
    """The first step writes nothing: it counts the new addresses apart from those the edition
    was announced to before, and shows the mail; only "send" sends."""
    edition = EditionFactory(title="Stockholmstinget 2033")
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(_url(edition), {"emails": "forst@example.se", "send": "1"})
    before = OutgoingEmail.objects.count()

    response = staff_client.post(
        _url(edition), {"emails": "forst@example.se\nandra@example.se\ntredje@example.se"}
    )

    assert response.status_code == 200
    preview = response.context["preview"]
    assert (preview.new, preview.already) == (2, 1)
    assert "Stockholmstinget 2033" in preview.subject
    assert reverse("stockholmstinget:registration", args=[edition.year]) in preview.body_text
    assert edition.stream_url not in preview.body_text
    html = response.content.decode()
    assert 'name="send"' in html
    assert "2 adresser" in html
    assert OutgoingEmail.objects.count() == before
    assert MailOut.objects.get().total == 1
