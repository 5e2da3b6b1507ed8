"""Staff invite people to an edition from admin: by profile and by address, each once."""

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

TEMPLATE = "stockholmstinget/email/invitation"


def _url(edition):
    return reverse("admin:stockholmstinget_edition_invitations", args=[edition.pk])


def test_invitations_go_to_consenting_matches_and_addresses_and_sending_again_mails_only_new(
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
        response = staff_client.post(_url(edition), data)
    mailout = MailOut.objects.get()
    assert response.url == reverse("admin:portal_mailout_change", args=[mailout.pk])
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(_url(edition), data)
    data["emails"] = "ny.person@example.se\nandra@example.se"
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(_url(edition), data)

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


def test_invitations_never_carry_the_stream_link(staff_client, django_capture_on_commit_callbacks):
    edition = EditionFactory()
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(_url(edition), {"emails": "ny.person@example.se"})
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
def test_no_invitations_for_a_draft_edition_or_after_registration_closed(staff_client, changes):
    edition = EditionFactory(**changes)
    response = staff_client.post(_url(edition), {"emails": "ny.person@example.se"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not MailOut.objects.exists()
    with pytest.raises(RefusalError):
        services.invitation_send(edition=edition, emails=["ny.person@example.se"])


def test_send_invitations_action_opens_the_page_for_one_edition(staff_client):
    edition = EditionFactory()
    response = staff_client.post(
        reverse("admin:stockholmstinget_edition_changelist"),
        {"action": "send_invitations", "_selected_action": [edition.pk]},
    )
    assert response.url == _url(edition)
    page = staff_client.get(_url(edition))
    assert page.status_code == 200
    assert set(page.context["form"].fields) == {"groups", "municipalities", "sectors", "emails"}
