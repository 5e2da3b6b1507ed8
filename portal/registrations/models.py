"""Statuses, check-in codes and the abstract models every registrable event builds on."""

from __future__ import annotations

import dataclasses
import datetime as dt
import secrets
from typing import TYPE_CHECKING, Any, ClassVar, Self, TypeVar, cast

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

if TYPE_CHECKING:
    from django.db.models.fields.related_descriptors import RelatedManager

    from accounts.models import User

    from .calendar import CalendarEntry


class EventStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    CANCELLED = "cancelled", _("Cancelled")


class RegistrationStatus(models.TextChoices):
    PENDING = "pending", _("Pending approval")
    CONFIRMED = "confirmed", _("Confirmed")
    WAITLISTED = "waitlisted", _("Waitlisted")
    # Not the event's "Cancelled": Swedish says "avbokad" for a registration, "inställd" for
    # an event called off.
    CANCELLED = "cancelled", pgettext_lazy("registration status", "Cancelled")
    DECLINED = "declined", _("Declined")


# A registration in one of these states is the person's one registration for an event.
ACTIVE_STATUSES = (
    RegistrationStatus.PENDING,
    RegistrationStatus.CONFIRMED,
    RegistrationStatus.WAITLISTED,
)
# These hold a seat: a pending registration keeps its seat while staff decide.
SEAT_STATUSES = (RegistrationStatus.PENDING, RegistrationStatus.CONFIRMED)

# A code people read aloud and type at the door: no 0/1/O/I to confuse.
CHECK_IN_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CHECK_IN_CODE_LENGTH = 8
CHECK_IN_CODE_PATTERN = r"^[A-HJ-NP-Z2-9]{8}$"


def check_in_code_generate() -> str:
    return "".join(secrets.choice(CHECK_IN_ALPHABET) for _ in range(CHECK_IN_CODE_LENGTH))


def check_in_code_normalise(code: str) -> str:
    """A code as typed at the door, with any spacing or case, in its stored form."""
    return "".join(code.split()).upper()


class RegistrableEvent(models.Model):
    """What every event people register for has beside its own fields.

    A subclass has `starts_at`, `ends_at` and `capacity`, and says how it looks in a calendar
    (`calendar_entry`). `sequence` grows on every change of time or place, so calendars replace
    the old entry instead of adding a second one.
    """

    # Changing any of these moves the event in people's calendars (subclasses add theirs).
    TIME_AND_PLACE_FIELDS: ClassVar[tuple[str, ...]] = ("starts_at", "ends_at")

    sequence = models.PositiveIntegerField(_("calendar sequence"), default=0, editable=False)

    # Every subclass has these fields (declared here for type checkers only).
    starts_at: dt.datetime
    ends_at: dt.datetime
    capacity: int | None

    class Meta:
        abstract = True

    def calendar_entry(self, *, private: bool = False) -> CalendarEntry:
        """The event as one calendar entry; `private` adds what only registrants may see."""
        raise NotImplementedError

    @property
    def organiser_email(self) -> str:
        """Where mail about the event's participants goes: its contact (a meeting falls back
        to its series' contact, which `effective_contact_email` gives)."""
        return getattr(self, "effective_contact_email", "") or getattr(self, "contact_email", "")

    def moved_by(self, changes: dict[str, Any]) -> bool:
        """Whether applying `changes` would move the event in time or place."""
        return any(
            field in changes and changes[field] != getattr(self, field)
            for field in self.TIME_AND_PLACE_FIELDS
        )


