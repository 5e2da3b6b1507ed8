from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import FileExtensionValidator
from django.db import models
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class EditionFormat(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    DIGITAL = "digital", _("Digital")
    HYBRID = "hybrid", _("Hybrid")


class EditionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    CANCELLED = "cancelled", _("Cancelled")


class AttendanceMode(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    DIGITAL = "digital", _("Digital")


class RegistrationSector(models.TextChoices):
    CULTURE = "culture", _("Culture")
    SPORT = "sport", _("Sport")
    ADULT_EDUCATION = "adult_education", _("Adult education")
    ASSOCIATIONS = "associations", _("Associations")
    MUNICIPALITY = "municipality", _("Municipality")
    REGION = "region", _("Region")
    OTHER = "other", _("Other")


class RegistrationStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    WAITLISTED = "waitlisted", _("Waitlisted")
    CANCELLED = "cancelled", _("Cancelled")


class SignupStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    WAITLISTED = "waitlisted", _("Waitlisted")
    CANCELLED = "cancelled", _("Cancelled")


ACTIVE_STATUSES = (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED)
ACTIVE_SIGNUP_STATUSES = (SignupStatus.CONFIRMED, SignupStatus.WAITLISTED)


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


class Edition(models.Model):
    """One year's Stockholmstinget."""

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

    def registration_is_open(self, now: dt.datetime | None = None) -> bool:
        now = now or timezone.now()
        if self.status != EditionStatus.PUBLISHED or now >= self.starts_at:
            return False
        if self.registration_opens_at and now < self.registration_opens_at:
            return False
        return now < self.registration_closes


class DocumentationLinkKind(models.TextChoices):
    RECORDING = "recording", _("Recording")
    PRESENTATION = "presentation", _("Presentation")
    REPORT = "report", _("Report")
    OTHER = "other", _("Other")


class DocumentationLink(models.Model):
    """A recording, presentation or report from an edition, listed with its documentation."""

    edition = models.ForeignKey(
        Edition, verbose_name=_("edition"), on_delete=models.CASCADE, related_name="links"
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


class Session(models.Model):
    """A programme item of an edition."""

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
    speakers = models.ManyToManyField(
        Speaker, verbose_name=_("speakers"), blank=True, related_name="sessions"
    )

    objects = SessionQuerySet.as_manager()

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
        ]

    def __str__(self) -> str:
        return self.title

    def overlaps(self, other: Session) -> bool:
        return self.starts_at < other.ends_at and other.starts_at < self.ends_at

    @property
    def seats_left(self) -> int | None:
        """Needs `with_seats_taken()`; None for an open session."""
        if self.capacity is None:
            return None
        return max(self.capacity - self.seats_taken, 0)


class EditionRegistrationQuerySet(models.QuerySet):
    def active(self) -> EditionRegistrationQuerySet:
        return self.filter(status__in=ACTIVE_STATUSES)

    def holding_seat(self) -> EditionRegistrationQuerySet:
        return self.filter(status=RegistrationStatus.CONFIRMED, mode=AttendanceMode.IN_PERSON)

    def waitlist(self) -> EditionRegistrationQuerySet:
        # Insertion order under the edition lock is arrival order.
        return self.filter(status=RegistrationStatus.WAITLISTED).order_by("pk")

    def anonymisable(self, *, ended_before: dt.datetime) -> EditionRegistrationQuerySet:
        """Registrations for editions that ended before the cutoff, not yet anonymised."""
        return self.filter(edition__ends_at__lt=ended_before, anonymised_at__isnull=True)


class EditionRegistration(models.Model):
    edition = models.ForeignKey(
        Edition, verbose_name=_("edition"), on_delete=models.CASCADE, related_name="registrations"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="tinget_registrations",
    )
    mode = models.CharField(_("attendance"), max_length=16, choices=AttendanceMode.choices)
    sector = models.CharField(_("sector"), max_length=32, choices=RegistrationSector.choices)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    municipality = models.ForeignKey(
        "portal.Municipality",
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(_("status"), max_length=16, choices=RegistrationStatus.choices)
    check_in_code = models.CharField(_("check-in code"), max_length=8)
    needs = models.TextField(
        _("accessibility or dietary needs"),
        blank=True,
        help_text=_("Tell us what you need to take part, e.g. interpretation, diet, access."),
    )
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    created_at = models.DateTimeField(_("registered at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("changed at"), default=timezone.now, editable=False)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True, editable=False)
    # Bumped on every change the person makes, so each change mails one confirmation.
    version = models.PositiveIntegerField(default=1, editable=False)
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    documentation_mailed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # When `needs` was cleared, REGISTRATION_ANONYMISE_AFTER_DAYS after the edition.
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True, editable=False)

    objects = EditionRegistrationQuerySet.as_manager()

    class Meta:
        ordering = ["edition", "pk"]
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        constraints = [
            models.UniqueConstraint(
                fields=["edition", "user"],
                condition=Q(status__in=[s.value for s in ACTIVE_STATUSES]),
                name="editionregistration_one_active_per_user",
            ),
            models.UniqueConstraint(
                fields=["edition", "check_in_code"],
                name="editionregistration_check_in_code_unique",
            ),
            models.CheckConstraint(
                condition=Q(check_in_code__regex=r"^[A-HJ-NP-Z2-9]{8}$"),
                name="editionregistration_check_in_code_format",
            ),
            models.CheckConstraint(
                condition=~Q(mode=AttendanceMode.DIGITAL)
                | ~Q(status=RegistrationStatus.WAITLISTED),
                name="editionregistration_digital_never_waitlisted",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.edition}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def sees_stream(self) -> bool:
        return (
            self.status == RegistrationStatus.CONFIRMED
            and self.mode == AttendanceMode.DIGITAL
            and bool(self.edition.stream_url)
        )


class SessionSignupQuerySet(models.QuerySet):
    def active(self) -> SessionSignupQuerySet:
        return self.filter(status__in=ACTIVE_SIGNUP_STATUSES)

    def holding_seat(self) -> SessionSignupQuerySet:
        return self.filter(
            status=SignupStatus.CONFIRMED, registration__mode=AttendanceMode.IN_PERSON
        )

    def waitlist(self) -> SessionSignupQuerySet:
        return self.filter(status=SignupStatus.WAITLISTED).order_by("pk")


class SessionSignup(models.Model):
    """A registrant's choice of a session; a full session puts the choice on its waitlist."""

    registration = models.ForeignKey(
        EditionRegistration,
        verbose_name=_("registration"),
        on_delete=models.CASCADE,
        related_name="signups",
    )
    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.CASCADE, related_name="signups"
    )
    status = models.CharField(_("status"), max_length=16, choices=SignupStatus.choices)
    created_at = models.DateTimeField(_("chosen at"), default=timezone.now, editable=False)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True, editable=False)

    objects = SessionSignupQuerySet.as_manager()

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

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_SIGNUP_STATUSES
