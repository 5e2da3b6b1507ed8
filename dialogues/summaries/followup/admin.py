"""Admin for the follow-up on insights: one at a time on its page, or many at once."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portal.admin import StaffInputMixin

from ..models import Insight, InsightStatus, InsightStatusChange
from .services import FOLLOW_UP_FIELDS, insight_follow_up


class InsightFollowUpForm(forms.Form):
    """The follow-up of the selected insights, as the bulk action asks for it."""

    status = forms.ChoiceField(label=_("status"), choices=InsightStatus.choices)
    response = forms.CharField(
        label=_("public response"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    status_date = forms.DateField(
        label=_("date of the decision"),
        required=False,
        help_text=_("Today when left empty."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    case_number = forms.CharField(
        label=_("case number (diarienummer)"), max_length=40, required=False
    )
    responsible_body = forms.CharField(label=_("responsible body"), max_length=200, required=False)


class InsightStatusChangeInline(admin.TabularInline):
    model = InsightStatusChange
    extra = 0
    can_delete = False
    fields = ["changed_at", "previous_status", "status", "status_date", "response", "changed_by"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("changed_by")


@admin.register(Insight)
class InsightAdmin(StaffInputMixin, admin.ModelAdmin):
    """Insights are written on their summary's page; here staff record what became of them."""

    list_display = ["short_text", "kind", "theme", "status", "status_date", "summary"]
    list_filter = ["status", "kind", "theme", ("summary__published_at", admin.EmptyFieldListFilter)]
    search_fields = ["text", "response", "case_number", "summary__title"]
    list_select_related = ["theme", "summary"]
    readonly_fields = ["summary", "kind", "text", "theme", "status_changed_at"]
    fieldsets = [
        (None, {"fields": ["summary", "kind", "text", "theme"]}),
        (_("Follow-up"), {"fields": [*FOLLOW_UP_FIELDS, "status_changed_at"]}),
    ]
    inlines = [InsightStatusChangeInline]
    actions = ["set_status"]

    @admin.display(description=_("text"))
    def short_text(self, obj: Insight) -> str:
        return obj.text if len(obj.text) <= 80 else obj.text[:79] + "…"

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        # Through the service, which records a new status and tells those who follow it.
        data = form.cleaned_data
        insight_follow_up(
            insight=obj,
            status=data["status"],
            response=data.get("response", ""),
            status_date=data.get("status_date"),
            case_number=data.get("case_number", ""),
            responsible_body=data.get("responsible_body", ""),
            by=request.user,
        )

    @admin.action(
        description=_("Set the follow-up of the selected insights"), permissions=["change"]
    )
    def set_status(self, request, queryset):
        form = InsightFollowUpForm(request.POST if request.POST.get("apply") else None)
        if form.is_valid():
            data = form.cleaned_data
            count = 0
            for insight in queryset:
                insight_follow_up(insight=insight, **data, by=request.user)
                count += 1
            self.message_user(
                request,
                ngettext(
                    "The follow-up of %(count)d insight is set.",
                    "The follow-up of %(count)d insights is set.",
                    count,
                )
                % {"count": count},
                messages.SUCCESS,
            )
            return None
        return TemplateResponse(
            request,
            "admin/dialogues/insight/follow_up.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Set the follow-up"),
                "form": form,
                "objects": list(queryset),
                "opts": self.model._meta,
                "action": request.POST.get("action", ""),
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            },
        )
