from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Count, Exists, F, OuterRef, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from accounts.models import StakeholderGroup
from portal.registrations import models as core
from portal.registrations.calendar import CalendarEntry, uid
from portal.registrations.models import (
    ACTIVE_STATUSES,
    SEAT_STATUSES,
    RegistrationStatus,
)
from portal.registrations.services import Seats
from portal.registrations.structured_data import EventFacts

# Summaries, insights and alerts live in their room (dialogues/summaries/models.py); imported
# here so that Django finds them in the dialogues app.
from .summaries.models import (  # noqa: F401
    Insight,
    InsightFollow,
    InsightStatusChange,
    Subscription,
    Summary,
    SummaryListing,
)

__all__ = ["ACTIVE_STATUSES", "SEAT_STATUSES", "RegistrationStatus"]


def invitation_token_generate() -> str:
    return secrets.token_urlsafe(24)


class DialogueSeries(models.Model):
    """A standing dialogue with one audience, e.g. "Dialog med civilsamhället"."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)
    audience_groups = ArrayField(
        models.CharField(max_length=32, choices=StakeholderGroup.choices),
        verbose_name=_("audience groups"),
        default=list,
        blank=True,
        help_text=_("Leave empty to open the series to everyone."),
    )
    contact_name = models.CharField(_("contact person"), max_length=150, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("dialogue series")
        # The same word in English; Swedish has "dialogserier".
        verbose_name_plural = pgettext_lazy("plural", "dialogue series")

    def __str__(self) -> str:
        return self.name


MeetingStatus = core.EventStatus


class MeetingFormat(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    ONLINE = "online", _("Online")
    HYBRID = "hybrid", _("Hybrid")


class MeetingQuerySet(models.QuerySet):
    def published(self) -> MeetingQuerySet:
        return self.filter(status=MeetingStatus.PUBLISHED)

    def public(self) -> MeetingQuerySet:
        """Meetings anyone may see: published ones and cancelled ones that once were."""
        return self.filter(
            Q(status=MeetingStatus.PUBLISHED)
            | Q(status=MeetingStatus.CANCELLED, published_at__isnull=False)
        )

    def upcoming(self, now: dt.datetime | None = None) -> MeetingQuerySet:
        return self.filter(ends_at__gte=now or timezone.now()).order_by("starts_at", "pk")

    def past(self, now: dt.datetime | None = None) -> MeetingQuerySet:
        return self.filter(ends_at__lt=now or timezone.now()).order_by("-starts_at", "-pk")

    def followup_due(
        self, *, ended_before: dt.datetime, ended_after: dt.datetime
    ) -> MeetingQuerySet:
        """Held meetings, ended in the window, still lacking approved minutes or a published
        summary, whose contact has not been reminded yet."""
        approved = Minutes.objects.filter(meeting=OuterRef("pk"), status=MinutesStatus.APPROVED)
        published = Summary.objects.filter(meeting=OuterRef("pk"), published_at__isnull=False)
        return self.filter(
            status=MeetingStatus.PUBLISHED,
            ends_at__lte=ended_before,
            ends_at__gt=ended_after,
            followup_reminded_at__isnull=True,
        ).filter(~Exists(approved) | ~Exists(published))

    def with_counts(self) -> MeetingQuerySet:
        seat = Q(registrations__status__in=SEAT_STATUSES)
        return self.annotate(
            seats_held=Count("registrations", filter=seat),
            general_seats_held=Count(
                "registrations", filter=seat & Q(registrations__invitation__isnull=True)
            ),
            confirmed_count=Count(
                "registrations", filter=Q(registrations__status=RegistrationStatus.CONFIRMED)
            ),
            pending_count=Count(
                "registrations", filter=Q(registrations__status=RegistrationStatus.PENDING)
            ),
            waitlisted_count=Count(
                "registrations", filter=Q(registrations__status=RegistrationStatus.WAITLISTED)
            ),
        )


class Meeting(core.VenueFacts, core.RegistrableEvent):
    TIME_AND_PLACE_FIELDS = ("starts_at", "ends_at", "format", "venue", "address", "online_url")

    series = models.ForeignKey(
        DialogueSeries,
        verbose_name=_("series"),
        on_delete=models.PROTECT,
        related_name="meetings",
    )
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)
    agenda = models.TextField(_("agenda"), blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    format = models.CharField(
        _("format"), max_length=16, choices=MeetingFormat.choices, default=MeetingFormat.IN_PERSON
    )
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    online_url = models.URLField(
        _("online link"),
        blank=True,
        help_text=_("Shown only to confirmed registrants: on the page, in mail and in the .ics."),
    )
    capacity = models.PositiveIntegerField(
        _("capacity"), null=True, blank=True, help_text=_("Leave empty for no limit.")
    )
    reserved_seats = models.PositiveIntegerField(
        _("seats reserved for invitees"),
        default=0,
        help_text=_("Only people holding an invitation to this meeting may take these seats."),
    )
    registration_opens_at = models.DateTimeField(
        _("registration opens at"), null=True, blank=True, help_text=_("Empty: open at once.")
    )
    registration_closes_at = models.DateTimeField(
        _("registration closes at"),
        null=True,
        blank=True,
        help_text=_("Empty: open until the meeting starts."),
    )
    requires_approval = models.BooleanField(_("requires approval"), default=False)
    audience_groups = ArrayField(
        models.CharField(max_length=32, choices=StakeholderGroup.choices),
        verbose_name=_("audience groups"),
        default=list,
        blank=True,
        help_text=_("Leave empty to use the series' audience."),
    )
    municipalities = models.ManyToManyField(
        "portal.Municipality",
        verbose_name=_("municipalities"),
        related_name="meetings",
        blank=True,
        help_text=_(
            "The municipalities the meeting is about; shown on their pages. "
            "Leave empty for the whole county."
        ),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=MeetingStatus.choices, default=MeetingStatus.DRAFT
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)
    case_number = models.CharField(_("case number"), max_length=50, blank=True)
    contact_name = models.CharField(
        _("contact person"), max_length=150, blank=True, help_text=_("Empty: the series' contact.")
    )
    contact_email = models.EmailField(_("contact email"), blank=True)
    reminder_lead_hours = models.PositiveIntegerField(_("reminder lead time (hours)"), default=48)
    reminder_text = models.TextField(_("reminder text"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    # When the contact was reminded to approve minutes and publish a summary (once a meeting).
    followup_reminded_at = models.DateTimeField(
        _("follow-up reminder sent at"), null=True, blank=True, editable=False
    )

    objects = MeetingQuerySet.as_manager()

    # Set by `MeetingQuerySet.with_counts()` (declared here for type checkers only).
    seats_held: int
    general_seats_held: int

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="meeting_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(capacity__gte=0),
                name="meeting_capacity_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(reserved_seats__lte=models.F("capacity")),
                name="meeting_reserved_within_capacity",
            ),
            models.CheckConstraint(
                condition=Q(registration_opens_at__isnull=True)
                | Q(registration_closes_at__isnull=True)
                | Q(registration_closes_at__gt=models.F("registration_opens_at")),
                name="meeting_registration_window_ordered",
            ),
        ]
        indexes = [models.Index(fields=["status", "starts_at"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("dialogues:meeting_detail", args=[self.slug])

    @property
    def is_cancelled(self) -> bool:
        return self.status == MeetingStatus.CANCELLED

    @property
    def has_ended(self) -> bool:
        """Held: past its end, the same line `past()` draws for the archive."""
        return self.ends_at < timezone.now()

    @property
    def is_online(self) -> bool:
        return self.format in (MeetingFormat.ONLINE, MeetingFormat.HYBRID)

    @property
    def has_place(self) -> bool:
        return self.format in (MeetingFormat.IN_PERSON, MeetingFormat.HYBRID)

    @property
    def effective_audience(self) -> list[str]:
        return list(self.audience_groups or self.series.audience_groups)

    @property
    def effective_contact_name(self) -> str:
        return self.contact_name or self.series.contact_name

    @property
    def effective_contact_email(self) -> str:
        return self.contact_email or self.series.contact_email

    @property
    def registration_closes(self) -> dt.datetime:
        return self.registration_closes_at or self.starts_at

    def audience_labels(self) -> list[str]:
        labels = dict(StakeholderGroup.choices)
        return [str(labels.get(group, group)) for group in self.effective_audience]

    @property
    def public_seats_left(self) -> int | None:
        """Seats a visitor without an invitation can still take (needs `with_counts()`)."""
        return Seats(
            capacity=self.capacity,
            taken=self.seats_held,
            reserved=self.reserved_seats,
            taken_by_invitees=self.seats_held - self.general_seats_held,
        ).left(invited=False)

    def calendar_entry(self, *, private: bool = False) -> CalendarEntry:
        """The meeting in a calendar; the online link only in a confirmed registrant's file."""
        online = self.online_url if (private and self.is_online) else ""
        place = [part for part in (self.venue, self.address) if part] if self.has_place else []
        return CalendarEntry(
            uid=uid("meeting", self.pk),
            sequence=self.sequence,
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            summary=self.title,
            description="\n\n".join(part for part in (self.description, online) if part),
            location=", ".join([*place, *([online] if online else [])]),
            url=settings.SITE_URL + self.get_absolute_url(),
            status="CANCELLED" if self.is_cancelled else "CONFIRMED",
        )

    @property
    def is_public(self) -> bool:
        """What `public()` selects: published, or cancelled after it was published."""
        return self.status == MeetingStatus.PUBLISHED or bool(
            self.is_cancelled and self.published_at
        )

    def event_facts(self) -> EventFacts:
        """The meeting as its public page shows it, for schema.org (no online link)."""
        return EventFacts(
            name=self.title,
            path=self.get_absolute_url(),
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            in_person=self.has_place,
            online=self.is_online,
            cancelled=self.is_cancelled,
            sequence=self.sequence,
            description=self.description,
            venue=self.venue,
            address=self.address,
        )