class VenueFacts(models.Model):
    """What a person needs to know about the place before deciding to come: whether there is
    a hearing loop, whether they can get in without steps, how to get there.

    For events with a venue of their own (meetings, editions; a session takes its edition's).
    A yes/no fact left empty is "not stated" and the page says nothing about it, rather than
    a "no" nobody checked.
    """

    YES_NO_FIELDS: ClassVar[tuple[str, ...]] = (
        "hearing_loop",
        "step_free_access",
        "accessible_toilet",
        "quiet_room",
    )

    hearing_loop = models.BooleanField(
        _("hearing loop"),
        null=True,
        blank=True,
        help_text=_("In the room where the event is held. Empty: not stated."),
    )
    step_free_access = models.BooleanField(
        _("step-free access"),
        null=True,
        blank=True,
        help_text=_("From the street to the room, by ramp or lift. Empty: not stated."),
    )
    accessible_toilet = models.BooleanField(
        _("accessible toilet"), null=True, blank=True, help_text=_("Empty: not stated.")
    )
    quiet_room = models.BooleanField(
        _("quiet room"),
        null=True,
        blank=True,
        help_text=_("A room to rest in, away from the crowd. Empty: not stated."),
    )
    public_transport = models.CharField(
        _("nearest public transport"),
        max_length=300,
        blank=True,
        help_text=_("E.g. T-Centralen (metro), 3 minutes' walk; bus 65, stop Sergels torg."),
    )
    access_notes = models.TextField(
        _("more about access"),
        blank=True,
        help_text=_("E.g. which entrance to use, where the lift is, parking for disabled people."),
    )

    class Meta:
        abstract = True

    def venue_facts(self) -> list[tuple[str | Promise, str]]:
        """The facts staff stated, as (label, text) for the page, in a fixed order."""
        facts: list[tuple[str | Promise, str]] = []
        for name in (*self.YES_NO_FIELDS, "public_transport", "access_notes"):
            value = getattr(self, name)
            if value is None or value == "":
                continue
            if isinstance(value, bool):
                value = str(_("Yes") if value else _("No"))
            field = self._meta.get_field(name)
            label = field.verbose_name if isinstance(field, models.Field) else name
            facts.append((capfirst(label), value))
        return facts


class BookingQuerySet(models.QuerySet[Any]):
    """Reads every kind of booking shares; the model names its event (`EVENT_FIELD`)."""

    def active(self) -> BookingQuerySet:
        return self.filter(status__in=ACTIVE_STATUSES)

    def holding_seat(self) -> BookingQuerySet:
        model: type[Booking] = self.model
        return self.filter(model.seat_condition())

    def waitlist(self) -> BookingQuerySet:
        # Insertion order under the event lock is arrival order: first come, first served.
        return self.filter(status=RegistrationStatus.WAITLISTED).order_by("pk")


class RegistrationQuerySet(BookingQuerySet):
    def attended(self) -> RegistrationQuerySet:
        """Registrations checked in at the door: these people were there."""
        return self.filter(checked_in_at__isnull=False)

    def anonymisable(self, *, ended_before: dt.datetime) -> RegistrationQuerySet:
        """Registrations for events that ended before the cutoff, not yet anonymised."""
        model: type[Registration] = self.model
        return self.filter(
            **{f"{model.EVENT_FIELD}__ends_at__lt": ended_before},
            anonymised_at__isnull=True,
        )


QS = TypeVar("QS", bound=models.QuerySet[Any])


def _all_as(model: type[models.Model], queryset_class: type[QS]) -> QS:
    queryset = model._default_manager.all()
    if not isinstance(queryset, queryset_class):
        raise TypeError(f"{model.__name__}'s manager does not give a {queryset_class.__name__}")
    return queryset


