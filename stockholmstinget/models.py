from __future__ import annotations

import dataclasses
import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
from django.db import models
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Sector
from portal.registrations import models as core
from portal.registrations.calendar import CalendarEntry, uid
from portal.registrations.models import RegistrationStatus
from portal.registrations.services import Seats
from portal.registrations.structured_data import EventFacts

__all__ = ["RegistrationStatus", "Sector", "SignupStatus"]


class EditionFormat(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    DIGITAL = "digital", _("Digital")
    HYBRID = "hybrid", _("Hybrid")


EditionStatus = core.EventStatus


class AttendanceMode(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    DIGITAL = "digital", _("Digital")


# Session choices share the registration statuses: confirmed, waitlisted or cancelled.
SignupStatus = RegistrationStatus
# Stockholmstinget takes no approvals: these are the statuses its registrations can have.
STATUS_CHOICES = [
    (status.value, status.label)
    for status in (
        RegistrationStatus.CONFIRMED,
        RegistrationStatus.WAITLISTED,
        RegistrationStatus.CANCELLED,
    )
]
ACTIVE_STATUSES = (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED)
ACTIVE_SIGNUP_STATUSES = ACTIVE_STATUSES


class EditionQuerySet(models.QuerySet):
    def public(self) -> EditionQuerySet:
        """Editions anyone may see: published ones, and cancelled ones that once were."""
        return self.filter(
            Q(status=EditionStatus.PUBLISHED)
            | Q(status=EditionStatus.CANCELLED, published_at__isnull=False)
        )

    def upcoming(self, now: dt.datetime | None = None) -> EditionQuerySet:
        return self.filter(ends_at__gte=now or timezone.now()).order_by("starts_at")

    def past(self, now: dt.datetime | None = None) -> EditionQuerySet:
        return self.filter(ends_at__lt=now or timezone.now()).order_by("-starts_at")


class Edition(core.VenueFacts, core.RegistrableEvent):
    """One year's Stockholmstinget."""

    TIME_AND_PLACE_FIELDS = ("starts_at", "ends_at", "format", "venue", "address", "stream_url")

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    title = models.CharField(_("title"), max_length=200)
    theme = models.TextField(
        _("theme"), blank=True, help_text=_("The year's theme, shown at the top of the page.")
    )
    description = models.TextField(_("description"), blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    format = models.CharField(
        _("format"), max_length=16, choices=EditionFormat.choices, default=EditionFormat.IN_PERSON
    )
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    registration_opens_at = models.DateTimeField(
        _("registration opens at"), null=True, blank=True, help_text=_("Empty: open at once.")
    )
    registration_closes_at = models.DateTimeField(
        _("registration closes at"),
        null=True,
        blank=True,
        help_text=_("Empty: open until the edition starts."),
    )
    capacity = models.PositiveIntegerField(
        _("in-person capacity"), null=True, blank=True, help_text=_("Leave empty for no limit.")
    )
    stream_url = models.URLField(
        _("stream link"),
        blank=True,
        help_text=_("Shown only to registrants following digitally: on the page and in mail."),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=EditionStatus.choices, default=EditionStatus.DRAFT
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    documentation = models.TextField(
        _("documentation"),
        blank=True,
        help_text=_("What happened: shown on the edition page once it is published."),
    )
    documentation_published_at = models.DateTimeField(
        _("documentation published at"), null=True, blank=True
    )
    contact_email = models.EmailField(_("contact email"), blank=True)

    objects = EditionQuerySet.as_manager()

    class Meta:
        ordering = ["-year"]
        verbose_name = _("edition")
        verbose_name_plural = _("editions")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="edition_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(capacity__gte=0),
                name="edition_capacity_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(registration_opens_at__isnull=True)
                | Q(registration_closes_at__isnull=True)
                | Q(registration_closes_at__gt=F("registration_opens_at")),
                name="edition_registration_window_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("stockholmstinget:edition_detail", args=[self.year])

    @property
    def has_place(self) -> bool:
        return self.format in (EditionFormat.IN_PERSON, EditionFormat.HYBRID)

    @property
    def has_stream(self) -> bool:
        return self.format in (EditionFormat.DIGITAL, EditionFormat.HYBRID)

    @property
    def registration_closes(self) -> dt.datetime:
        return self.registration_closes_at or self.starts_at

    @property
    def documentation_is_published(self) -> bool:
        return bool(self.documentation_published_at)

    def modes(self) -> list[str]:
        """The attendance modes this edition offers."""
        return [
            mode
            for mode, offered in (
                (AttendanceMode.IN_PERSON, self.has_place),
                (AttendanceMode.DIGITAL, self.has_stream),
            )
            if offered
        ]

    def calendar_entry(self, *, private: bool = False, stream_url: str = "") -> CalendarEntry:
        """The whole day as one entry; the stream link only when the caller may see it."""
        location = ", ".join(part for part in (self.venue, self.address) if part)
        return CalendarEntry(
            uid=uid("tinget", self.year),
            sequence=self.sequence,
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            summary=self.title,
            description="\n\n".join(part for part in (self.theme, stream_url) if part),
            location=location if self.has_place else "",
            url=settings.SITE_URL + self.get_absolute_url(),
            status="CANCELLED" if self.status == EditionStatus.CANCELLED else "CONFIRMED",
        )

    @property
    def is_public(self) -> bool:
        """What `public()` selects: published, or cancelled after it was published."""
        return self.status == EditionStatus.PUBLISHED or bool(
            self.status == EditionStatus.CANCELLED and self.published_at
        )

    def event_facts(self, sessions=()) -> EventFacts:
        """The edition as its public page shows it, for schema.org (no stream link); the
        programme page passes its published sessions as sub-events."""
        return EventFacts(
            name=self.title,
            path=self.get_absolute_url(),
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            in_person=self.has_place,
            online=self.has_stream,
            cancelled=self.status == EditionStatus.CANCELLED,
            sequence=self.sequence,
            description=self.theme,
            venue=self.venue,
            address=self.address,
            sub_events=[
                EventFacts(
                    name=session.title,
                    path=reverse("stockholmstinget:programme", args=[self.year]),
                    starts_at=session.starts_at,
                    ends_at=session.ends_at,
                    in_person=self.has_place,
                    online=self.has_stream and not session.in_person_only,
                    cancelled=self.status == EditionStatus.CANCELLED,
                    venue=", ".join(part for part in (session.room, self.venue) if part),
                    address=self.address,
                )
                for session in sessions
            ],
        )


class DocumentationLinkKind(models.TextChoices):
    RECORDING = "recording", _("Recording")
    PRESENTATION = "presentation", _("Presentation")
    REPORT = "report", _("Report")
    OTHER = "other", _("Other")


class DocumentationLink(models.Model):
    """A recording, presentation or report from an edition, listed with its documentation; one
    that names a session is shown with that session in the programme."""

    edition = models.ForeignKey(
        Edition, verbose_name=_("edition"), on_delete=models.CASCADE, related_name="links"
    )
    session = models.ForeignKey(
        "stockholmstinget.Session",
        verbose_name=_("session"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="links",
        help_text=_("Empty: the link is about the whole day."),
    )
    title = models.CharField(_("title"), max_length=200)
    url = models.URLField(_("link"))
    kind = models.CharField(
        _("kind"), max_length=16, choices=DocumentationLinkKind.choices, default="other"
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["edition", "order", "pk"]
        verbose_name = _("documentation link")
        verbose_name_plural = _("documentation links")
        constraints = [
            models.UniqueConstraint(fields=["edition", "url"], name="documentationlink_unique_url")
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        session = self.session if self.session_id else None
        if session is not None and self.edition_id and session.edition_id != self.edition_id:
            raise ValidationError({"session": _("Choose a session of this edition.")})


class Partner(models.Model):
    """An organisation the edition is made with, shown on the edition page."""

    edition = models.ForeignKey(
        Edition, verbose_name=_("edition"), on_delete=models.CASCADE, related_name="partners"
    )
    name = models.CharField(_("name"), max_length=200)
    url = models.URLField(_("website"), blank=True)
    logo = models.FileField(
        _("logo"),
        upload_to="stockholmstinget/partners/",
        blank=True,
        validators=[FileExtensionValidator(["jpg", "jpeg", "png", "webp"])],
    )
    logo_alt = models.CharField(
        _("logo description"),
        max_length=250,
        blank=True,
        help_text=_("Required with a logo: what it shows, usually the organisation's name."),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["edition", "order", "name"]
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        constraints = [
            models.UniqueConstraint(fields=["edition", "name"], name="partner_unique_per_edition"),
            models.CheckConstraint(
                condition=Q(logo="") | ~Q(logo_alt=""),
                name="partner_logo_has_alt_text",
                violation_error_message=_("Describe the logo for people who cannot see it."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SpeakerQuerySet(models.QuerySet):
    def public(self) -> SpeakerQuerySet:
        """Speakers shown on the edition page: those of a published session, and those staff
        added without a session; a speaker only of a draft session (a proposal's) is hidden."""
        return self.filter(Q(sessions__published=True) | Q(sessions__isnull=True)).distinct()


class Speaker(models.Model):
    edition = models.ForeignKey(
        Edition, verbose_name=_("edition"), on_delete=models.CASCADE, related_name="speakers"
    )
    name = models.CharField(_("name"), max_length=150)
    role = models.CharField(_("role"), max_length=150, blank=True)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    bio = models.TextField(_("short bio"), blank=True)
    photo = models.FileField(
        _("photo"),
        upload_to="stockholmstinget/speakers/",
        blank=True,
        validators=[FileExtensionValidator(["jpg", "jpeg", "png", "webp"])],
    )
    photo_alt = models.CharField(
        _("photo description"),
        max_length=250,
        blank=True,
        help_text=_("Required with a photo: what the photo shows, for screen readers."),
    )

    objects = SpeakerQuerySet.as_manager()

    class Meta:
        ordering = ["edition", "name"]
        verbose_name = _("speaker")
        verbose_name_plural = _("speakers")
        constraints = [
            models.UniqueConstraint(fields=["edition", "name"], name="speaker_unique_per_edition"),
            models.CheckConstraint(
                condition=Q(photo="") | ~Q(photo_alt=""),
                name="speaker_photo_has_alt_text",
                violation_error_message=_("Describe the photo for people who cannot see it."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SessionQuerySet(models.QuerySet):
    def published(self) -> SessionQuerySet:
        """Sessions in the published programme (a session made from a proposal starts as a
        draft)."""
        return self.filter(published=True)

    def choosable(self) -> SessionQuerySet:
        """Sessions a registrant picks; plenary ones are everyone's without a choice."""
        return self.filter(plenary=False)

    def with_seats_taken(self) -> SessionQuerySet:
        """Annotate `seats_taken`: confirmed in-person sign-ups (digital ones take no seat)."""
        return self.annotate(
            seats_taken=Count(
                "signups",
                filter=Q(
                    signups__status=SignupStatus.CONFIRMED,
                    signups__registration__mode=AttendanceMode.IN_PERSON,
                ),
            )
        )


class Session(core.RegistrableEvent):
    """A programme item of an edition."""

    TIME_AND_PLACE_FIELDS = ("starts_at", "ends_at", "room")

    edition = models.ForeignKey(
        Edition, verbose_name=_("edition"), on_delete=models.CASCADE, related_name="sessions"
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    room = models.CharField(_("room"), max_length=100, blank=True)
    track = models.CharField(_("track"), max_length=100, blank=True)
    capacity = models.PositiveIntegerField(
        _("capacity"), null=True, blank=True, help_text=_("Leave empty: open to all.")
    )
    in_person_only = models.BooleanField(
        _("in person only"),
        default=False,
        help_text=_("Not streamed: digital registrants cannot choose it."),
    )
    plenary = models.BooleanField(
        _("plenary"),
        default=False,
        help_text=_(
            "For everyone registered: always in their personal schedule, never chosen and "
            "without a capacity of its own."
        ),
    )
    speakers = models.ManyToManyField(
        Speaker, verbose_name=_("speakers"), blank=True, related_name="sessions"
    )
    published = models.BooleanField(
        _("in the published programme"),
        default=True,
        help_text=_("A draft session is seen only by staff."),
    )

    objects = SessionQuerySet.as_manager()

    # Set by `SessionQuerySet.with_seats_taken()` (declared here for type checkers only).
    seats_taken: int

    class Meta:
        ordering = ["starts_at", "track", "pk"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="session_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(capacity__gte=0),
                name="session_capacity_not_negative",
            ),
            models.UniqueConstraint(
                fields=["edition", "title", "starts_at"], name="session_unique_title_and_start"
            ),
            models.CheckConstraint(
                condition=Q(plenary=False) | Q(capacity__isnull=True),
                name="session_plenary_without_capacity",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def overlaps(self, other: Session) -> bool:
        return self.starts_at < other.ends_at and other.starts_at < self.ends_at

    @property
    def seats_left(self) -> int | None:
        """Needs `with_seats_taken()`; None for an open session."""
        return Seats(capacity=self.capacity, taken=self.seats_taken).left()

    def calendar_entry(self, *, private: bool = False, tentative: bool = False) -> CalendarEntry:
        speakers = ", ".join(speaker.name for speaker in self.speakers.all())
        return CalendarEntry(
            uid=uid("tinget-session", self.pk),
            sequence=self.sequence,
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            summary=self.title,
            description="\n\n".join(part for part in (self.description, speakers) if part),
            location=self.room,
            status="TENTATIVE" if tentative else "CONFIRMED",
            categories=(self.track,) if self.track else (),
        )


class EditionRegistration(core.Registration):
    EVENT_FIELD = "edition"
    CERTIFICATE_KIND = "stockholmstinget"

    edition = models.ForeignKey(
        Edition, verbose_name=_("edition"), on_delete=models.CASCADE, related_name="registrations"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="tinget_registrations",
    )
    status = models.CharField(_("status"), max_length=16, choices=STATUS_CHOICES)
    mode = models.CharField(_("attendance"), max_length=16, choices=AttendanceMode.choices)
    sector = models.CharField(_("sector"), max_length=32, choices=Sector.choices)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    municipality = models.ForeignKey(
        "portal.Municipality",
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = core.RegistrationQuerySet.as_manager()

    class Meta:
        ordering = ["edition", "pk"]
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        constraints = [
            *core.registration_constraints("editionregistration", "edition"),
            models.CheckConstraint(
                condition=~Q(mode=AttendanceMode.DIGITAL)
                | ~Q(status=RegistrationStatus.WAITLISTED),
                name="editionregistration_digital_never_waitlisted",
            ),
        ]
        indexes = [
            models.Index(fields=["edition", "status"], name="editionreg_edition_status"),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.edition}"

    def certificate_event_kind(self) -> str:
        return gettext(
            "Stockholmstinget, the region's meeting place for culture, sport, adult education "
            "and associations"
        )

    @classmethod
    def seat_condition(cls) -> Q:
        # Only an in-person participant takes a seat; digital attendance is never capped.
        return Q(status=RegistrationStatus.CONFIRMED, mode=AttendanceMode.IN_PERSON)

    @property
    def sees_stream(self) -> bool:
        return (
            self.status == RegistrationStatus.CONFIRMED
            and self.mode == AttendanceMode.DIGITAL
            and bool(self.edition.stream_url)
        )

    def calendar_entries(self) -> list[CalendarEntry]:
        """The person's own day: the edition and the sessions they chose (a session still on
        its waitlist tentative); the stream link only for a confirmed digital participant."""
        edition = self.edition
        stream_url = edition.stream_url if self.sees_stream else ""
        entry = edition.calendar_entry(stream_url=stream_url)
        if not self.is_active:
            return [dataclasses.replace(entry, status="CANCELLED")]
        signups = (
            self.signups.active()
            .select_related("session")
            .prefetch_related("session__speakers")
            .order_by("session__starts_at", "session__pk")
        )
        plenary = edition.sessions.published().filter(plenary=True).prefetch_related("speakers")
        if self.mode == AttendanceMode.DIGITAL:
            plenary = plenary.filter(in_person_only=False)
        sessions = [(session, False) for session in plenary] + [
            (signup.session, signup.status == SignupStatus.WAITLISTED) for signup in signups
        ]
        sessions.sort(key=lambda item: (item[0].starts_at, item[0].pk))
        return [
            entry,
            *(session.calendar_entry(tentative=tentative) for session, tentative in sessions),
        ]


class SessionSignup(core.Booking):
    """A registrant's choice of a session; a full session puts the choice on its waitlist."""

    EVENT_FIELD = "session"
    HOLDER_FIELD = "registration__user"

    registration = models.ForeignKey(
        EditionRegistration,
        verbose_name=_("registration"),
        on_delete=models.CASCADE,
        related_name="signups",
    )
    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.CASCADE, related_name="signups"
    )
    status = models.CharField(_("status"), max_length=16, choices=STATUS_CHOICES)
    created_at = models.DateTimeField(_("chosen at"), default=timezone.now, editable=False)
    # Present at the session's door (the edition's check-in is the registration's own).
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)

    objects = core.BookingQuerySet.as_manager()

    class Meta:
        ordering = ["session__starts_at", "pk"]
        verbose_name = _("session sign-up")
        verbose_name_plural = _("session sign-ups")
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "session"],
                condition=Q(status__in=[s.value for s in ACTIVE_SIGNUP_STATUSES]),
                name="sessionsignup_one_active_per_registration",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.registration.user}: {self.session}"

    @classmethod
    def seat_condition(cls) -> Q:
        return Q(status=RegistrationStatus.CONFIRMED, registration__mode=AttendanceMode.IN_PERSON)


# --- the call for sessions ------------------------------------------------------------------------
# Proposals are personal data: only their proposer and staff see them, until an accepted one is a
# published session (then only what the session shows is public).
from .proposals.models import (  # noqa: E402
    CallFormat,
    CallForSessions,
    Proposal,
    ProposalReview,
    ProposalSpeaker,
    ProposalStatus,
)

__all__ += [
    "CallForSessions",
    "CallFormat",
    "Proposal",
    "ProposalReview",
    "ProposalSpeaker",
    "ProposalStatus",
]
