"""Writes with rules for the call for sessions: save and submit, review, decide, anonymise."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from portal.errors import RefusalError
from portal.outbox.enqueue import email_enqueue
from portal.registrations.services import anonymise_cutoff

from ..models import Session, Speaker
from .models import (
    DECIDED_STATUSES,
    CallForSessions,
    Proposal,
    ProposalReview,
    ProposalSpeaker,
    ProposalStatus,
)

if TYPE_CHECKING:
    from accounts.models import User

# What a proposer writes, besides the speakers.
PROPOSAL_FIELDS = (
    "title",
    "format",
    "abstract",
    "audience",
    "organisation",
    "municipality",
    "sector",
    "accessibility",
    "needs",
)


@dataclass(frozen=True)
class SpeakerData:
    name: str
    role: str = ""
    bio: str = ""
    consent_to_publish: bool = False


def proposal_save(
    *,
    call: CallForSessions,
    proposer: User,
    proposal: Proposal | None = None,
    fields: dict[str, Any],
    speakers: list[SpeakerData],
    submit: bool,
    now: dt.datetime | None = None,
) -> Proposal:
    """Save a proposal as a draft, or submit it; both only while the call is open.

    A submitted proposal stays editable until the deadline (and stays submitted); once staff
    have decided, it is no longer the proposer's to change.
    """
    now = now or timezone.now()
    if not call.is_open(now):
        raise RefusalError(_("The call for sessions is closed."), "closed")
    with transaction.atomic():
        if proposal is None:
            proposal = Proposal(call=call, proposer=proposer, created_at=now)
        else:
            proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
            if proposal.proposer_id != proposer.pk or proposal.call_id != call.pk:
                raise RefusalError(_("This is not your proposal."), "not_yours")
            if proposal.status in DECIDED_STATUSES:
                raise RefusalError(
                    _("The programme committee has decided; the proposal can no longer change."),
                    "decided",
                )
        for name in PROPOSAL_FIELDS:
            setattr(proposal, name, fields[name])
        proposal.updated_at = now
        if submit and proposal.status == ProposalStatus.DRAFT:
            proposal.status = ProposalStatus.SUBMITTED
            proposal.submitted_at = now
        proposal.save()
        proposal.speakers.all().delete()
        ProposalSpeaker.objects.bulk_create(
            ProposalSpeaker(
                proposal=proposal,
                name=speaker.name,
                role=speaker.role,
                bio=speaker.bio,
                consent_to_publish=speaker.consent_to_publish,
            )
            for speaker in speakers
        )
    return proposal


def review_save(
    *, proposal: Proposal, reviewer: User, score: int, comment: str = ""
) -> ProposalReview:
    """A reviewer's score (1 to 5) and comment; scoring again replaces their own."""
    if proposal.status == ProposalStatus.DRAFT:
        raise RefusalError(_("A draft cannot be reviewed."), "draft")
    if not 1 <= score <= 5:
        raise RefusalError(_("The score is a whole number from 1 to 5."), "score")
    review, _created = ProposalReview.objects.update_or_create(
        proposal=proposal, reviewer=reviewer, defaults={"score": score, "comment": comment}
    )
    return review


def reviews_visible(*, proposal: Proposal, reviewer: User) -> list[ProposalReview]:
    """Other reviewers' scores and comments, once `reviewer` has scored; none before, so
    nobody's score leans on anyone else's."""
    reviews = list(proposal.reviews.select_related("reviewer"))
    if not any(review.reviewer_id == reviewer.pk for review in reviews):
        return []
    return reviews


def proposal_decide(
    *, proposal: Proposal, status: str, message: str = "", now: dt.datetime | None = None
) -> Proposal:
    """Accept, put on the reserve list or decline, and tell the proposer once per decision.

    Accepting also makes the draft programme session (`proposal_session_create`).
    """
    if status not in DECIDED_STATUSES:
        raise RefusalError(_("Not a decision."), "status")
    now = now or timezone.now()
    with transaction.atomic():
        proposal = (
            Proposal.objects.select_for_update().select_related("call__edition").get(pk=proposal.pk)
        )
        if proposal.status == ProposalStatus.DRAFT:
            raise RefusalError(_("A draft cannot be decided on."), "draft")
        changed = proposal.status != status
        proposal.status = status
        proposal.decision_message = message or proposal.decision_message
        if changed:
            proposal.decided_at = now
        proposal.save(update_fields=["status", "decision_message", "decided_at"])
        if status == ProposalStatus.ACCEPTED:
            proposal_session_create(proposal=proposal)
        _decision_mail(proposal)
    return proposal


def proposal_session_create(*, proposal: Proposal) -> Session:
    """The accepted proposal as a draft session of its edition, with the speakers who agreed to
    be named; once per proposal. Staff set time and room before publishing it."""
    if proposal.session is not None:
        return proposal.session
    edition = proposal.call.edition
    minutes = proposal.format.minutes if proposal.format else 60
    session = Session.objects.create(
        edition=edition,
        title=proposal.title,
        description=proposal.abstract,
        starts_at=edition.starts_at,
        ends_at=edition.starts_at + dt.timedelta(minutes=minutes),
        published=False,
    )
    for proposed in proposal.speakers.filter(consent_to_publish=True):
        speaker, _created = Speaker.objects.get_or_create(
            edition=edition,
            name=proposed.name,
            defaults={"role": proposed.role, "bio": proposed.bio},
        )
        session.speakers.add(speaker)
    proposal.session = session
    proposal.save(update_fields=["session"])
    return session


def _decision_mail(proposal: Proposal) -> None:
    user = proposal.proposer
    language = user.preferred_language or settings.LANGUAGE_CODE
    with translation.override(language):
        my_pages_url = settings.SITE_URL + reverse("accounts:my_pages")
    email_enqueue(
        # One mail per decision: deciding the same again sends nothing, a new decision tells.
        key=f"stockholmstinget:proposal_decided:{proposal.pk}:{proposal.status}",
        to=user.email,
        template="stockholmstinget/email/proposal_decided",
        context={
            "proposal_title": proposal.title,
            "edition_title": proposal.call.edition.title,
            "status": proposal.status,
            "decision_message": proposal.decision_message,
            "recipient_name": user.get_short_name(),
            "proposals_url": my_pages_url,
        },
        language=language,
    )


def proposals_anonymise(*, now: dt.datetime | None = None) -> int:
    """Declined proposals' personal data, REGISTRATION_ANONYMISE_AFTER_DAYS after the edition:
    what they wrote and their speakers go; title, status and scores stay for the statistics."""
    now = now or timezone.now()
    due = Proposal.objects.anonymisable(ended_before=anonymise_cutoff(now))
    with transaction.atomic():
        ids = list(due.select_for_update().values_list("pk", flat=True))
        ProposalSpeaker.objects.filter(proposal_id__in=ids).delete()
        ProposalReview.objects.filter(proposal_id__in=ids).update(comment="")
        Proposal.objects.filter(pk__in=ids).update(
            **dict.fromkeys(Proposal.PERSONAL_TEXT_FIELDS, ""),
            decision_message="",
            municipality=None,
            anonymised_at=now,
        )
    return len(ids)
