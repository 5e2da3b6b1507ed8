"""The part of every registration form that is the same for every kind of event."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar, TypedDict

from django import forms
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .access import AccessWish
from .models import AccessKindCode, Question, QuestionKind

QUESTION_PREFIX = "question_"


def question_field_name(question: Question) -> str:
    return f"{QUESTION_PREFIX}{question.pk}"


class _FieldCommon(TypedDict):
    """What every question's field is given."""

    label: str
    help_text: str
    required: bool


def question_field(
    question: Question, *, language: str, by_pk: Mapping[int | None, Question]
) -> forms.Field:
    """The form field that asks `question` in `language`.

    A question shown only after a given earlier answer says so in its help text (so it reads
    right without the script that hides it), carries its condition for that script, and is
    required only when the condition holds: the form checks that in `clean`.
    """
    help_parts = [question.help(language)]
    attrs: dict[str, str] = {}
    condition = by_pk.get(question.condition_question_id)
    if condition is not None:
        words = (
            _(
                "Answer only if you answered “%(answer)s” to “%(question)s”; then an answer "
                "is needed."
            )
            if question.required
            else _("Answer only if you answered “%(answer)s” to “%(question)s”.")
        )
        help_parts.append(
            str(words)
            % {
                "answer": condition.value_label(question.condition_value, language),
                "question": condition.text(language),
            }
        )
        attrs = {
            "data-condition-on": question_field_name(condition),
            "data-condition-value": question.condition_value,
        }
    common: _FieldCommon = {
        "label": question.text(language),
        "help_text": " ".join(part for part in help_parts if part),
        "required": question.required and condition is None,
    }
    kind = question.kind
    if kind == QuestionKind.SHORT_TEXT:
        return forms.CharField(max_length=500, widget=forms.TextInput(attrs=attrs), **common)
    if kind == QuestionKind.LONG_TEXT:
        return forms.CharField(
            max_length=4000, widget=forms.Textarea(attrs={"rows": 3, **attrs}), **common
        )
    if kind == QuestionKind.NUMBER:
        return forms.DecimalField(
            max_digits=12,
            decimal_places=2,
            localize=True,
            widget=forms.TextInput(attrs={"inputmode": "decimal", **attrs}),
            **common,
        )
    if kind == QuestionKind.CHOICES:
        return forms.MultipleChoiceField(
            choices=question.choice_pairs(language),
            widget=forms.CheckboxSelectMultiple(attrs=attrs),
            **common,
        )
    return forms.ChoiceField(
        choices=question.choice_pairs(language), widget=forms.RadioSelect(attrs=attrs), **common
    )


