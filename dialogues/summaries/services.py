"""Minutes, published summaries, their search index and the alerts sent when one is published."""

from __future__ import annotations

from collections import Counter

import markdown
import nh3
from django.conf import settings
from django.contrib.postgres.search import SearchVector
from django.db import transaction
from django.db.models import Q, Value
from django.db.models.expressions import CombinedExpression
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from accounts.models import StakeholderGroup, User, UserQuerySet
from portal.errors import RefusalError
from portal.models import Municipality, Theme
from portal.moments import moment_text
from portal.outbox.enqueue import MailRecipient, mailout_create
from portal.outbox.models import MailOut

from ..models import (
    Meeting,
    Minutes,
    MinutesStatus,
    Registration,
    RegistrationQuerySet,
    RegistrationStatus,
)
from .models import Insight, Subscription, Summary, SummaryListing

# What a summary's Markdown may become. No style attributes, no event handlers, no script:
# nh3 drops every tag and attribute not listed here.
ALLOWED_TAGS = {
    "p", "br", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "blockquote",
    "ul", "ol", "li", "a", "code", "pre", "hr", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"scope"}, "td": set()}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}


# --- Rendering -----------------------------------------------------------------------------------


def markdown_render(text: str) -> SafeString:
    """Summary Markdown as sanitised HTML, safe to put on a public page or in a feed."""
    # The page's h1 is the title, so Markdown headings start at h2.
    html = markdown.markdown(text or "", extensions=["sane_lists", "tables"], output_format="html")
    html = html.replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer",
    )
    return mark_safe(clean)  # noqa: S308 - nh3 has just sanitised it


def summary_listed_organisations(*, summary: Summary) -> list[str]:
    """Organisations of attendees who agreed to be listed, both for this meeting and in general.

    Checked on every rendering, so a withdrawn consent takes the organisation off at once.
    """
    rows = (
        Registration.objects.listed()
        .filter(meeting_id=summary.meeting_id, checked_in_at__isnull=False)
        .exclude(user__organisation="")
        .values_list("user__organisation", flat=True)
        .distinct()
    )
    return sorted(rows, key=str.casefold)


def summary_attendee_figures(*, summary: Summary) -> list[tuple[str, int]]:
    """(group label, count) pairs in the stakeholder groups' order, leaving out zeros."""
    labels = dict(StakeholderGroup.choices)
    figures = summary.attendee_figures or {}
    return [
        (str(labels[group]), int(figures[group]))
        for group in labels
        if str(figures.get(group, "")).isdigit() and int(figures[group]) > 0
    ]


# --- Pre-filling from the meeting ----------------------------------------------------------------


def _attended(meeting: Meeting) -> RegistrationQuerySet:
    return Registration.objects.filter(
        meeting=meeting, status=RegistrationStatus.CONFIRMED, checked_in_at__isnull=False
    )


def minutes_initial(*, meeting: Meeting) -> dict:
    """Attendee count from the check-ins and organisations from the registrations."""
    organisations = (
        Registration.objects.filter(meeting=meeting, status=RegistrationStatus.CONFIRMED)
        .exclude(user__organisation="")
        .values_list("user__organisation", flat=True)
        .distinct()
    )
    return {
        "attendee_count": _attended(meeting).count(),
        "attending_organisations": "\n".join(sorted(organisations, key=str.casefold)),
    }


def summary_initial(*, meeting: Meeting) -> dict:
    """Title and attendee figures (checked-in attendees per stakeholder group)."""
    counts = Counter(
        group or "other"
        for group in _attended(meeting).values_list("user__stakeholder_group", flat=True)
    )
    return {"title": meeting.title, "attendee_figures": dict(sorted(counts.items()))}


def minutes_approve(*, minutes: Minutes, by: User) -> Minutes:
    if minutes.status != MinutesStatus.APPROVED:
        minutes.status = MinutesStatus.APPROVED
        minutes.approved_by = by
        minutes.approved_at = timezone.now()
        minutes.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
    return minutes


# --- Search index ------------------------------------------------------------------------------


def summary_search_names(*, summary: Summary) -> str:
    """The names a summary is filed under: themes (both languages), municipalities, series."""
    names = [summary.meeting.series.name]
    for name, name_en in summary.themes.values_list("name", "name_en"):
        names += [name, name_en]
    names += summary.municipalities.values_list("name", flat=True)
    return " ".join(name for name in names if name)


def summary_search_vector(
    *, config: str, parts: list[tuple[str, str]]
) -> SearchVector | CombinedExpression | None:
    """Each part's stems in the summary's language and, beside them, its words as written
    (`simple`), which a query word matches as a prefix where the stemmer parts the forms."""
    vector: SearchVector | CombinedExpression | None = None
    for text, weight in parts:
        for part_config in (config, "simple"):
            part = SearchVector(Value(text), weight=weight, config=part_config)
            vector = part if vector is None else vector + part
    return vector