class RegistrationQuerySet(core.RegistrationQuerySet):
    def listed(self) -> RegistrationQuerySet:
        """Confirmed registrants who may appear on public lists: they agreed to it for this
        meeting and in their profile. Either consent withdrawn takes them off at once."""
        return self.filter(
            status=RegistrationStatus.CONFIRMED,
            consent_to_be_listed=True,
            user__public_listing_consented_at__isnull=False,
        )


class Registration(core.Registration):
    EVENT_FIELD = "meeting"
    CERTIFICATE_KIND = "dialogmote"

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="registrations"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="meeting_registrations",
    )
    invitation = models.ForeignKey(
        "Invitation",
        verbose_name=_("invitation"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="registrations",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True, editable=False)

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        ordering = ["meeting", "pk"]
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        constraints = core.registration_constraints("registration", "meeting")
        indexes = [
            # Seats are counted, and the waitlist read, per meeting and status.
            models.Index(fields=["meeting", "status"], name="registration_meeting_status"),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.meeting}"

    def certificate_event_kind(self) -> str:
        return gettext("Dialogue meeting in the series %(series)s") % {
            "series": self.meeting.series.name
        }


class InvitationQuerySet(models.QuerySet):
    def followup_due(self, *, now: dt.datetime, days_before: int) -> InvitationQuerySet:
        """Invitations whose meeting starts within `days_before` days, open for registration,
        with nobody registered at the invited address, not yet followed up.

        Only invitations made before the follow-up point qualify: one made later is itself
        recent news, and a follow-up on its heels would be noise.
        """
        lead = dt.timedelta(days=days_before)
        registered = Registration.objects.filter(meeting=OuterRef("meeting")).filter(
            Q(invitation=OuterRef("pk")) | Q(user__email__iexact=OuterRef("email"))
        )
        return (
            self.filter(
                followed_up_at__isnull=True,
                meeting__status=MeetingStatus.PUBLISHED,
                meeting__starts_at__gt=now,
                meeting__starts_at__lte=now + lead,
                created_at__lt=F("meeting__starts_at") - lead,
            )
            .filter(
                Q(meeting__registration_opens_at__isnull=True)
                | Q(meeting__registration_opens_at__lte=now)
            )
            .filter(
                Q(meeting__registration_closes_at__isnull=True)
                | Q(meeting__registration_closes_at__gt=now)
            )
            .filter(~Exists(registered))
            .exclude(user__anonymised_at__isnull=False)  # a deleted account is never mailed
        )


class Invitation(models.Model):
    """An invitation to one meeting, bound to one email address."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("email address"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="meeting_invitations",
    )
    token = models.CharField(
        _("token"), max_length=64, unique=True, default=invitation_token_generate, editable=False
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    followed_up_at = models.DateTimeField(
        _("follow-up sent at"), null=True, blank=True, editable=False
    )

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["meeting", "email"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(
                "meeting", Lower("email"), name="invitation_one_per_address_and_meeting"
            ),
        ]

    def __str__(self) -> str:
        return self.email

    def get_absolute_url(self) -> str:
        return reverse("dialogues:registration_create", args=[self.meeting.slug]) + (
            f"?inbjudan={self.token}"
        )


# --- Minutes ---------------------------------------------------------------------------------


class MinutesStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")


class Minutes(models.Model):
    """The internal record of a held meeting. Staff only: never shown outside admin."""

    meeting = models.OneToOneField(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="minutes"
    )
    text = models.TextField(_("minutes"), blank=True)
    attendee_count = models.PositiveIntegerField(
        _("number of attendees"), default=0, help_text=_("Pre-filled from the check-ins.")
    )
    attending_organisations = models.TextField(
        _("attending organisations"),
        blank=True,
        help_text=_("One per line. Pre-filled from the registrations."),
    )
    decisions = models.TextField(_("decisions"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=MinutesStatus.choices, default=MinutesStatus.DRAFT
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-meeting__starts_at"]
        verbose_name = _("minutes")
        verbose_name_plural = _("minutes")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(approved_at__isnull=False),
                name="minutes_approved_has_time",
            ),
        ]

    def __str__(self) -> str:
        return str(self.meeting)

    @property
    def case_number(self) -> str:
        return self.meeting.case_number
