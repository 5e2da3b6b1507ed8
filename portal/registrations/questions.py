"""Questions staff ask about an event, and the answers people give.

Staff add questions to a meeting or an edition in admin (short or long text, one or several
choices, yes/no, a number; required or not; shown only when an earlier answer has a given
value). The registration form asks the current ones; the answers are saved with the
registration, in its transaction, and shown in admin, the registrations export, Mina sidor and
the person's data export. A question that has been answered is archived, never deleted, so no
answer loses its question. After the retention period the answers are cleared with the rest of
what the person wrote.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from portal.errors import RefusalError

from .models import (
    REGISTRATION_LINKS,
    TEXT_KINDS,
    Answer,
    Question,
    QuestionPurpose,
    Registration,
    access_link_field,
    event_link_field,
    linked_registration_models,
)

if TYPE_CHECKING:
    from accounts.models import User

    from .models import RegistrableEvent, RegistrationLinkQuerySet, RegistrationQuerySet

# --- reads ---------------------------------------------------------------------------------------


def questions_asked(
    event: RegistrableEvent | None, *, purpose: str = QuestionPurpose.REGISTRATION
) -> list[Question]:
    """The questions the form asks about `event` now, in order (one query)."""
    if event is None or event.pk is None:
        return []
    return list(
        Question.objects.for_event(event)
        .filter(purpose=purpose)
        .current()
        .select_related("condition_question")
        .in_order()
    )


def answers_values(registration: Registration | None) -> dict[int, str]:
    """The registration's answers as question pk -> stored value."""
    if registration is None:
        return {}
    return dict(Answer.objects.for_registration(registration).values_list("question_id", "value"))


def effective_values(questions: Sequence[Question], values: Mapping[int, str]) -> dict[int, str]:
    """The answers that count: a question whose condition does not hold (on the answers that
    count before it) has none. `questions` are in the order they are asked."""
    effective: dict[int, str] = {}
    for question in questions:
        value = values.get(question.pk, "")
        effective[question.pk] = value if question.condition_holds(effective) else ""
    return effective


# --- writes --------------------------------------------------------------------------------------


def answers_set(
    *,
    registration: Registration,
    questions: Sequence[Question],
    values: Mapping[int, str],
    now: dt.datetime | None = None,
) -> None:
    """Make the registration's answers to `questions` what the person gives now, in the
    caller's transaction.

    An empty answer, or one to a question that does not apply, keeps no row; answers to the
    event's other questions (archived ones, the evaluation's) are left as they are.
    """
    now = now or timezone.now()
    event = registration.event
    field = event_link_field(type(event))
    for question in questions:
        if getattr(question, f"{field}_id") != event.pk:
            raise RefusalError(_("A question belongs to another event."), "question_unknown")
    link = access_link_field(type(registration))
    effective = effective_values(questions, values)
    existing = {
        answer.question_id: answer
        for answer in Answer.objects.for_registration(registration).filter(
            question__in=[question.pk for question in questions]
        )
    }
    gone = [answer.pk for question_pk, answer in existing.items() if not effective.get(question_pk)]
    if gone:
        Answer.objects.filter(pk__in=gone).delete()
    for question in questions:
        value = effective[question.pk]
        if not value:
            continue
        answer = existing.get(question.pk)
        if answer is None:
            Answer.objects.create(
                question=question,
                **{link: registration},
                value=value,
                created_at=now,
                updated_at=now,
            )
        elif answer.value != value:
            answer.value = value
            answer.updated_at = now
            answer.save(update_fields=["value", "updated_at"])


def question_delete(*, question: Question) -> None:
    """Delete a question nobody has answered; an answered one is archived instead."""
    with transaction.atomic():
        question = Question.objects.select_for_update().get(pk=question.pk)
        if question.answers.exists():
            raise RefusalError(
                _("“%(question)s” has been answered: archive it instead.")
                % {"question": question.label},
                "answered",
            )
        if question.dependants.exists():
            raise RefusalError(
                _("Another question is shown only after “%(question)s”: change that one first.")
                % {"question": question.label},
                "has_dependants",
            )
        question.delete()


def question_archive(*, question: Question, now: dt.datetime | None = None) -> Question:
    """Stop asking a question; its answers stay."""
    Question.objects.filter(pk=question.pk, archived_at__isnull=True).update(
        archived_at=now or timezone.now()
    )
    question.refresh_from_db(fields=["archived_at"])
    return question


def question_restore(*, question: Question) -> Question:
    Question.objects.filter(pk=question.pk).update(archived_at=None)
    question.refresh_from_db(fields=["archived_at"])
    return question


QUESTION_COPY_FIELDS = (
    "purpose",
    "position",
    "kind",
    "label",
    "label_en",
    "help_text",
    "help_text_en",
    "choices",
    "choices_en",
    "required",
    "condition_value",
)


