"""Admin for minutes (internal), summaries with their insights, and summary alerts."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.models import StakeholderGroup
from portal.admin import StaffInputMixin, labels_preload
from portal.errors import RefusalError

from ..models import Meeting, Minutes, MinutesStatus
from . import services
from .models import Insight, Subscription, Summary

FIGURE_PREFIX = "figure_"


# --- Links between a meeting's admin page and its minutes and summary, both ways ---------


def _admin_url(obj: models.Model) -> str:
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


def meeting_followup_links(meeting: Meeting) -> str:
    """Links to "open" the minutes and summary the meeting has and to "write" (prefilled from the
    meeting) those it has not; a meeting not saved yet has neither."""
    if meeting.pk is None:
        return "\u2013"
    links = []
    for model, write, open_ in (
        (Minutes, _("Write the minutes"), _("Open the minutes")),
        (Summary, _("Write the summary"), _("Open the summary")),
    ):
        existing = model.objects.filter(meeting=meeting).only("pk").first()
        if existing is not None:
            links.append((_admin_url(existing), open_))
        else:
            opts = model._meta
            add = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
            links.append((f"{add}?meeting={meeting.pk}", write))
    return format_html_join(" · ", '<a href="{}">{}</a>', links)


def meeting_link(obj: Minutes | Summary) -> str:
    """From minutes or a summary back to its meeting's admin page."""
    if obj.pk is None or obj.meeting_id is None:
        return "\u2013"
    return format_html('<a href="{}">{}</a>', _admin_url(obj.meeting), obj.meeting)


class MeetingPrefillMixin:
    """Add forms opened with `?meeting=<id>` (from the meeting's page) start from that
    meeting's figures, given by `initial_for(meeting)`."""

    def initial_for(self, meeting: Meeting) -> dict:
        raise NotImplementedError

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        pk = request.GET.get("meeting", "")
        valid = pk.isascii() and pk.isdigit()  # "²" is a digit to Python, not to int()
        meeting = Meeting.objects.filter(pk=int(pk)).first() if valid else None
        if meeting is None:
            # The admin would put a raw, unusable value into the form and fail to render it.
            initial.pop("meeting", None)
        else:
            initial.update(self.initial_for(meeting))
        return initial


@admin.register(Minutes)
class MinutesAdmin(StaffInputMixin, MeetingPrefillMixin, admin.ModelAdmin):
    list_display = ["meeting", "case_number", "status", "attendee_count", "approved_at"]
    list_filter = ["status", "meeting__series"]
    search_fields = ["meeting__title", "meeting__case_number", "text", "decisions"]
    list_select_related = ["meeting"]
    autocomplete_fields = ["meeting"]
    readonly_fields = ["case_number", "approved_by", "approved_at", "meeting_page"]
    fields = [
        "meeting",
        "meeting_page",
        "case_number",
        "text",
        "attendee_count",
        "attending_organisations",
        "decisions",
        "status",
        "approved_by",
        "approved_at",
    ]
    actions = ["approve"]

    @admin.display(description=_("meeting in admin"))
    def meeting_page(self, obj: Minutes) -> str:
        return meeting_link(obj)

    @admin.display(description=_("case number"))
    def case_number(self, obj: Minutes) -> str:
        return obj.case_number if obj.pk else ""

    def initial_for(self, meeting: Meeting) -> dict:
        return services.minutes_initial(meeting=meeting)

    def save_model(self, request, obj, form, change):
        # New minutes start from the check-ins and registrations unless staff typed figures.
        if not change and not obj.attendee_count and not obj.attending_organisations:
            for field, value in services.minutes_initial(meeting=obj.meeting).items():
                setattr(obj, field, value)
        approving = obj.status == MinutesStatus.APPROVED and obj.approved_at is None
        if approving:
            obj.status = MinutesStatus.DRAFT
        super().save_model(request, obj, form, change)
        if approving:
            services.minutes_approve(minutes=obj, by=request.user)

    @admin.action(description=_("Approve the selected minutes"), permissions=["change"])
    def approve(self, request, queryset):
        for minutes in queryset:
            services.minutes_approve(minutes=minutes, by=request.user)
        self.message_user(request, _("The minutes are approved."), messages.SUCCESS)