class Booking(models.Model):
    """A claim on an event's seat: a registration, or a Stockholmstinget session choice.

    A subclass adds the foreign key to its event and names it in `EVENT_FIELD`.
    """

    EVENT_FIELD: ClassVar[str] = "event"
    # The place on the waitlist on arrival, set by the service that made the booking (counted
    # under the event's lock) for the mail and the page of that moment; not stored, and not
    # kept up to date: `waitlist_position` counts the place as it is now.
    position_on_arrival: int | None = None
    # The path from the booking to the person who holds it (a user).
    HOLDER_FIELD: ClassVar[str] = "user"
    # Every kind of booking can be checked in (declared here for type checkers only).
    checked_in_at: dt.datetime | None

    status = models.CharField(_("status"), max_length=16, choices=RegistrationStatus.choices)
    created_at = models.DateTimeField(_("registered at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("changed at"), default=timezone.now, editable=False)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True, editable=False)
    # Bumped on every change, so each change (and each waitlisting) mails once.
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        abstract = True

    @classmethod
    def bookings(cls) -> BookingQuerySet:
        """All bookings of this kind, with the shared reads (the manager of an abstract model
        is unknown to type checkers)."""
        return _all_as(cls, BookingQuerySet)

    @classmethod
    def seat_condition(cls) -> Q:
        """Which bookings take one of the event's seats."""
        return Q(status__in=SEAT_STATUSES)

    @property
    def event(self) -> RegistrableEvent:
        event: RegistrableEvent = getattr(self, self.EVENT_FIELD)
        return event

    @property
    def holder(self) -> User:
        """The person who holds the booking."""
        value: Any = self
        for name in self.HOLDER_FIELD.split("__"):
            value = getattr(value, name)
        holder: User = value
        return holder

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def is_confirmed(self) -> bool:
        return self.status == RegistrationStatus.CONFIRMED


class Registration(Booking):
    """A person's registration: check-in code, what they wrote, consent, attendance.

    A subclass adds the constraints that need its event (one active registration per person,
    a unique code per event; see `registration_constraints`).
    """

    # What a registrant wrote about themselves: cleared once the event is long over.
    PERSONAL_TEXT_FIELDS: ClassVar[tuple[str, ...]] = (
        "accessibility_needs",
        "dietary_needs",
        "message",
    )

    # Every subclass has a `user` foreign key (declared here for type checkers only).
    user: User
    # Every subclass has answers (`Answer`'s reverse relations; for type checkers only).
    answers: RelatedManager[Answer]
    # The kind of event in the address of a certificate of attendance (`certificates`);
    # empty: the registration offers none.
    CERTIFICATE_KIND: ClassVar[str] = ""

    check_in_code = models.CharField(_("check-in code"), max_length=8)
    accessibility_needs = models.TextField(
        _("accessibility needs"),
        blank=True,
        help_text=_("Tell us what you need to take part, e.g. interpretation or step-free access."),
    )
    dietary_needs = models.TextField(_("dietary needs"), blank=True)
    message = models.TextField(_("message to the organisers"), blank=True)
    consent_to_be_listed = models.BooleanField(_("may be listed as attendee"), default=False)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    # The event start a reminder was last sent for: a moved event gets a fresh one.
    reminded_for_start = models.DateTimeField(null=True, blank=True, editable=False)
    # When what the person wrote was cleared, REGISTRATION_ANONYMISE_AFTER_DAYS after the event.
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True, editable=False)

    class Meta:
        abstract = True

    @classmethod
    def registrations(cls) -> RegistrationQuerySet:
        return _all_as(cls, RegistrationQuerySet)

    @property
    def needs(self) -> str:
        """Accessibility and dietary needs together, for lists and exports."""
        return "\n".join(part for part in (self.accessibility_needs, self.dietary_needs) if part)

    def certificate_event_kind(self) -> str:
        """What kind of event the certificate of attendance says it was, beside its title
        (e.g. which dialogue series); empty: nothing beside the title."""
        return ""

    def calendar_entries(self) -> list[CalendarEntry]:
        """What this person's calendar file holds: the event, with what they may see.

        Once the registration has ended (cancelled, declined) the entry says CANCELLED, so the
        person's calendar drops it. The sequence stays the event's: registering again later
        gives a file the calendar accepts as the newer one.
        """
        entry = self.event.calendar_entry(private=self.is_confirmed)
        if self.status in (RegistrationStatus.CANCELLED, RegistrationStatus.DECLINED):
            entry = dataclasses.replace(entry, status="CANCELLED")
        return [entry]


def registration_constraints(prefix: str, event_field: str) -> list[models.BaseConstraint]:
    """The invariants of a registration table, named `<prefix>_...`."""
    return [
        models.UniqueConstraint(
            fields=[event_field, "user"],
            condition=Q(status__in=[status.value for status in ACTIVE_STATUSES]),
            name=f"{prefix}_one_active_per_user",
        ),
        models.UniqueConstraint(
            fields=[event_field, "check_in_code"], name=f"{prefix}_check_in_code_unique"
        ),
        models.CheckConstraint(
            condition=Q(check_in_code__regex=CHECK_IN_CODE_PATTERN),
            name=f"{prefix}_check_in_code_format",
        ),
    ]


# --- access and accommodation requests -------------------------------------------------------
#
# Concrete tables of the core (app label `registrations`). A request belongs to exactly one
# registration, of whichever kind of event: one nullable foreign key per registration table
# and a check constraint that exactly one is set. Unlike a generic foreign key this keeps real
# foreign keys (a deleted registration takes its requests with it, in the database) and lets a
# unique constraint say "one request of a kind per registration".

# The registration tables a request can belong to: model label -> field on AccessRequest.
REGISTRATION_LINKS: dict[str, str] = {
    "dialogues.registration": "meeting_registration",
    "stockholmstinget.editionregistration": "edition_registration",
}


class AccessKindCode(models.TextChoices):
    SIGN_LANGUAGE = "sign_language", _("Sign language interpreter")
    TEXT_INTERPRETER = "text_interpreter", _("Text interpreter (live captioning)")
    HEARING_LOOP = "hearing_loop", _("Hearing loop")
    STEP_FREE = "step_free", _("Step-free access")
    COMPANION = "companion", _("Personal assistant or companion (free seat)")
    MATERIAL = "material", _("Material in advance, large print or easy-to-read")
    AUDIO_DESCRIPTION = "audio_description", _("Audio description")
    DIET = "diet", _("Diet and allergies")
    OTHER = "other", _("Other")


# Kinds whose request means nothing without a word on what exactly is needed.
ACCESS_KINDS_WITH_DETAILS = (AccessKindCode.DIET, AccessKindCode.OTHER)


class AccessKind(models.Model):
    """How far ahead staff need to know of one kind of request (interpreters are booked
    weeks ahead). The kinds are fixed; staff set the lead times in admin."""

    code = models.CharField(_("kind"), max_length=32, choices=AccessKindCode.choices, unique=True)
    lead_days = models.PositiveSmallIntegerField(
        _("lead time (days)"),
        default=0,
        help_text=_("A request made later than this before the event is marked late."),
    )

    class Meta:
        ordering = ["pk"]
        verbose_name = _("kind of access request")
        verbose_name_plural = _("kinds of access request")

    def __str__(self) -> str:
        return str(self.get_code_display())


def exactly_one_of(first: str, second: str, *, name: str) -> models.CheckConstraint:
    """A row belongs to exactly one of two tables (a meeting or an edition, a meeting's
    registration or an edition's) through two nullable foreign keys: the database keeps it so."""
    return models.CheckConstraint(
        condition=(
            Q(**{f"{first}__isnull": False, f"{second}__isnull": True})
            | Q(**{f"{first}__isnull": True, f"{second}__isnull": False})
        ),
        name=name,
    )


class AccessRequestStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    ARRANGED = "arranged", _("Arranged")
    NOT_POSSIBLE = "not_possible", _("Not possible")


LinkedRow = TypeVar("LinkedRow", bound=models.Model)


class RegistrationLinkQuerySet(models.QuerySet[LinkedRow]):
    """Reads of a core table that links to registrations by `REGISTRATION_LINKS`."""

    def for_registration(self, registration: Registration) -> Self:
        return self.filter(**{access_link_field(type(registration)): registration})

    def for_event(self, event: RegistrableEvent) -> Self:
        """The rows of everyone registered for `event` (a meeting or an edition)."""
        for field, model in linked_registration_models().items():
            if isinstance(event, event_model(model)):
                return self.filter(**{f"{field}__{model.EVENT_FIELD}": event})
        raise TypeError(f"no registrations link to {type(event).__name__}")


class AccessRequestQuerySet(RegistrationLinkQuerySet["AccessRequest"]):
    def open(self) -> AccessRequestQuerySet:
        return self.filter(status=AccessRequestStatus.REQUESTED)


def access_link_field(registration_model: type[Registration]) -> str:
    return REGISTRATION_LINKS[registration_model._meta.label_lower]


def _related_model(model: type[models.Model], field: str) -> type[models.Model]:
    related = model._meta.get_field(field).related_model
    if not isinstance(related, type):
        raise TypeError(f"{model.__name__}.{field} is not a relation to another model")
    return related


def linked_registration_models() -> dict[str, type[Registration]]:
    """Each registration table a request can belong to, by its field on AccessRequest."""
    return {
        field: cast("type[Registration]", _related_model(AccessRequest, field))
        for field in REGISTRATION_LINKS.values()
    }


def event_model(registration_model: type[Registration]) -> type[RegistrableEvent]:
    """The kind of event `registration_model` registers for (a meeting, an edition)."""
    related = _related_model(registration_model, registration_model.EVENT_FIELD)
    return cast("type[RegistrableEvent]", related)


class AccessRequest(models.Model):
    """One thing a registrant needs to take part, and what staff did about it."""

    meeting_registration = models.ForeignKey(
        "dialogues.Registration",
        verbose_name=_("meeting registration"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="access_requests",
    )
    edition_registration = models.ForeignKey(
        "stockholmstinget.EditionRegistration",
        verbose_name=_("Stockholmstinget registration"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="access_requests",
    )
    kind = models.CharField(_("kind"), max_length=32, choices=AccessKindCode.choices)
    details = models.CharField(_("details"), max_length=500, blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=AccessRequestStatus.choices,
        default=AccessRequestStatus.REQUESTED,
    )
    # Made inside the kind's lead time: accepted, but the contact was told at once.
    is_late = models.BooleanField(_("late"), default=False, editable=False)
    created_at = models.DateTimeField(_("requested at"), default=timezone.now, editable=False)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True, editable=False)
    staff_note = models.CharField(
        _("note to the person"),
        max_length=500,
        blank=True,
        help_text=_("Sent with the decision, e.g. where the interpreter will stand."),
    )

    objects = AccessRequestQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("access request")
        verbose_name_plural = _("access requests")
        constraints = [
            exactly_one_of(
                "meeting_registration",
                "edition_registration",
                name="accessrequest_one_registration",
            ),
            models.UniqueConstraint(
                fields=["meeting_registration", "kind"], name="accessrequest_one_kind_per_meeting"
            ),
            models.UniqueConstraint(
                fields=["edition_registration", "kind"], name="accessrequest_one_kind_per_edition"
            ),
            models.CheckConstraint(
                condition=Q(status=AccessRequestStatus.REQUESTED) | Q(decided_at__isnull=False),
                name="accessrequest_decided_has_time",
            ),
        ]

    def __str__(self) -> str:
        return str(self.get_kind_display())

    @property
    def registration(self) -> Registration:
        registration = self.meeting_registration or self.edition_registration
        if registration is None:  # the check constraint forbids it
            raise ValueError("an access request without a registration")
        return registration


# --- questions: what staff ask at registration, and in the evaluation after the event -----------
#
# A question belongs to one event (a meeting or an edition) through one nullable foreign key
# per event table, and an answer to one registration the same way as an access request: the
# database keeps the links and their cascades, and "one answer per question and registration"
# is a unique constraint.

# The event tables a question can belong to: model label -> field on Question.
EVENT_LINKS: dict[str, str] = {
    "dialogues.meeting": "meeting",
    "stockholmstinget.edition": "edition",
}


class QuestionKind(models.TextChoices):
    SHORT_TEXT = "short_text", _("Short text")
    LONG_TEXT = "long_text", _("Long text")
    CHOICE = "choice", _("One choice")
    CHOICES = "choices", _("Several choices")
    YES_NO = "yes_no", _("Yes or no")
    NUMBER = "number", _("Number")


# Kinds whose answer is one of the question's own choices (or yes/no): a later question can be
# shown only when one of these has a given answer.
CHOICE_KINDS = (QuestionKind.CHOICE, QuestionKind.CHOICES, QuestionKind.YES_NO)
# Kinds whose answer is the person's own words.
TEXT_KINDS = (QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT)
YES, NO = "yes", "no"


class QuestionPurpose(models.TextChoices):
    REGISTRATION = "registration", _("Asked at registration")
    EVALUATION = "evaluation", _("Asked in the evaluation after the event")


class QuestionQuerySet(models.QuerySet["Question"]):
    def for_event(self, event: RegistrableEvent) -> QuestionQuerySet:
        return self.filter(**{event_link_field(type(event)): event})

    def current(self) -> QuestionQuerySet:
        """Not archived: the questions the form asks."""
        return self.filter(archived_at__isnull=True)

    def registration(self) -> QuestionQuerySet:
        return self.filter(purpose=QuestionPurpose.REGISTRATION)

    def evaluation(self) -> QuestionQuerySet:
        return self.filter(purpose=QuestionPurpose.EVALUATION)

    def in_order(self) -> QuestionQuerySet:
        return self.order_by("position", "pk")


def event_link_field(event_model: type[models.Model]) -> str:
    return EVENT_LINKS[event_model._meta.label_lower]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


class Question(models.Model):
    """One question staff ask about an event, in Swedish and (optionally) English.

    A choice's Swedish text is what an answer stores and what a condition names, so an English
    translation added later changes no answer.
    """

    meeting = models.ForeignKey(
        "dialogues.Meeting",
        verbose_name=_("meeting"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="questions",
    )
    edition = models.ForeignKey(
        "stockholmstinget.Edition",
        verbose_name=_("Stockholmstinget"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="questions",
    )
    purpose = models.CharField(
        _("asked"),
        max_length=16,
        choices=QuestionPurpose.choices,
        default=QuestionPurpose.REGISTRATION,
    )
    position = models.PositiveSmallIntegerField(
        _("order"), default=0, help_text=_("Lower numbers are asked first.")
    )
    kind = models.CharField(_("type"), max_length=16, choices=QuestionKind.choices)
    label = models.CharField(_("question (Swedish)"), max_length=300)
    label_en = models.CharField(_("question (English)"), max_length=300, blank=True)
    help_text = models.CharField(_("help text (Swedish)"), max_length=500, blank=True)
    help_text_en = models.CharField(_("help text (English)"), max_length=500, blank=True)
    choices = models.TextField(
        _("choices (Swedish)"),
        blank=True,
        help_text=_("One per line. Only for one choice and several choices."),
    )
    choices_en = models.TextField(
        _("choices (English)"),
        blank=True,
        help_text=_("One per line, in the same order as the Swedish ones."),
    )
    required = models.BooleanField(_("required"), default=False)
    condition_question = models.ForeignKey(
        "self",
        verbose_name=_("shown only when"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dependants",
        help_text=_("An earlier question of the same event (one choice, several choices, yes/no)."),
    )
    condition_value = models.CharField(
        _("has the answer"),
        max_length=300,
        blank=True,
        help_text=_("One of that question's Swedish choices, or yes/no."),
    )
    archived_at = models.DateTimeField(
        _("archived at"),
        null=True,
        blank=True,
        help_text=_("An archived question is no longer asked; its answers stay."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    objects = QuestionQuerySet.as_manager()

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        constraints = [
            exactly_one_of("meeting", "edition", name="question_one_event"),
            models.CheckConstraint(
                condition=(
                    Q(condition_question__isnull=True, condition_value="")
                    | (Q(condition_question__isnull=False) & ~Q(condition_value=""))
                ),
                name="question_condition_complete",
            ),
        ]
        indexes = [
            models.Index(fields=["meeting", "purpose", "position"], name="question_meeting_idx"),
            models.Index(fields=["edition", "purpose", "position"], name="question_edition_idx"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def event(self) -> RegistrableEvent | None:
        return self.meeting or self.edition

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    def text(self, language: str) -> str:
        return self.label_en if language == "en" and self.label_en else self.label

    def help(self, language: str) -> str:
        return self.help_text_en if language == "en" and self.help_text_en else self.help_text

    def choice_values(self) -> list[str]:
        """What an answer may be: the Swedish choices, or yes/no."""
        if self.kind == QuestionKind.YES_NO:
            return [YES, NO]
        return _lines(self.choices)

    def choice_pairs(self, language: str) -> list[tuple[str, str]]:
        """(stored value, label in `language`) for each choice."""
        if self.kind == QuestionKind.YES_NO:
            return [(YES, str(_("Yes"))), (NO, str(_("No")))]
        values = _lines(self.choices)
        english = _lines(self.choices_en)
        if language == "en" and len(english) == len(values):
            return list(zip(values, english, strict=True))
        return [(value, value) for value in values]

    def value_label(self, value: str, language: str) -> str:
        """An answer as a person reads it (several choices comma-separated)."""
        if self.kind not in CHOICE_KINDS:
            return value
        labels = dict(self.choice_pairs(language))
        return ", ".join(labels.get(part, part) for part in value.splitlines() if part)

    def condition_holds(self, answers: dict[int, str]) -> bool:
        """Whether the question applies, given the answers so far (question pk -> value)."""
        if self.condition_question_id is None:
            return True
        given = answers.get(self.condition_question_id, "")
        return self.condition_value in given.splitlines()

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        errors: dict[str, list[str | Promise]] = {}
        for field, message in (*self._event_and_choice_errors(), *self._condition_errors()):
            errors.setdefault(field, []).append(message)
        if errors:
            raise ValidationError(errors)

    def _event_and_choice_errors(self) -> list[tuple[str, str | Promise]]:
        errors: list[tuple[str, str | Promise]] = []
        if bool(self.meeting_id) == bool(self.edition_id):
            errors.append(
                ("meeting", _("Choose either a meeting or a Stockholmstinget, not both."))
            )
        several = self.kind in (QuestionKind.CHOICE, QuestionKind.CHOICES)
        if several and len(_lines(self.choices)) < 2:
            errors.append(("choices", _("Give at least two choices, one per line.")))
        english = _lines(self.choices_en)
        if english and len(english) != len(_lines(self.choices)):
            errors.append(
                (
                    "choices_en",
                    _("Give as many English choices as Swedish ones, in the same order."),
                )
            )
        return errors

    def _condition_errors(self) -> list[tuple[str, str | Promise]]:
        condition = self.condition_question
        if condition is None:
            if self.condition_value:
                return [("condition_question", _("Choose the question the answer belongs to."))]
            return []
        message = self._condition_question_error(condition)
        if message is not None:
            return [("condition_question", message)]
        if self.condition_value not in condition.choice_values():
            return [
                (
                    "condition_value",
                    _("Give one of these answers: %(values)s")
                    % {"values": ", ".join(condition.choice_values())},
                )
            ]
        return []

    def _condition_question_error(self, condition: Question) -> str | Promise | None:
        if condition.pk == self.pk or (condition.meeting_id, condition.edition_id) != (
            self.meeting_id,
            self.edition_id,
        ):
            return _("Choose a question of the same event.")
        if condition.purpose != self.purpose:
            return _("Choose a question asked at the same time.")
        if condition.kind not in CHOICE_KINDS:
            return _("Choose a question answered with a choice or yes/no.")
        if (condition.position, condition.pk or 0) >= (self.position, self.pk or 10**12):
            return _("Choose a question asked earlier (a lower order number).")
        return None


class Answer(models.Model):
    """A registrant's answer to one question. Several choices are stored one per line."""

    question = models.ForeignKey(
        Question,
        verbose_name=_("question"),
        # An answered question is archived, never deleted; the event's own deletion (which
        # takes the registrations and their answers with it) still goes through.
        on_delete=models.RESTRICT,
        related_name="answers",
    )
    meeting_registration = models.ForeignKey(
        "dialogues.Registration",
        verbose_name=_("meeting registration"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="answers",
    )
    edition_registration = models.ForeignKey(
        "stockholmstinget.EditionRegistration",
        verbose_name=_("Stockholmstinget registration"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="answers",
    )
    value = models.TextField(_("answer"), blank=True)
    created_at = models.DateTimeField(_("answered at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("changed at"), default=timezone.now, editable=False)

    objects = RegistrationLinkQuerySet.as_manager()

    class Meta:
        ordering = ["question__position", "question_id"]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            exactly_one_of(
                "meeting_registration", "edition_registration", name="answer_one_registration"
            ),
            models.UniqueConstraint(
                fields=["question", "meeting_registration"], name="answer_one_per_meeting"
            ),
            models.UniqueConstraint(
                fields=["question", "edition_registration"], name="answer_one_per_edition"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.question}: {self.value}"

    @property
    def registration(self) -> Registration:
        # The check constraint `answer_one_registration` sets exactly one of the two.
        return cast("Registration", self.meeting_registration or self.edition_registration)

    def display(self, language: str) -> str:
        return self.question.value_label(self.value, language)


# --- the evaluation after an event ------------------------------------------------------------


class Survey(models.Model):
    """The evaluation of one event: its questions are the event's evaluation questions.

    After the event each checked-in participant gets one mail with a personal link, and those
    who have not answered one reminder `reminder_after_days` later; answers can be changed
    until `closes_at`.
    """

    meeting = models.OneToOneField(
        "dialogues.Meeting",
        verbose_name=_("meeting"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="survey",
    )
    edition = models.OneToOneField(
        "stockholmstinget.Edition",
        verbose_name=_("Stockholmstinget"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="survey",
    )
    closes_at = models.DateTimeField(_("closes at"))
    reminder_after_days = models.PositiveSmallIntegerField(
        _("reminder after (days)"),
        default=5,
        help_text=_("Those who have not answered get one reminder this long after the first mail."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["-closes_at", "pk"]
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        constraints = [
            exactly_one_of("meeting", "edition", name="survey_one_event"),
        ]

    def __str__(self) -> str:
        return str(self.event)

    @property
    def event(self) -> RegistrableEvent:
        # The check constraint `survey_one_event` sets exactly one of the two.
        return cast("RegistrableEvent", self.meeting or self.edition)

    def is_open(self, now: dt.datetime | None = None) -> bool:
        return (now or timezone.now()) < self.closes_at

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if bool(self.meeting_id) == bool(self.edition_id):
            raise ValidationError(
                {"meeting": _("Choose either a meeting or a Stockholmstinget, not both.")}
            )


def survey_token_generate() -> str:
    return secrets.token_urlsafe(24)


class SurveyInvitation(models.Model):
    """One participant's personal link to an evaluation, and what was sent to them."""

    survey = models.ForeignKey(
        Survey, verbose_name=_("evaluation"), on_delete=models.CASCADE, related_name="invitations"
    )
    meeting_registration = models.ForeignKey(
        "dialogues.Registration",
        verbose_name=_("meeting registration"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="survey_invitations",
    )
    edition_registration = models.ForeignKey(
        "stockholmstinget.EditionRegistration",
        verbose_name=_("Stockholmstinget registration"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="survey_invitations",
    )
    token = models.CharField(max_length=64, unique=True, default=survey_token_generate)
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now, editable=False)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True, editable=False)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(_("changed at"), null=True, blank=True, editable=False)

    objects = RegistrationLinkQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("evaluation link")
        verbose_name_plural = _("evaluation links")
        constraints = [
            exactly_one_of(
                "meeting_registration",
                "edition_registration",
                name="surveyinvitation_one_registration",
            ),
            models.UniqueConstraint(
                fields=["survey", "meeting_registration"], name="surveyinvitation_one_per_meeting"
            ),
            models.UniqueConstraint(
                fields=["survey", "edition_registration"], name="surveyinvitation_one_per_edition"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.survey}: {self.registration.user}"

    @property
    def registration(self) -> Registration:
        # The check constraint `surveyinvitation_one_registration` sets exactly one of the two.
        return cast("Registration", self.meeting_registration or self.edition_registration)


class SurveyOptOut(models.Model):
    """A person who wants no evaluation mails: no first mail, no reminder."""

    user = models.OneToOneField(
        "accounts.User", on_delete=models.CASCADE, related_name="survey_opt_out"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("evaluation opt-out")
        verbose_name_plural = _("evaluation opt-outs")

    def __str__(self) -> str:
        return str(self.user)