def questions_copy(*, source: RegistrableEvent, target: RegistrableEvent) -> list[Question]:
    """Give `target` (a new event) the current questions of `source`, conditions included."""
    originals = list(Question.objects.for_event(source).current().in_order())
    # By the original's pk; looked up by a condition's, which may be None (no condition).
    copies: dict[int | None, Question] = {}
    field = event_link_field(type(target))
    for original in originals:
        condition = copies.get(original.condition_question_id)
        copies[original.pk] = Question.objects.create(
            **{field: target},
            **{name: getattr(original, name) for name in QUESTION_COPY_FIELDS},
            # A condition on an archived question (not copied) would never hold.
            condition_question=condition,
            **({} if condition or not original.condition_question_id else {"condition_value": ""}),
        )
    return list(copies.values())


def _blank(answers: RegistrationLinkQuerySet[Answer]) -> int:
    """Clear what the person wrote, and everything they answered at registration; an
    evaluation's choices stay (shown only in groups of five or more, they identify nobody), so
    its results survive."""
    cleared = answers.filter(question__purpose=QuestionPurpose.REGISTRATION).exclude(value="")
    count = cleared.update(value="")
    return count + answers.filter(question__kind__in=TEXT_KINDS).exclude(value="").update(value="")


def answers_anonymise(registrations: RegistrationQuerySet) -> int:
    """Clear the answers of `registrations` (a queryset of one registration table), with the
    rest of what they wrote."""
    link = access_link_field(registrations.model)
    return _blank(Answer.objects.filter(**{f"{link}__in": registrations.values("pk")}))


# --- the registrations export ------------------------------------------------------------------


def answer_columns(
    registrations: Iterable[Registration],
) -> tuple[list[str], Callable[[Registration], list[str]]]:
    """Columns for the registrations export: one per registration question of the events in
    it (archived ones too, when answered), and a function giving a registration's cells.

    The registrations must come with `answers` prefetched (one query for all of them).
    """
    registrations = list(registrations)
    if not registrations:
        return [], lambda registration: []
    event_model = type(registrations[0].event)
    field = event_link_field(event_model)
    event_ids = {registration.event.pk for registration in registrations}
    questions = list(
        Question.objects.filter(**{f"{field}__in": event_ids})
        .registration()
        .select_related(field)
        .order_by(f"{field}__starts_at", field, "position", "pk")
    )
    several = len(event_ids) > 1
    language = get_language() or "sv"
    headers = [
        f"{question.event}: {question.label}" if several else question.label
        for question in questions
    ]
    by_pk = {question.pk: question for question in questions}

    def cells(registration: Registration) -> list[str]:
        given = {answer.question_id: answer.value for answer in registration.answers.all()}
        return [
            by_pk[pk].value_label(given.get(pk, ""), language) if pk in given else ""
            for pk in by_pk
        ]

    return headers, cells


def answers_describe(answers: Iterable[Answer]) -> str:
    """A registration's answers as one line: question: answer; …"""
    language = get_language() or "sv"
    return "; ".join(
        f"{answer.question.label}: {answer.display(language)}" for answer in answers if answer.value
    )


# --- Mina sidor, the data export, erasure ------------------------------------------------------


def _theirs(user: User) -> RegistrationLinkQuerySet[Answer]:
    answers = Answer.objects.none()
    for link in REGISTRATION_LINKS.values():
        answers |= Answer.objects.filter(**{f"{link}__user": user})
    return answers


def _with_events(answers: RegistrationLinkQuerySet[Answer]) -> RegistrationLinkQuerySet[Answer]:
    related = ["question"]
    for link, model in linked_registration_models().items():
        related.append(f"{link}__{model.EVENT_FIELD}")
    return answers.select_related(*related)


def my_pages_context(user: User) -> dict[str, Any]:
    """The answers a person gave for their coming events, grouped by event."""
    now = timezone.now()
    language = get_language() or "sv"
    events: dict[RegistrableEvent, list[tuple[str, str]]] = {}
    answers = _with_events(_theirs(user).filter(question__purpose=QuestionPurpose.REGISTRATION))
    for answer in answers.order_by("question__position", "question_id"):
        registration = answer.registration
        if not registration.is_active or registration.event.ends_at < now or not answer.value:
            continue
        events.setdefault(registration.event, []).append(
            (answer.question.text(language), answer.display(language))
        )
    return {"answered_events": list(events.items())}


def export(user: User) -> list[dict[str, Any]]:
    return [
        {
            "event": str(answer.registration.event),
            "starts_at": answer.registration.event.starts_at.isoformat(),
            "asked": answer.question.purpose,
            "question": answer.question.label,
            "answer": answer.value,
            "answered_at": answer.created_at.isoformat(),
            "changed_at": answer.updated_at.isoformat(),
        }
        for answer in _with_events(_theirs(user)).order_by("pk")
    ]


def erase(user: User) -> None:
    """The rows stay (counts hold) without what the person wrote."""
    _blank(_theirs(user))
