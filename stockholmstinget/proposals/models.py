"""The call for sessions and its proposals, reviews and speakers."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Avg, Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Sector


class CallForSessions(models.Model):
    """An edition's call: open from `opens_at` until `closes_at` (the deadline)."""

    edition = models.OneToOneField(
        "stockholmstinget.Edition",
        verbose_name=_("edition"),
        on_delete=models.CASCADE,
        related_name="call",
    )
    description = models.TextField(_("description"), help_text=_("What the call asks for."))
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("deadline"))

    class Meta:
        verbose_name = _("call for sessions")
        verbose_name_plural = _("calls for sessions")
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="call_closes_after_opening"
            ),
        ]

    def __str__(self) -> str:
        return str(_("Call for sessions %(year)s") % {"year": self.edition.year})

    def get_absolute_url(self) -> str:
        return reverse("stockholmstinget:proposal_list", args=[self.edition.year])

    def is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.opens_at <= now < self.closes_at


class FormatKind(models.TextChoices):
    SEMINAR = "seminar", _("Seminar")
    WORKSHOP = "workshop", _("Workshop")
    PANEL = "panel", _("Panel")
    SHORT_TALK = "short_talk", _("Short talk")


class CallFormat(models.Model):
    """A format the call offers, with its length."""

    call = models.ForeignKey(
        CallForSessions, verbose_name=_("call"), on_delete=models.CASCADE, related_name="formats"
    )
    kind = models.CharField(_("format"), max_length=16, choices=FormatKind.choices)
    minutes = models.PositiveSmallIntegerField(
        _("length (minutes)"), validators=[MinValueValidator(5), MaxValueValidator(480)]
    )

    class Meta:
        ordering = ["call", "minutes", "kind"]
        verbose_name = _("format")
        verbose_name_plural = _("formats")
        constraints = [
            models.UniqueConstraint(fields=["call", "kind", "minutes"], name="callformat_unique"),
            models.CheckConstraint(
                condition=Q(minutes__gte=5, minutes__lte=480), name="callformat_minutes_range"
            ),
        ]

    def __str__(self) -> str:
        return str(
            _("%(kind)s, %(minutes)s min")
            % {"kind": self.get_kind_display(), "minutes": self.minutes}
        )


class ProposalStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted")
    WAITLISTED = "waitlisted", _("On the reserve list")
    DECLINED = "declined", _("Declined")


DECIDED_STATUSES = (ProposalStatus.ACCEPTED, ProposalStatus.WAITLISTED, ProposalStatus.DECLINED)


class ProposalQuerySet(models.QuerySet):
    def submitted(self) -> ProposalQuerySet:
        return self.exclude(status=ProposalStatus.DRAFT)

    def with_scores(self) -> ProposalQuerySet:
        """Annotate `mean_score` and `review_count` (for the review list)."""
        return self.annotate(mean_score=Avg("reviews__score"), review_count=Count("reviews"))

    def anonymisable(self, *, ended_before) -> ProposalQuerySet:
        """Declined proposals of editions that ended before the cutoff, not yet anonymised."""
        return self.filter(
            status=ProposalStatus.DECLINED,
            call__edition__ends_at__lt=ended_before,
            anonymised_at__isnull=True,
        )


class Proposal(models.Model):
    PERSONAL_TEXT_FIELDS = ("abstract", "audience", "organisation", "accessibility", "needs")

    call = models.ForeignKey(
        CallForSessions, verbose_name=_("call"), on_delete=models.CASCADE, related_name="proposals"
    )
    proposer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposer"),
        on_delete=models.CASCADE,
        related_name="session_proposals",
    )
    title = models.CharField(_("title"), max_length=200)
    format = models.ForeignKey(
        CallFormat, verbose_name=_("format"), on_delete=models.PROTECT, null=True, blank=True
    )
    abstract = models.TextField(_("abstract"), blank=True)
    audience = models.CharField(_("intended audience"), max_length=500, blank=True)
    organisation = models.CharField(_("organising organisation"), max_length=200, blank=True)
    municipality = models.ForeignKey(
        "portal.Municipality",
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    sector = models.CharField(_("sector"), max_length=32, choices=Sector.choices, blank=True)
    accessibility = models.TextField(_("accessibility of the session"), blank=True)
    needs = models.TextField(_("needs (room, equipment)"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ProposalStatus.choices, default=ProposalStatus.DRAFT
    )
    decision_message = models.TextField(_("message to the proposer"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("changed at"), default=timezone.now, editable=False)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True, editable=False)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True, editable=False)
    session = models.OneToOneField(
        "stockholmstinget.Session",
        verbose_name=_("programme session"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="proposal",
    )
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True, editable=False)

    objects = ProposalQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("session proposal")
        verbose_name_plural = _("session proposals")
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | Q(submitted_at__isnull=False),
                name="proposal_submitted_has_time",
            ),
        ]
        indexes = [models.Index(fields=["call", "status"], name="proposal_call_status")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("stockholmstinget:proposal_edit", args=[self.call.edition.year, self.pk])

    @property
    def is_editable(self) -> bool:
        """The proposer may change it until the deadline, unless staff have decided."""
        return self.status in (ProposalStatus.DRAFT, ProposalStatus.SUBMITTED) and (
            timezone.now() < self.call.closes_at
        )


class ProposalSpeaker(models.Model):
    proposal = models.ForeignKey(
        Proposal, verbose_name=_("proposal"), on_delete=models.CASCADE, related_name="speakers"
    )
    name = models.CharField(_("name"), max_length=150)
    role = models.CharField(_("role and organisation"), max_length=200, blank=True)
    bio = models.TextField(_("short bio"), blank=True, max_length=1500)
    consent_to_publish = models.BooleanField(
        _("agrees to be named in the published programme"), default=False
    )

    class Meta:
        ordering = ["proposal", "pk"]
        verbose_name = _("proposed speaker")
        verbose_name_plural = _("proposed speakers")

    def __str__(self) -> str:
        return self.name


class ProposalReview(models.Model):
    """One reviewer's score and comment; a reviewer sees others' only after scoring."""

    proposal = models.ForeignKey(
        Proposal, verbose_name=_("proposal"), on_delete=models.CASCADE, related_name="reviews"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        on_delete=models.CASCADE,
        related_name="proposal_reviews",
    )
    score = models.PositiveSmallIntegerField(
        _("score (1 to 5)"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("comment"), blank=True, max_length=4000)
    created_at = models.DateTimeField(_("scored at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["proposal", "created_at", "pk"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "reviewer"], name="review_one_per_reviewer"
            ),
            models.CheckConstraint(
                condition=Q(score__gte=1, score__lte=5), name="review_score_1_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reviewer}: {self.score}"