class InsightInline(StaffInputMixin, admin.StackedInline):
    model = Insight
    extra = 1
    fields = ["kind", "text", "theme", "municipalities", "stakeholder_groups", "position"]
    autocomplete_fields = ["theme", "municipalities"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "text":
            kwargs["widget"] = forms.Textarea(attrs={"rows": 3})
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name in self.autocomplete_fields:
            # Themes and municipalities are small tables: labelled once for all insights.
            labels_preload(formfield)
        return formfield

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("municipalities")


class SummaryAdminForm(forms.ModelForm):
    """Attendee figures as one number per stakeholder group instead of raw JSON."""

    class Meta:
        model = Summary
        fields = ["meeting", "title", "slug", "language", "text", "themes", "municipalities"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        figures = self.instance.attendee_figures or self.initial.get("attendee_figures") or {}
        for group in StakeholderGroup.values:
            self.fields[FIGURE_PREFIX + group].initial = figures.get(group)

    def save(self, commit=True):
        self.instance.attendee_figures = {
            group: self.cleaned_data[FIGURE_PREFIX + group]
            for group in StakeholderGroup.values
            if self.cleaned_data.get(FIGURE_PREFIX + group)
        }
        return super().save(commit)


# Declared on the class, so the admin's fieldsets may name them.
for _group, _label in StakeholderGroup.choices:
    SummaryAdminForm.base_fields[FIGURE_PREFIX + _group] = SummaryAdminForm.declared_fields[
        FIGURE_PREFIX + _group
    ] = forms.IntegerField(label=_label, min_value=0, required=False)


@admin.register(Summary)
class SummaryAdmin(StaffInputMixin, MeetingPrefillMixin, admin.ModelAdmin):
    form = SummaryAdminForm
    change_form_template = "admin/dialogues/summary/change_form.html"
    list_display = ["title", "meeting", "language", "published_at", "published_by"]
    list_filter = [("published_at", admin.EmptyFieldListFilter), "language", "themes"]
    search_fields = ["title", "text", "meeting__title"]
    list_select_related = ["meeting", "published_by"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["meeting", "themes", "municipalities"]
    readonly_fields = [
        "published_at",
        "published_by",
        "unpublished_at",
        "unpublished_by",
        "meeting_page",
    ]
    inlines = [InsightInline]
    actions = ["publish", "unpublish"]

    def get_fieldsets(self, request, obj=None):
        return [
            (None, {"fields": ["meeting", "meeting_page", "title", "slug", "language", "text"]}),
            (_("Tags"), {"fields": ["themes", "municipalities"]}),
            (
                _("Attendees by stakeholder group"),
                {
                    "fields": [FIGURE_PREFIX + group for group in StakeholderGroup.values],
                    "description": _(
                        "Counts only. New summaries are filled from the check-ins when left empty."
                    ),
                },
            ),
            (
                _("Publication"),
                {"fields": ["published_at", "published_by", "unpublished_at", "unpublished_by"]},
            ),
        ]

    def get_queryset(self, request):
        # The page links to its meeting by name.
        return super().get_queryset(request).select_related("meeting")

    @admin.display(description=_("meeting in admin"))
    def meeting_page(self, obj: Summary) -> str:
        return meeting_link(obj)

    def initial_for(self, meeting: Meeting) -> dict:
        return services.summary_initial(meeting=meeting)

    def save_model(self, request, obj, form, change):
        obj.updated_at = timezone.now()
        if not change and not obj.attendee_figures:
            obj.attendee_figures = services.summary_initial(meeting=obj.meeting)["attendee_figures"]
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # The vector spans the summary and its insights, which are saved only now.
        services.summary_index(summary=form.instance)

    def get_urls(self):
        return [
            path(
                "<int:pk>/publish/",
                self.admin_site.admin_view(require_POST(self.publish_view)),
                name="dialogues_summary_publish",
            ),
            path(
                "<int:pk>/unpublish/",
                self.admin_site.admin_view(require_POST(self.unpublish_view)),
                name="dialogues_summary_unpublish",
            ),
            *super().get_urls(),
        ]

    def _change_url(self, summary: Summary) -> str:
        return reverse("admin:dialogues_summary_change", args=[summary.pk])

    def publish_view(self, request: HttpRequest, pk: int):
        summary = get_object_or_404(Summary, pk=pk)
        if not self.has_change_permission(request, summary):
            raise PermissionDenied
        try:
            services.summary_publish(summary=summary, by=request.user)
        except RefusalError as error:
            self.message_user(request, str(error), messages.ERROR)
        else:
            self.message_user(request, _("The summary is published."), messages.SUCCESS)
        return HttpResponseRedirect(self._change_url(summary))

    def unpublish_view(self, request: HttpRequest, pk: int):
        summary = get_object_or_404(Summary, pk=pk)
        if not self.has_change_permission(request, summary):
            raise PermissionDenied
        services.summary_unpublish(summary=summary, by=request.user)
        self.message_user(request, _("The summary is no longer published."), messages.SUCCESS)
        return HttpResponseRedirect(self._change_url(summary))

    @admin.action(description=_("Publish the selected summaries"), permissions=["change"])
    def publish(self, request, queryset):
        count = 0
        for summary in queryset.filter(published_at__isnull=True).select_related("meeting"):
            try:
                services.summary_publish(summary=summary, by=request.user)
            except RefusalError as error:
                self.message_user(request, f"{summary}: {error}", messages.ERROR)
                continue
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d summary published.", "%(count)d summaries published.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("Unpublish the selected summaries"), permissions=["change"])
    def unpublish(self, request, queryset):
        count = 0
        for summary in queryset.filter(published_at__isnull=False):
            services.summary_unpublish(summary=summary, by=request.user)
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d summary unpublished.", "%(count)d summaries unpublished.", count)
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ["user", "municipality", "theme", "created_at"]
    list_filter = ["municipality", "theme"]
    search_fields = ["user__email"]
    list_select_related = ["user", "municipality", "theme"]
    raw_id_fields = ["user"]


# The follow-up on insights has its own room.
from .followup import admin as followup_admin  # noqa: E402, F401
