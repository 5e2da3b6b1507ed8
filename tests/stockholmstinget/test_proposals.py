"""The call for sessions: drafts, submission, blind review, decisions, nothing leaked."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.outbox.models import OutgoingEmail
from stockholmstinget.models import Proposal, ProposalStatus, Session
from stockholmstinget.proposals import services
from tests.accounts.factories import UserFactory
from tests.conftest import staff_login
from tests.dialogues.factories import RegistrantFactory
from tests.stockholmstinget.factories import CallFactory

pytestmark = pytest.mark.django_db

COMPLETE = {
    "title": "Folkbildning i hela länet",
    "abstract": "Hur studieförbunden når kommuner utan egen kulturskola.",
    "audience": "Kulturchefer i kommunerna",
    "organisation": "Studieförbundet Exempel",
    "sector": "adult_education",
    "accessibility": "Teckenspråkstolk och hörslinga.",
    "needs": "Projektor",
    "speakers-TOTAL_FORMS": "3",
    "speakers-INITIAL_FORMS": "0",
    "speakers-MIN_NUM_FORMS": "3",
    "speakers-MAX_NUM_FORMS": "6",
    "speakers-0-name": "Alva Berg",
    "speakers-0-role": "Verksamhetschef",
    "speakers-0-bio": "Leder studieförbundets arbete i länet.",
    "speakers-0-consent_to_publish": "on",
    "speakers-1-name": "Hemlig Talare",
    "speakers-1-role": "Konsult",
}


def _proposer_client(client):
    user = RegistrantFactory()
    client.force_login(user)
    return user


def _data(call, **changes):
    return {**COMPLETE, "format": call.formats.get().pk, **changes}


def test_a_draft_needs_only_a_title_and_a_submission_everything(client):
    call = CallFactory()
    user = _proposer_client(client)
    url = reverse("stockholmstinget:proposal_create", args=[call.edition.year])

    response = client.post(url, {**_data(call, abstract="", audience=""), "action": "draft"})
    proposal = Proposal.objects.get(proposer=user)
    assert response.status_code == 302
    assert proposal.status == ProposalStatus.DRAFT

    edit = reverse("stockholmstinget:proposal_edit", args=[call.edition.year, proposal.pk])
    refused = client.post(edit, {**_data(call, abstract=""), "action": "submit"})
    assert refused.status_code == 200
    assert refused.context["form"].errors["abstract"] == [
        "Fyll i det här för att skicka in förslaget."
    ]
    # What was typed comes back.
    assert "Kulturchefer i kommunerna" in refused.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.DRAFT

    client.post(edit, {**_data(call), "action": "submit"})
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.SUBMITTED
    assert proposal.submitted_at
    assert [s.name for s in proposal.speakers.all()] == ["Alva Berg", "Hemlig Talare"]


def test_too_long_text_is_refused_at_the_field(client):
    call = CallFactory()
    _proposer_client(client)
    url = reverse("stockholmstinget:proposal_create", args=[call.edition.year])
    response = client.post(url, {**_data(call, abstract="x" * 3001), "action": "submit"})
    assert response.status_code == 200
    assert "abstract" in response.context["form"].errors
    assert not Proposal.objects.exists()


def test_after_the_deadline_a_proposal_cannot_change(client):
    call = CallFactory()
    user = _proposer_client(client)
    proposal = services.proposal_save(
        call=call,
        proposer=user,
        fields={**_data(call), "format": call.formats.get(), "municipality": None},
        speakers=[services.SpeakerData(name="Alva Berg")],
        submit=True,
    )
    call.closes_at = timezone.now() - dt.timedelta(minutes=1)
    call.save()
    edit = reverse("stockholmstinget:proposal_edit", args=[call.edition.year, proposal.pk])
    response = client.post(edit, {**_data(call, title="Ändrad"), "action": "submit"})
    assert response.status_code == 200
    assert not response.context["editable"]
    proposal.refresh_from_db()
    assert proposal.title == "Folkbildning i hela länet"


def test_somebody_elses_proposal_is_not_found(client):
    call = CallFactory()
    owner = RegistrantFactory()
    proposal = services.proposal_save(
        call=call,
        proposer=owner,
        fields={**_data(call), "format": call.formats.get(), "municipality": None},
        speakers=[],
        submit=False,
    )
    _proposer_client(client)
    edit = reverse("stockholmstinget:proposal_edit", args=[call.edition.year, proposal.pk])
    assert client.get(edit).status_code == 404


def _submitted(call):
    return services.proposal_save(
        call=call,
        proposer=RegistrantFactory(),
        fields={**_data(call), "format": call.formats.get(), "municipality": None},
        speakers=[
            services.SpeakerData(name="Alva Berg", role="Chef", consent_to_publish=True),
            services.SpeakerData(name="Hemlig Talare"),
        ],
        submit=True,
    )


def test_reviewers_do_not_see_each_others_scores_until_they_have_scored(client):
    call = CallFactory()
    proposal = _submitted(call)
    first, second = (UserFactory(is_staff=True, is_superuser=True) for _ in range(2))
    services.review_save(proposal=proposal, reviewer=first, score=5, comment="Mycket bra")
    staff_login(client, second)
    review_url = reverse("admin:stockholmstinget_proposal_review", args=[proposal.pk])
    listing = reverse("admin:stockholmstinget_proposal_changelist")

    before = client.get(review_url)
    assert before.context["reviews"] == []
    assert "Mycket bra" not in before.content.decode()
    assert "sätt poäng först" in client.get(listing).content.decode()
    assert '<td class="field-score_shown">5.0</td>' not in client.get(listing).content.decode()

    client.post(review_url, {"score": "2", "comment": "Svag koppling till temat"})
    after = client.get(review_url)
    assert sorted(r.score for r in after.context["reviews"]) == [2, 5]
    assert "Mycket bra" in after.content.decode()
    assert '<td class="field-score_shown">3.5</td>' in client.get(listing).content.decode()


def test_a_score_outside_one_to_five_is_refused(staff_client):
    proposal = _submitted(CallFactory())
    url = reverse("admin:stockholmstinget_proposal_review", args=[proposal.pk])
    response = staff_client.post(url, {"score": "7"})
    assert response.status_code == 200
    assert response.context["form"].errors["score"]
    assert not proposal.reviews.exists()


def test_accepting_makes_a_draft_session_with_consenting_speakers_and_mails_once(staff_client):
    call = CallFactory()
    proposal = _submitted(call)
    url = reverse("admin:stockholmstinget_proposal_decide", args=[proposal.pk])
    for _ in range(2):
        staff_client.post(url, {"status": "accepted", "message": "Välkomna!"})

    proposal.refresh_from_db()
    session = proposal.session
    assert proposal.status == ProposalStatus.ACCEPTED
    assert session.published is False
    assert session.title == proposal.title
    assert [s.name for s in session.speakers.all()] == ["Alva Berg"]
    assert Session.objects.filter(edition=call.edition).count() == 1
    mails = OutgoingEmail.objects.filter(
        key__startswith=f"stockholmstinget:proposal_decided:{proposal.pk}:"
    )
    assert mails.count() == 1
    assert "Välkomna!" in mails.get().body_text
    assert "antagit" in mails.get().body_text


def test_nothing_of_a_proposal_is_public_until_its_session_is_published(client):
    call = CallFactory()
    proposal = _submitted(call)
    proposal = services.proposal_decide(proposal=proposal, status=ProposalStatus.ACCEPTED)
    year = call.edition.year
    pages = [
        reverse("stockholmstinget:edition_detail", args=[year]),
        reverse("stockholmstinget:programme", args=[year]),
        reverse("stockholmstinget:programme_ics", args=[year]),
        reverse("stockholmstinget:proposal_list", args=[year]),
    ]
    for url in pages:
        text = client.get(url).content.decode()
        for secret in (
            "Folkbildning i hela länet",
            "Alva Berg",
            "Hemlig Talare",
            "studieförbunden",
        ):
            assert secret not in text, (url, secret)

    Session.objects.filter(pk=proposal.session_id).update(published=True)
    programme = client.get(reverse("stockholmstinget:programme", args=[year])).content.decode()
    assert "Folkbildning i hela länet" in programme
    assert "Alva Berg" in programme
    assert "Hemlig Talare" not in programme


def test_declined_proposals_are_anonymised_after_the_retention_period():
    call = CallFactory()
    declined, accepted = _submitted(call), _submitted(call)
    services.proposal_decide(proposal=declined, status=ProposalStatus.DECLINED, message="Tyvärr")
    services.proposal_decide(proposal=accepted, status=ProposalStatus.ACCEPTED)
    later = call.edition.ends_at + dt.timedelta(days=91)

    assert services.proposals_anonymise(now=later) == 1
    assert services.proposals_anonymise(now=later) == 0
    declined.refresh_from_db()
    accepted.refresh_from_db()
    assert declined.abstract == ""
    assert declined.decision_message == ""
    assert declined.anonymised_at
    assert not declined.speakers.exists()
    assert accepted.abstract
    assert accepted.speakers.exists()


def test_my_pages_show_the_status_and_the_export_has_the_proposal(client):
    call = CallFactory()
    proposal = _submitted(call)
    client.force_login(proposal.proposer)
    page = client.get(reverse("accounts:my_pages")).content.decode()
    assert "Folkbildning i hela länet" in page
    assert "Inskickat" in page
    from stockholmstinget.account_hooks import export

    (entry,) = [e for e in export(proposal.proposer) if "proposal_for_edition" in e]
    assert entry["abstract"] == proposal.abstract
    assert entry["speakers"][0]["name"] == "Alva Berg"


def test_several_proposals_are_decided_at_once_after_a_confirmation(staff_client):
    """The action first shows the proposals and asks for the decision and its message; then
    each is decided, each proposer is mailed once, and doing it again mails nobody."""
    call = CallFactory()
    first, second = _submitted(call), _submitted(call)
    changelist = reverse("admin:stockholmstinget_proposal_changelist")
    selected = {"action": "decide", "_selected_action": [first.pk, second.pk]}

    asked = staff_client.post(changelist, selected)

    assert asked.status_code == 200
    assert set(asked.context["objects"]) == {first, second}
    assert Proposal.objects.filter(status=ProposalStatus.SUBMITTED).count() == 2
    assert not OutgoingEmail.objects.exists()

    decision = {**selected, "apply": "1", "status": "waitlisted", "message": "Vi återkommer."}
    response = staff_client.post(changelist, decision)
    staff_client.post(changelist, decision)

    assert response.status_code == 302
    assert set(Proposal.objects.values_list("status", flat=True)) == {ProposalStatus.WAITLISTED}
    mails = OutgoingEmail.objects.filter(template="stockholmstinget/email/proposal_decided")
    assert sorted(mails.values_list("to", flat=True)) == sorted(
        [first.proposer.email, second.proposer.email]
    )
    assert all("Vi återkommer." in mail.body_text for mail in mails)


def test_deciding_several_without_a_decision_asks_again(staff_client):
    call = CallFactory()
    proposal = _submitted(call)
    response = staff_client.post(
        reverse("admin:stockholmstinget_proposal_changelist"),
        {"action": "decide", "_selected_action": [proposal.pk], "apply": "1", "message": "x"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["status"]
    assert Proposal.objects.get().status == ProposalStatus.SUBMITTED
