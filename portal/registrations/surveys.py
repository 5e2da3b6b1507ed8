"""The evaluation after an event: a short survey, one mail per checked-in participant.

Staff attach a survey to a meeting or an edition (`survey_create` gives it three default
questions); its questions are the event's questions asked in the evaluation. Once the event
has ended, the periodic `surveys_send` writes one personal link per checked-in participant and
mails it through the outbox; participants who have not answered get one reminder after the
survey's `reminder_after_days`. Both are recorded per participant (the link's row, its
`reminded_at`) before the mail is written, in the same transaction, so running the sweep twice
sends nothing twice. Someone who opted out gets neither. One answer per registration, which
the person may change until the survey closes.

Results are for staff only, and only for groups of at least `THRESHOLD` answers, so no single
person's answers can be picked out.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from portal.errors import RefusalError
from portal.outbox.enqueue import email_enqueue

from .models import (
    CHOICE_KINDS,
    REGISTRATION_LINKS,
    TEXT_KINDS,
    Question,
    QuestionKind,
    QuestionPurpose,
    RegistrationStatus,
    Survey,
    SurveyInvitation,
    SurveyOptOut,
    event_link_field,
    event_model,
    linked_registration_models,
    survey_token_generate,
)
from .questions import answers_set, questions_asked

if TYPE_CHECKING:
    from accounts.models import User

    from .models import RegistrableEvent, Registration, RegistrationLinkQuerySet

# Results are shown only for groups of at least this many answers.
THRESHOLD = 5

DEFAULT_QUESTIONS = [
    # (kind, Swedish, English, choices, required)
    (
        QuestionKind.CHOICE,
        "Hur värdefullt var mötet för dig, från 1 (inte alls) till 5 (mycket)?",
        "How valuable was the event for you, from 1 (not at all) to 5 (very)?",
        "1\n2\n3\n4\n5",
        True,
    ),
    (
        QuestionKind.LONG_TEXT,
        "Vad borde regionen göra härnäst?",
        "What should the region do next?",
        "",
        False,
    ),
    (QuestionKind.YES_NO, "Skulle du komma igen?", "Would you come again?", "", True),
]


def registration_model_for(event: RegistrableEvent) -> type[Registration]:
    """The registration table of `event`'s kind (the core names the apps' models by label)."""
    for model in linked_registration_models().values():
        if isinstance(event, event_model(model)):
            return model
    raise TypeError(f"no registrations for {type(event).__name__}")


def _link_field(registration: Registration) -> str:
    return REGISTRATION_LINKS[registration._meta.label_lower]


# --- writes ---------------------------------------------------------------------------------------


def survey_create(
    *, event: RegistrableEvent, closes_at: dt.datetime | None = None, reminder_after_days: int = 5
) -> Survey:
    """Attach an evaluation to `event`, with the default questions if it has none of its own."""
    field = event_link_field(type(event))
    with transaction.atomic():
        survey, created = Survey.objects.get_or_create(
            **{field: event},
            defaults={
                "closes_at": closes_at or event.ends_at + dt.timedelta(days=21),
                "reminder_after_days": reminder_after_days,
            },
        )
        if created:
            survey_questions_default(survey)
    return survey


def survey_questions_default(survey: Survey) -> None:
    """The three default questions, unless the event has evaluation questions already."""
    event = survey.event
    if Question.objects.for_event(event).evaluation().exists():
        return
    field = event_link_field(type(event))
    for position, (kind, label, label_en, choices, required) in enumerate(
        DEFAULT_QUESTIONS, start=1
    ):
        Question.objects.create(
            **{field: event},
            purpose=QuestionPurpose.EVALUATION,
            position=position * 10,
            kind=kind,
            label=label,
            label_en=label_en,
            choices=choices,
            required=required,
        )


def _mail(invitation: SurveyInvitation, *, kind: str) -> None:
    registration = invitation.registration
    user = registration.user
    email_enqueue(
        key=f"registrations:{kind}:{invitation.pk}",
        to=user.email,
        template=f"registrations/email/{kind}",
        context={
            "event": registration.event,
            "recipient_name": user.get_short_name(),
            "survey_url": settings.SITE_URL + survey_url(invitation),
            "closes_at": invitation.survey.closes_at,
        },
        language=user.preferred_language or settings.LANGUAGE_CODE,
        render_later=True,
    )


def survey_url(invitation: SurveyInvitation) -> str:
    return reverse("registrations:survey", args=[invitation.token])


def surveys_send(*, now: dt.datetime | None = None) -> int:
    """Mail each checked-in participant of every ended event with an open survey once, and
    remind those who have not answered once; returns how many mails were written."""
    now = now or timezone.now()
    written = 0
    opted_out = SurveyOptOut.objects.values("user")
    surveys = Survey.objects.filter(closes_at__gt=now).select_related("meeting", "edition")
    for survey in surveys:
        event = survey.event
        if event.ends_at > now:
            continue
        model = registration_model_for(event)
        link = REGISTRATION_LINKS[model._meta.label_lower]
        due = (
            model.registrations()
            .filter(**{model.EVENT_FIELD: event}, checked_in_at__isnull=False)
            .exclude(status=RegistrationStatus.CANCELLED)
            .exclude(user__in=opted_out)
            .exclude(survey_invitations__survey=survey)
        )
        for registration in due.select_related("user"):
            try:
                # The unique constraint decides "once": a second sweep's insert fails.
                with transaction.atomic():
                    invitation = SurveyInvitation.objects.create(
                        survey=survey, **{link: registration}, sent_at=now
                    )
                    _mail(invitation, kind="survey")
            except IntegrityError:
                continue
            written += 1
        remind_before = now - dt.timedelta(days=survey.reminder_after_days)
        reminders = (
            SurveyInvitation.objects.filter(
                survey=survey,
                answered_at__isnull=True,
                reminded_at__isnull=True,
                sent_at__lte=remind_before,
            )
            .exclude(**{f"{link}__user__in": opted_out})
            .values_list("pk", flat=True)
        )
        for pk in list(reminders):
            with transaction.atomic():
                reminded = (
                    SurveyInvitation.objects.select_for_update(skip_locked=True)
                    .filter(pk=pk, reminded_at__isnull=True, answered_at__isnull=True)
                    .first()
                )
                if reminded is None:
                    continue
                reminded.reminded_at = now
                reminded.save(update_fields=["reminded_at"])
                _mail(reminded, kind="survey_reminder")
            written += 1
    return written


def survey_answer(
    *, invitation: SurveyInvitation, values: Mapping[int, str], now: dt.datetime | None = None
) -> SurveyInvitation:
    """Save (or change) a participant's answers while the survey is open."""
    now = now or timezone.now()
    with transaction.atomic():
        invitation = (
            SurveyInvitation.objects.select_for_update(of=("self",))
            .select_related("survey")
            .get(pk=invitation.pk)
        )
        if not invitation.survey.is_open(now):
            raise RefusalError(_("The evaluation has closed."), "closed")
        registration = invitation.registration
        answers_set(
            registration=registration,
            questions=questions_asked(registration.event, purpose=QuestionPurpose.EVALUATION),
            values=values,
            now=now,
        )
        invitation.answered_at = invitation.answered_at or now
        invitation.updated_at = now
        invitation.save(update_fields=["answered_at", "updated_at"])
    return invitation


