"""What became of insights: each status change as it was made public, and who asked to know.

Imported at the end of `dialogues.models`, so these are models of the dialogues app.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class InsightStatusChange(models.Model):
    """One change of an insight's status, with the response made public with it.

    Its primary key keys the mail about it (`insight-status:<change>:<user>`), so each
    interested person hears about each change exactly once.
    """

    insight = models.ForeignKey(
        "dialogues.Insight",
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
