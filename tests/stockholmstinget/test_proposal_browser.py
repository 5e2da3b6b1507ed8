"""The call for sessions in a real Chromium: propose, two blind reviews, accept, mailed once."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import expect

from portal.outbox.models import OutgoingEmail
from stockholmstinget.models import Proposal, ProposalStatus
from tests.accessibility import axe_violations, describe
from tests.accounts.factories import UserFactory
from tests.conftest import staff_login
from tests.dialogues.factories import RegistrantFactory
from tests.stockholmstinget.factories import CallFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _session_of(page, live_server, client: Client) -> None:
    page.context.clear_cookies()
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def _as_user(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    _session_of(page, live_server, client)


def _as_staff(page, live_server, user) -> None:
    client = Client()
    staff_login(client, user)
    _session_of(page, live_server, client)


def test_propose_review_twice_blind_accept_and_the_proposer_is_mailed_once(
    page, live_server, municipalities
):
    call = CallFactory()
    year = call.edition.year
    proposer = RegistrantFactory(preferred_language="en")
    _as_user(page, live_server, proposer)

    with translation.override("en"):
        page.goto(reverse("stockholmstinget:proposal_list", args=[year]))
    page.get_by_role("link", name="Propose a session").click()
    page.get_by_label(re.compile(r"^\s*Title")).fill("Kultur i hela länet")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Your draft is saved.")).to_be_visible()
    assert Proposal.objects.get().status == ProposalStatus.DRAFT

    page.get_by_role("button", name="Submit proposal").click()
    # Refused at the fields, with the title kept.
    assert page.get_by_label(re.compile(r"^\s*Abstract")).get_attribute("aria-invalid") == "true"
    assert page.get_by_label(re.compile(r"^\s*Title")).input_value() == "Kultur i hela länet"
    violations = axe_violations(page)
    assert violations == [], describe(violations)

    page.get_by_label(re.compile(r"^\s*Format")).select_option(label="Seminar, 45 min")
    page.get_by_label(re.compile(r"^\s*Abstract")).fill("Hur vi når alla 26 kommuner.")
    page.get_by_label(re.compile(r"^\s*Intended audience")).fill("Kulturchefer")
    page.get_by_label(re.compile(r"^\s*Organising organisation")).fill("Föreningen Exempel")
    page.get_by_label(re.compile(r"^\s*Sector")).select_option("culture")
    speaker = page.get_by_role("group", name="Speaker 1")
    speaker.get_by_label(re.compile(r"^\s*Name")).fill("Alva Berg")
    speaker.get_by_label(re.compile(r"agrees to be named")).check()
    page.get_by_role("button", name="Submit proposal").click()
    expect(page.get_by_text("Your proposal is submitted.")).to_be_visible()
    proposal = Proposal.objects.get()
    assert proposal.status == ProposalStatus.SUBMITTED

    first, second = (UserFactory(is_staff=True, is_superuser=True) for _ in range(2))
    review = reverse("admin:stockholmstinget_proposal_review", args=[proposal.pk])
    for reviewer, score in ((first, "4"), (second, "2")):
        _as_staff(page, live_server, reviewer)
        page.goto(review)
        assert page.get_by_role("cell", name=re.compile("Bra idé")).count() == 0
        page.get_by_label(score, exact=True).check()
        page.get_by_label("Kommentar").fill("Bra idé" if score == "4" else "Oklart")
        page.get_by_role("button", name="Spara min poäng").click()
        expect(page.get_by_text("Din poäng är sparad.")).to_be_visible()
    # The second reviewer sees both only now.
    expect(page.get_by_role("cell", name="Bra idé")).to_be_visible()
    expect(page.get_by_role("cell", name="Oklart")).to_be_visible()

    page.goto(reverse("admin:stockholmstinget_proposal_decide", args=[proposal.pk]))
    page.get_by_label(re.compile(r"^\s*Anta")).check()
    page.get_by_label("Meddelande till förslagsställaren").fill("Välkomna till Studion!")
    page.get_by_role("button", name="Spara beslutet").click()
    expect(page.get_by_text(re.compile("Beslutat: "))).to_be_visible()
    # Staff land on the edition, where the new session waits as a draft.
    assert page.locator("input[value='Kultur i hela länet']").count() == 1
    proposal.refresh_from_db()
    assert proposal.session is not None
    assert not proposal.session.published
    assert [s.name for s in proposal.session.speakers.all()] == ["Alva Berg"]
    mails = OutgoingEmail.objects.filter(to=proposer.email, key__contains="proposal_decided")
    assert mails.count() == 1
    assert "Välkomna till Studion!" in mails.get().body_text


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_proposal_form_and_my_proposals_pass_axe(page, live_server, municipalities, language):
    call = CallFactory()
    _as_user(page, live_server, RegistrantFactory())
    with translation.override(language):
        urls = [
            reverse("stockholmstinget:proposal_create", args=[call.edition.year]),
            reverse("stockholmstinget:proposal_list", args=[call.edition.year]),
        ]
    for url in urls:
        response = page.goto(url)
        assert response is not None
        assert response.status == 200
        assert page.locator("html").get_attribute("lang") == language
        violations = axe_violations(page)
        assert violations == [], f"{url}: {describe(violations)}"