def survey_opt_out(*, user: User) -> None:
    """No more evaluation mails for this person."""
    SurveyOptOut.objects.get_or_create(user=user)


# --- results (staff only) ------------------------------------------------------------------------


@dataclass
class GroupRate:
    label: str
    invited: int
    answered: int

    @property
    def shown(self) -> bool:
        return self.answered >= THRESHOLD

    @property
    def percent(self) -> int:
        return round(100 * self.answered / self.invited) if self.invited else 0


@dataclass
class ChoiceCount:
    label: str
    count: int
    percent: int


@dataclass
class QuestionResult:
    question: Question
    text: str
    answered: int
    choices: list[ChoiceCount] = field(default_factory=list)
    average: Decimal | None = None
    texts: list[str] = field(default_factory=list)

    @property
    def shown(self) -> bool:
        return self.answered >= THRESHOLD

    @property
    def is_choice(self) -> bool:
        return self.question.kind in CHOICE_KINDS

    @property
    def is_text(self) -> bool:
        return self.question.kind in TEXT_KINDS


@dataclass
class SurveyResults:
    survey: Survey
    invited: int
    answered: int
    municipalities: list[GroupRate]
    groups: list[GroupRate]
    questions: list[QuestionResult]

    @property
    def shown(self) -> bool:
        return self.answered >= THRESHOLD

    @property
    def percent(self) -> int:
        return round(100 * self.answered / self.invited) if self.invited else 0


@dataclass
class _Rates:
    """Invited and answered per municipality and per stakeholder group, and the registrations
    that answered."""

    by_municipality: dict[str, list[int]] = field(default_factory=dict)
    by_group: dict[str, list[int]] = field(default_factory=dict)
    answered_registrations: list[int] = field(default_factory=list)


def _rates_count(invitations: list[SurveyInvitation], link: str) -> _Rates:
    from accounts.models import User

    group_labels = dict(User._meta.get_field("stakeholder_group").flatchoices)
    rates = _Rates()
    for invitation in invitations:
        user = invitation.registration.user
        done = invitation.answered_at is not None
        municipality = user.municipality.name if user.municipality else str(_("Not given"))
        group = str(group_labels.get(user.stakeholder_group) or _("Not given"))
        for bucket, key in ((rates.by_municipality, municipality), (rates.by_group, group)):
            counts = bucket.setdefault(key, [0, 0])
            counts[0] += 1
            counts[1] += int(done)
        if done:
            rates.answered_registrations.append(getattr(invitation, f"{link}_id"))
    return rates


