"""The summaries room's tables: summaries and their municipality listings, insights and what
became of them (status changes, who asked to know), and alerts on new summaries.

Imported by `dialogues.models`, so these are models of the dialogues app (their tables and
migrations are the app's).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import StakeholderGroup


class SummaryLanguage(models.TextChoices):
    SWEDISH = "sv", _("Swedish")
    ENGLISH = "en", _("English")


class SummaryQuerySet(models.QuerySet):
    def published(self) -> SummaryQuerySet:
        return self.filter(published_at__isnull=False)


class Summary(models.Model):
    """The public account of a meeting; a draft (no published_at) is seen by staff only."""

    meeting = models.OneToOneField(
        "dialogues.Meeting",
        verbose_name=_("meeting"),
        on_delete=models.PROTECT,
        related_name="summary",
    )
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    text = models.TextField(_("text"), help_text=_("Markdown: headings, lists, links, emphasis."))
    language = models.CharField(
        _("language"),
        max_length=2,
        choices=SummaryLanguage.choices,
        default=SummaryLanguage.SWEDISH,
    )
    themes = models.ManyToManyField(
        "portal.Theme", verbose_name=_("themes"), blank=True, related_name="summaries"
    )
    municipalities = models.ManyToManyField(
        "portal.Municipality",
        verbose_name=_("municipalities concerned"),
        blank=True,
        related_name="summaries",
    )
    # {stakeholder group: number of attendees}; counts only, never names.
    attendee_figures = models.JSONField(
        _("attendees by stakeholder group"),
        default=dict,
        blank=True,
        help_text=_("Counts only. Pre-filled from the check-ins."),
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    unpublished_at = models.DateTimeField(
        _("unpublished at"), null=True, blank=True, editable=False
    )
    unpublished_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("unpublished by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    # Set by the services and admin on each change (not auto_now: demo data stays identical).
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now, editable=False)
    # Title (A), text (B) and insights (C), written by `summaries.summary_index`.
    search_vector = SearchVectorField(null=True, editable=False)
    # The year the meeting began (local time), copied on publishing so the list's year filter
    # reads the summary's own index in newest-first order instead of joining every meeting.
    meeting_year = models.PositiveSmallIntegerField(
        _("meeting year"), null=True, blank=True, editable=False
    )

    objects = SummaryQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("summary")
        verbose_name_plural = _("summaries")
        indexes = [
            GinIndex(fields=["search_vector"], name="summary_search_vector"),
            models.Index(
                fields=["-published_at", "-id"],
                condition=Q(published_at__isnull=False),
                name="summary_published",
            ),
            # A year's published summaries, newest first: the year filter with or without a
            # search stops after a page (or the ranked window) instead of sorting the year.
            models.Index(
                fields=["meeting_year", "-published_at", "-id"],
                condition=Q(published_at__isnull=False),
                name="summary_published_year",
            ),
        ]
        constraints = [
            # A published summary without its year would silently drop out of year filters.
            models.CheckConstraint(
                condition=Q(published_at__isnull=True) | Q(meeting_year__isnull=False),
                name="summary_published_has_year",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("dialogues:summary_detail", args=[self.slug])

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def search_config(self) -> str:
        return SEARCH_CONFIGS[self.language]


class SummaryListing(models.Model):
    """A summary's place in one municipality's list, newest first: the `kommun` filter's index.

    A copy of `Summary.municipalities` with the summary's publication time, written by
    `summaries.summary_index`. A search filtered by municipality walks this index newest first
    and stops at the ranked window's last match (about a thousand rows); through the M2M table
    it would scan the newest summaries of every municipality, some 13 times as many rows.
    """

    summary = models.ForeignKey(Summary, on_delete=models.CASCADE, related_name="listings")
    municipality = models.ForeignKey(
        "portal.Municipality", on_delete=models.CASCADE, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["summary", "municipality"], name="summarylisting_unique"
            ),
        ]
        indexes = [
            # Not partial: the list filters on the summary's own published_at, which a
            # condition on the listing's would not match.
            models.Index(
                fields=["municipality", "-published_at", "-summary"], name="summarylisting_newest"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.summary_id} in {self.municipality_id}"


# The PostgreSQL text-search configuration of each summary language.
SEARCH_CONFIGS: dict[str, str] = {
    SummaryLanguage.SWEDISH: "swedish",
    SummaryLanguage.ENGLISH: "english",
}


class InsightKind(models.TextChoices):
    OPPORTUNITY = "opportunity", _("Opportunity")
    OBSTACLE = "obstacle", _("Obstacle")


class InsightStatus(models.TextChoices):
    """What became of an insight: the follow-up the public sees ("ni sa, vi gjorde")."""

    NEW = "new", _("New")
    CONSIDERING = "considering", _("Being considered")
    ACTED_ON = "acted_on", _("Acted on")
    NOT_PURSUED = "not_pursued", _("Not pursued")
    PASSED_ON = "passed_on", _("Passed to another body")


class InsightQuerySet(models.QuerySet):
    def published(self) -> InsightQuerySet:
        return self.filter(summary__published_at__isnull=False)

    def acted_on(self) -> InsightQuerySet:
        """Acted-on insights, the newest decision first."""
        return self.filter(status=InsightStatus.ACTED_ON).order_by(
            F("status_date").desc(nulls_last=True), "-status_changed_at", "-pk"
        )


class Insight(models.Model):
    """An opportunity or obstacle a meeting identified: one entry of the county's register."""

    summary = models.ForeignKey(
        Summary, verbose_name=_("summary"), on_delete=models.CASCADE, related_name="insights"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=InsightKind.choices)
    text = models.TextField(_("text"))
    theme = models.ForeignKey(
        "portal.Theme",
        verbose_name=_("theme"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="insights",
    )
    municipalities = models.ManyToManyField(
        "portal.Municipality", verbose_name=_("municipalities"), blank=True, related_name="insights"
    )
    stakeholder_groups = ArrayField(
        models.CharField(max_length=32, choices=StakeholderGroup.choices),
        verbose_name=_("stakeholder groups"),
        default=list,
        blank=True,
    )
    position = models.PositiveIntegerField(_("order"), default=0)
    # The follow-up, set by `followup.insight_follow_up` (which records each change and tells
    # the people who asked to know), never by a plain save.
    status = models.CharField(
        _("status"), max_length=16, choices=InsightStatus.choices, default=InsightStatus.NEW
    )
    response = models.TextField(
        _("public response"), blank=True, help_text=_("What the administration did, and why.")
    )
    status_date = models.DateField(_("date of the decision"), null=True, blank=True)
    case_number = models.CharField(_("case number (diarienummer)"), max_length=40, blank=True)
    responsible_body = models.CharField(_("responsible body"), max_length=200, blank=True)
    status_changed_at = models.DateTimeField(
        _("status changed at"), null=True, blank=True, editable=False
    )

    objects = InsightQuerySet.as_manager()

    class Meta:
        ordering = ["summary", "position", "pk"]
        verbose_name = _("insight")
        verbose_name_plural = _("insights")
        indexes = [
            models.Index(fields=["kind", "theme"]),
            models.Index(fields=["status", "-status_date"], name="insight_status_date"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=InsightStatus.values), name="insight_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.text[:60]}"

    def stakeholder_group_labels(self) -> list[str]:
        labels = dict(StakeholderGroup.choices)
        return [str(labels.get(group, group)) for group in self.stakeholder_groups]


class Subscription(models.Model):
    """A person's alert on newly published summaries for a municipality and/or a theme."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="summary_subscriptions",
    )
    municipality = models.ForeignKey(
        "portal.Municipality",
        verbose_name=_("municipality"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    theme = models.ForeignKey(
        "portal.Theme",
        verbose_name=_("theme"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["user", "pk"]
        verbose_name = _("summary alert")
        verbose_name_plural = _("summary alerts")
        constraints = [
            models.CheckConstraint(
                condition=Q(municipality__isnull=False) | Q(theme__isnull=False),
                name="subscription_has_municipality_or_theme",
            ),
            models.UniqueConstraint(
                fields=["user", "municipality", "theme"],
                nulls_distinct=False,
                name="subscription_unique_per_user",
            ),
        ]

    def __str__(self) -> str:
        return " + ".join(str(part) for part in (self.municipality, self.theme) if part)


class InsightStatusChange(models.Model):
    """One change of an insight's status, with the response made public with it.

    Its primary key keys the mail about it (`insight-status:<change>:<user>`), so each
    interested person hears about each change exactly once.
    """

    insight = models.ForeignKey(
        Insight,
        verbose_name=_("insight"),
        on_delete=models.CASCADE,
        related_name="status_changes",
    )
    status = models.CharField(_("status"), max_length=16)
    previous_status = models.CharField(_("previous status"), max_length=16)
    response = models.TextField(_("public response"), blank=True)
    status_date = models.DateField(_("date of the decision"), null=True, blank=True)
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now, editable=False)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        ordering = ["insight", "changed_at", "pk"]
        verbose_name = _("insight status change")
        verbose_name_plural = _("insight status changes")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status=models.F("previous_status")),
                name="insightstatuschange_is_a_change",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.insight_id}: {self.previous_status} → {self.status}"


class InsightFollow(models.Model):
    """A participant's wish to hear what becomes of the insights of a meeting they took part in."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="insight_follows",
    )
    meeting = models.ForeignKey(
        "dialogues.Meeting",
        verbose_name=_("meeting"),
        on_delete=models.CASCADE,
        related_name="insight_follows",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["meeting", "pk"]
        verbose_name = _("insight follow-up alert")
        verbose_name_plural = _("insight follow-up alerts")
        constraints = [
            models.UniqueConstraint(fields=["user", "meeting"], name="insightfollow_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.meeting_id}"