def _stored(value: object) -> str:
    """A cleaned value as an answer stores it (several choices one per line)."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "\n".join(value)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value).strip()


class QuestionsForm(forms.Form):
    """The organisers' questions about one event, asked after the form's own fields (before
    the access requests, when the form has them).

    `questions` are the event's current questions in order; a question that does not apply
    (its condition does not hold) is neither required nor kept, and an error in a hidden
    question's input does not stop the form.
    """

    # Set by a page that renders the form with crispy-forms (declared for type checkers only).
    helper: FormHelper

    def __init__(self, *args: Any, questions: Iterable[Question] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        language = get_language() or "sv"
        by_pk: dict[int | None, Question] = {question.pk: question for question in self.questions}
        names = []
        for question in self.questions:
            name = question_field_name(question)
            self.fields[name] = question_field(question, language=language, by_pk=by_pk)
            names.append(name)
        if names and "access_kinds" in self.fields:
            others = [name for name in self.fields if name not in names]
            at = others.index("access_kinds")
            self.order_fields([*others[:at], *names, *others[at:]])

    @property
    def question_names(self) -> list[str]:
        return [question_field_name(question) for question in self.questions]

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        raw = {
            question.pk: _stored(cleaned.get(question_field_name(question)))
            for question in self.questions
        }
        shown: dict[int, str] = {}
        for question in self.questions:
            name = question_field_name(question)
            if not question.condition_holds(shown):
                # Hidden: whatever was typed there neither counts nor blocks the form.
                shown[question.pk] = ""
                self.errors.pop(name, None)
                cleaned.pop(name, None)
                continue
            shown[question.pk] = raw[question.pk]
            if question.required and not raw[question.pk] and name not in self.errors:
                self.add_error(
                    name,
                    forms.ValidationError(
                        self.fields[name].error_messages["required"], code="required"
                    ),
                )
        return cleaned

    def answer_values(self) -> dict[int, str]:
        """The answers given, as question pk -> stored value (the service drops those that do
        not apply)."""
        return {
            question.pk: _stored(self.cleaned_data.get(question_field_name(question)))
            for question in self.questions
        }

    @staticmethod
    def answers_initial(questions: Iterable[Question], values: dict[int, str]) -> dict[str, Any]:
        """Initial values of the question fields from stored answers."""
        initial: dict[str, Any] = {}
        for question in questions:
            value = values.get(question.pk)
            if not value:
                continue
            initial[question_field_name(question)] = (
                value.splitlines() if question.kind == QuestionKind.CHOICES else value
            )
        return initial


if TYPE_CHECKING:
    from crispy_forms.helper import FormHelper
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

    from .models import AccessRequest


class AccessRequestsField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple


class AccessRequestsForm(forms.Form):
    """What a person needs to take part, as structured requests staff can plan for.

    Diet and "other" need a word on what exactly; the rest is the kind alone.
    """

    access_kinds = AccessRequestsField(
        label=_("What do you need to take part?"),
        required=False,
        choices=AccessKindCode.choices,
        help_text=_(
            "Tick all that apply. Interpreters are booked weeks ahead: ask in good time. A late "
            "request is still passed on at once."
        ),
    )
    access_diet = forms.CharField(
        label=_("Diet and allergies: what should we know?"),
        required=False,
        max_length=500,
    )
    access_other = forms.CharField(
        label=_("Other: what do you need?"),
        required=False,
        max_length=500,
    )

    DETAIL_FIELDS: ClassVar[dict[str, str]] = {
        AccessKindCode.DIET: "access_diet",
        AccessKindCode.OTHER: "access_other",
    }

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        kinds = cleaned.get("access_kinds") or []
        for kind, name in self.DETAIL_FIELDS.items():
            if kind in kinds and not (cleaned.get(name) or "").strip():
                self.add_error(
                    name,
                    forms.ValidationError(
                        _("Tell us what you need, or untick “%(kind)s”.")
                        % {"kind": AccessKindCode(kind).label},
                        code="required",
                    ),
                )
        return cleaned

    def access_wishes(self) -> list[AccessWish]:
        kinds = self.cleaned_data.get("access_kinds") or []
        names = self.DETAIL_FIELDS
        return [
            AccessWish(
                kind=kind,
                details=(self.cleaned_data.get(names[kind], "") or "").strip()
                if kind in names
                else "",
            )
            for kind in kinds
        ]

    @classmethod
    def access_initial(cls, requests: Iterable[AccessRequest]) -> dict[str, Any]:
        """The form's initial values from a registration's current requests."""
        initial: dict[str, Any] = {"access_kinds": [request.kind for request in requests]}
        for request in requests:
            if request.kind in cls.DETAIL_FIELDS:
                initial[cls.DETAIL_FIELDS[request.kind]] = request.details
        return initial


class RegistrationDetailsForm(QuestionsForm, AccessRequestsForm):
    """What a person tells the organisers (what they need, as structured requests, then in
    their own words), and whether they may be listed as attending."""

    accessibility_needs = forms.CharField(
        label=_("Accessibility needs"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Anything about access the choices above do not cover."),
    )
    dietary_needs = forms.CharField(
        label=_("Dietary needs"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    message = forms.CharField(
        label=_("Message to the organisers"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    consent_to_be_listed = forms.BooleanField(
        label=_("My name and organisation may be shown on the public list of attendees"),
        required=False,
    )

    def listing_consent_note(self, user: User | AnonymousUser | None) -> None:
        """Say at the checkbox when the profile's consent is off: both are needed to be listed,
        and a tick that silently does nothing would mislead."""
        if user is None or not user.is_authenticated or user.may_be_listed:
            return
        self.fields["consent_to_be_listed"].help_text = format_html(
            '{} <a href="{}">{}</a>',
            _(
                "Your profile does not allow your name on attendee lists, so you will not be "
                "shown even if you tick this."
            ),
            reverse("accounts:profile_edit"),
            _("Change the consent in your profile"),
        )