def _rates(bucket: dict[str, list[int]]) -> list[GroupRate]:
    return [
        GroupRate(label=label, invited=invited, answered=answered)
        for label, (invited, answered) in sorted(bucket.items())
    ]


def _given_values(link: str, answered_registrations: list[int]) -> dict[int, list[str]]:
    """The evaluation's non-empty answers of `answered_registrations`, by question pk."""
    from .models import Answer

    answers = Answer.objects.filter(
        **{f"{link}__in": answered_registrations},
        question__purpose=QuestionPurpose.EVALUATION,
    ).exclude(value="")
    values: dict[int, list[str]] = {}
    for question_id, value in answers.values_list("question_id", "value"):
        values.setdefault(question_id, []).append(value)
    return values


def _choice_counts(question: Question, given: list[str], language: str) -> list[ChoiceCount]:
    counts = Counter(part for value in given for part in value.splitlines())
    return [
        ChoiceCount(
            label=label,
            count=counts[value],
            percent=round(100 * counts[value] / len(given)) if given else 0,
        )
        for value, label in question.choice_pairs(language)
    ]


def _average(given: list[str]) -> Decimal | None:
    numbers: list[Decimal] = []
    for value in given:
        try:
            numbers.append(Decimal(value))
        except InvalidOperation:
            continue
    if numbers:
        return round(sum(numbers, Decimal(0)) / len(numbers), 1)
    return None


def _question_result(question: Question, given: list[str], language: str) -> QuestionResult:
    result = QuestionResult(question=question, text=question.text(language), answered=len(given))
    if question.kind in CHOICE_KINDS:
        result.choices = _choice_counts(question, given, language)
    elif question.kind == QuestionKind.NUMBER:
        result.average = _average(given)
    else:
        result.texts = sorted(given)
    return result


def survey_results(survey: Survey) -> SurveyResults:
    """Response rates overall, per municipality and per stakeholder group, and each
    question's answers; in a fixed number of queries."""
    language = get_language() or "sv"
    event = survey.event
    model = registration_model_for(event)
    link = REGISTRATION_LINKS[model._meta.label_lower]
    invitations = list(
        survey.invitations.select_related(f"{link}__user__municipality").order_by("pk")
    )
    rates = _rates_count(invitations, link)
    values = _given_values(link, rates.answered_registrations)
    results = [
        _question_result(question, values.get(question.pk, []), language)
        for question in Question.objects.for_event(event).evaluation().in_order()
    ]
    return SurveyResults(
        survey=survey,
        invited=len(invitations),
        answered=len(rates.answered_registrations),
        municipalities=_rates(rates.by_municipality),
        groups=_rates(rates.by_group),
        questions=results,
    )


# --- Mina sidor, the data export, erasure ------------------------------------------------------


def _theirs(user: User) -> RegistrationLinkQuerySet[SurveyInvitation]:
    invitations = SurveyInvitation.objects.none()
    for link in REGISTRATION_LINKS.values():
        invitations |= SurveyInvitation.objects.filter(**{f"{link}__user": user})
    return invitations


def my_pages_context(user: User) -> dict[str, Any]:
    """The person's evaluations still open, with their personal links."""
    related = ["survey"]
    for link, model in linked_registration_models().items():
        related.append(f"{link}__{model.EVENT_FIELD}")
    open_ones = (
        _theirs(user)
        .filter(survey__closes_at__gt=timezone.now())
        .select_related(*related)
        .order_by("-sent_at", "pk")
    )
    return {
        "evaluations": [(invitation, survey_url(invitation)) for invitation in open_ones],
        "evaluation_opt_out": SurveyOptOut.objects.filter(user=user).exists(),
    }


def export(user: User) -> dict[str, Any]:
    return {
        "opted_out": SurveyOptOut.objects.filter(user=user).exists(),
        "evaluations": [
            {
                "event": str(invitation.registration.event),
                "sent_at": invitation.sent_at.isoformat(),
                "reminded_at": invitation.reminded_at.isoformat()
                if invitation.reminded_at
                else None,
                "answered_at": invitation.answered_at.isoformat()
                if invitation.answered_at
                else None,
            }
            for invitation in _theirs(user).select_related("survey").order_by("pk")
        ],
    }


def erase(user: User) -> None:
    """The links stop working (the rows stay, so response rates hold); their answers are
    cleared with the rest of the person's answers (questions.erase)."""
    for invitation in _theirs(user):
        invitation.token = survey_token_generate()
        invitation.save(update_fields=["token"])