def summary_index(*, summary: Summary) -> None:
    """Write the stored search vector: title (A), text and the names it is filed under (B) and
    insights (C), in its language, and its listings in its municipalities, which the list's
    `kommun` filter reads.

    Called by the services and admin after every save of a summary, its insights, themes or
    municipalities, since these span rows of other tables and a generated column cannot.
    """
    insights = " ".join(Insight.objects.filter(summary=summary).values_list("text", flat=True))
    Summary.objects.filter(pk=summary.pk).update(
        search_vector=summary_search_vector(
            config=summary.search_config,
            parts=[
                (summary.title, "A"),
                (summary.text, "B"),
                (summary_search_names(summary=summary), "B"),
                (insights, "C"),
            ],
        )
    )
    # Bring the listing in step without rewriting rows that are already right, so indexing
    # again (a re-save, the demo seed) changes nothing.
    wanted = set(summary.municipalities.values_list("pk", flat=True))
    listings = SummaryListing.objects.filter(summary=summary)
    listings.exclude(municipality_id__in=wanted).delete()
    listings.exclude(published_at=summary.published_at).update(published_at=summary.published_at)
    have = set(listings.values_list("municipality_id", flat=True))
    SummaryListing.objects.bulk_create(
        SummaryListing(summary=summary, municipality_id=pk, published_at=summary.published_at)
        for pk in sorted(wanted - have)
    )


# --- Publishing and alerts ---------------------------------------------------------------------


def summary_meeting_year(*, meeting: Meeting) -> int:
    """The year the list's `ar` filter files a summary under: when its meeting began, locally."""
    return timezone.localtime(meeting.starts_at).year


def summary_publish(*, summary: Summary, by: User | None) -> Summary:
    """Publish the summary (recording who and when) and alert the matching subscribers.

    Each subscriber gets one alert per summary, ever: the outbox key
    `summary-alert:<summary>:<user>` is written once, so publishing again (or after an
    unpublish) sends nothing to anyone already told.
    """
    with transaction.atomic():
        summary = Summary.objects.select_for_update().get(pk=summary.pk)
        if summary.is_published:
            return summary
        # The summary shows its meeting's title, date and place: a meeting never published
        # must not become public through it.
        if summary.meeting.published_at is None:
            raise RefusalError(_("Publish the meeting before its summary."))
        # A summary tells what was said; before the meeting it would report what has not been.
        if summary.meeting.ends_at > timezone.now():
            raise RefusalError(
                _("The meeting has not been held yet: its summary can be published after %(end)s.")
                % {"end": moment_text(summary.meeting.ends_at)}
            )
        summary.published_at = summary.updated_at = timezone.now()
        summary.published_by = by
        summary.meeting_year = summary_meeting_year(meeting=summary.meeting)
        summary.save(update_fields=["published_at", "published_by", "meeting_year", "updated_at"])
        summary_index(summary=summary)
        summary_alert(summary=summary, by=by)
    return summary


def summary_unpublish(*, summary: Summary, by: User | None) -> Summary:
    with transaction.atomic():
        summary = Summary.objects.select_for_update().get(pk=summary.pk)
        if not summary.is_published:
            return summary
        summary.published_at = None
        summary.published_by = None
        summary.unpublished_at = summary.updated_at = timezone.now()
        summary.unpublished_by = by
        summary.save(
            update_fields=[
                "published_at",
                "published_by",
                "unpublished_at",
                "unpublished_by",
                "updated_at",
            ]
        )
        SummaryListing.objects.filter(summary=summary).update(published_at=None)
    return summary


def summary_subscribers(*, summary: Summary) -> UserQuerySet:
    """Active users with an alert matching the summary's (or its insights') places and themes."""
    municipalities = set(summary.municipalities.values_list("pk", flat=True)) | set(
        Municipality.objects.filter(insights__summary=summary).values_list("pk", flat=True)
    )
    themes = set(summary.themes.values_list("pk", flat=True)) | set(
        Insight.objects.filter(summary=summary, theme__isnull=False).values_list(
            "theme_id", flat=True
        )
    )
    matching = (
        Q(municipality__in=municipalities, theme__isnull=True)
        | Q(theme__in=themes, municipality__isnull=True)
        | Q(municipality__in=municipalities, theme__in=themes)
    )
    return (
        User.objects.filter(
            is_active=True, pk__in=Subscription.objects.filter(matching).values("user_id")
        )
        .exclude(email="")
        .order_by("pk")
    )


def _absolute(summary: Summary, language: str) -> str:
    with translation.override(language):
        return settings.SITE_URL + reverse("dialogues:summary_detail", args=[summary.slug])


def summary_alert(*, summary: Summary, by: User | None = None) -> MailOut | None:
    """One alert mail per matching subscriber, through a mail-out keyed by the summary."""
    subscribers = list(summary_subscribers(summary=summary))
    if not subscribers:
        return None
    recipients = [
        MailRecipient(
            email=user.email,
            language=user.preferred_language or settings.LANGUAGE_CODE,
            key=str(user.pk),
            context={"summary_url": _absolute(summary, user.preferred_language or "sv")},
        )
        for user in subscribers
    ]
    return mailout_create(
        key=f"summary-alert:{summary.pk}",
        title=f"{summary.title} (alert)",
        template="dialogues/email/summary_alert",
        recipients=recipients,
        context={
            "summary_title": summary.title,
            "meeting_title": summary.meeting.title,
            "meeting_date": summary.meeting.starts_at,
        },
        created_by=by,
    )


# --- Subscriptions ----------------------------------------------------------------------------


def subscription_create(
    *, user: User, municipality: Municipality | None = None, theme: Theme | None = None
) -> Subscription:
    """The person's alert for this municipality and/or theme (the existing one if already set)."""
    if municipality is None and theme is None:
        raise RefusalError(_("Choose a municipality or a theme."))
    subscription, _created = Subscription.objects.get_or_create(
        user=user, municipality=municipality, theme=theme
    )
    return subscription


def subscription_delete(*, subscription: Subscription, user: User) -> None:
    # Only the owner's own alert; anybody else's id simply matches nothing.
    Subscription.objects.filter(pk=subscription.pk, user=user).delete()
