"""The outbox in the admin: mail-outs with their progress, and every outgoing email, read-only."""

from __future__ import annotations

from typing import Any

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib import admin, messages
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import MailOut, OutgoingEmail
from .redrive import email_retry_failed

# Every field is read-only, so the change form offers no buttons that would save nothing.
READ_ONLY = {
    "show_save": False,
    "show_save_and_continue": False,
    "show_save_and_add_another": False,
}


def _progress_bar(done: int, total: int) -> str:
    percent = round(100 * done / total) if total else 100
    return format_html(
        '<progress value="{}" max="{}" aria-label="{}">{} %</progress> {} %',
        done,
        total or 1,
        _("Delivery progress"),
        percent,
        percent,
    )


def _counts_annotation() -> dict[str, Count]:
    row_status = OutgoingEmail.Status
    return {
        "n_sent": Count("emails", filter=Q(emails__status=row_status.SENT)),
        "n_failed": Count("emails", filter=Q(emails__status=row_status.FAILED)),
    }


def mailout_progress(key: str) -> str:
    """The mail-out with `key` as a link to its page and its delivery progress; "-" if none."""
    mailout = (
        MailOut.objects.filter(key=key)
        .defer("recipients", "context", "attachments")
        .annotate(**_counts_annotation())
        .first()
    )
    if mailout is None:
        return "-"
    return format_html(
        '<a href="{}">{}</a> {}',
        reverse("admin:portal_mailout_change", args=[mailout.pk]),
        ngettext("%(count)s recipient", "%(count)s recipients", mailout.total)
        % {"count": mailout.total},
        _progress_bar(mailout.n_sent + mailout.n_failed, mailout.total),
    )


def _retry_failed(
    model_admin: admin.ModelAdmin[Any], request: HttpRequest, emails: QuerySet[OutgoingEmail]
) -> None:
    """Queue the failed ones among `emails` again and tell staff how many."""
    count = email_retry_failed(emails)
    model_admin.message_user(
        request,
        ngettext(
            "%(count)d failed email is queued again.",
            "%(count)d failed emails are queued again.",
            count,
        )
        % {"count": count},
        messages.SUCCESS,
    )


@admin.register(MailOut)
class MailOutAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # generic in the stubs only
    """Bulk sends: created by the code that invites or alerts, followed and retried here."""

    list_display = ["title", "created_at", "total", "queued", "sent", "failed", "progress"]
    list_filter = [("created_at", admin.DateFieldListFilter)]
    search_fields = ["title", "key"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "title",
        "key",
        "template",
        "created_at",
        "created_by",
        "total",
        "queued",
        "sent",
        "failed",
        "progress",
        "emails_link",
    ]
    fields = tuple(readonly_fields)
    actions = ["retry_failed"]
    change_form_template = "admin/portal/mailout/change_form.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[MailOut]:
        # The recipient list and context can be large; admin never shows them.
        mailouts: QuerySet[MailOut] = (
            super()
            .get_queryset(request)
            .defer("recipients", "context", "attachments")
            .annotate(**_counts_annotation())
        )
        return mailouts

    def get_urls(self) -> list[URLPattern]:
        urls = [
            path(
                "<int:pk>/progress/",
                self.admin_site.admin_view(self.progress_view),
                name="portal_mailout_progress",
            )
        ]
        return urls + super().get_urls()

    def progress_view(self, request: HttpRequest, pk: int) -> JsonResponse:
        """The counts as JSON, for the change page's live progress bar."""
        mailout = self.get_object(request, str(pk))
        if mailout is None or not self.has_view_permission(request, mailout):
            raise Http404
        counts = self._counts(mailout)
        return JsonResponse(counts)

    def _counts(self, mailout: MailOut) -> dict[str, int]:
        done = mailout.n_sent + mailout.n_failed
        return {
            "total": mailout.total,
            "queued": self.queued(mailout),
            "sent": mailout.n_sent,
            "failed": mailout.n_failed,
            "done": done,
            "percent": round(100 * done / mailout.total) if mailout.total else 100,
        }

    @admin.display(description=_("queued"))
    def queued(self, obj: MailOut) -> int:
        """Not sent or failed yet, including recipients whose row the fan-out has not written."""
        return max(0, obj.total - obj.n_sent - obj.n_failed)

    @admin.display(description=_("sent"), ordering="n_sent")
    def sent(self, obj: MailOut) -> int:
        return obj.n_sent

    @admin.display(description=_("failed"), ordering="n_failed")
    def failed(self, obj: MailOut) -> int:
        return obj.n_failed

    @admin.display(description=_("progress"))
    def progress(self, obj: MailOut) -> str:
        return _progress_bar(obj.n_sent + obj.n_failed, obj.total)

    @admin.display(description=_("outgoing emails"))
    def emails_link(self, obj: MailOut) -> str:
        url = reverse("admin:portal_outgoingemail_changelist") + f"?mailout__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, _("Show this mail-out's emails"))

    @admin.action(description=_("Retry the failed emails"), permissions=["change"])
    def retry_failed(self, request: HttpRequest, queryset: QuerySet[MailOut]) -> None:
        _retry_failed(self, request, OutgoingEmail.objects.filter(mailout__in=queryset))

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        return super().change_view(
            request, object_id, form_url, {**READ_ONLY, **(extra_context or {})}
        )

    # Mail-outs are written by code (invitations, alerts) and are a record of what was sent.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # generic in the stubs only
    """The outbox, read-only: what was sent to whom, when, and what went wrong."""

    list_display = ["to", "subject", "status", "attempts", "created_at", "sent_at", "mailout"]
    list_filter = [
        "status",
        ("created_at", admin.DateFieldListFilter),
        ("sent_at", admin.DateFieldListFilter),
        "language",
        ("mailout", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["to", "key", "subject", "message_id"]
    date_hierarchy = "created_at"
    list_select_related = ["mailout"]
    show_full_result_count = False
    actions = ["retry_failed"]
    fieldsets = [
        (None, {"fields": ["key", "to", "language", "subject", "status", "mailout"]}),
        (
            _("Delivery"),
            {
                "fields": [
                    "message_id",
                    "attempts",
                    "last_error",
                    "created_at",
                    "next_attempt_at",
                    "lease_until",
                    "give_up_at",
                    "sent_at",
                ]
            },
        ),
        (
            _("Message"),
            {"fields": ["template", "rendered_text", "rendered_html", "attachment_list"]},
        ),
    ]

    class Media:
        css = {"all": ["css/admin.css"]}

    def get_readonly_fields(
        self, request: HttpRequest, obj: OutgoingEmail | None = None
    ) -> list[str]:
        return [
            field
            for fieldset in self.fieldsets
            for field in fieldset[1]["fields"]
            if isinstance(field, str)  # every field here is named alone, none side by side
        ]

    @admin.display(description=_("plain-text body"))
    def rendered_text(self, obj: OutgoingEmail) -> str:
        return format_html('<pre class="outbox-text">{}</pre>', obj.body_text)

    @admin.display(description=_("HTML body"))
    def rendered_html(self, obj: OutgoingEmail) -> str:
        if not obj.body_html:
            return self.get_empty_value_display()
        # A sandboxed frame: the message's own HTML, no scripts, no access to the admin.
        return format_html(
            '<iframe sandbox srcdoc="{}" title="{}" class="outbox-html"></iframe>',
            obj.body_html,
            _("HTML body"),
        )

    @admin.display(description=_("attachments"))
    def attachment_list(self, obj: OutgoingEmail) -> str:
        return ", ".join(f"{a['filename']} ({a['mimetype']})" for a in obj.attachments) or (
            self.get_empty_value_display()
        )

    @admin.action(description=_("Retry the failed emails"), permissions=["change"])
    def retry_failed(self, request: HttpRequest, queryset: QuerySet[OutgoingEmail]) -> None:
        _retry_failed(self, request, queryset)

    # The HTML preview is a srcdoc frame, which inherits the page's policy, and email HTML is
    # styled inline (mail clients read no style sheets). Its scripts stay blocked: the frame
    # is sandboxed and script-src is unchanged.
    @method_decorator(csp_update({"style-src": [UNSAFE_INLINE]}))
    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        return super().change_view(
            request, object_id, form_url, {**READ_ONLY, **(extra_context or {})}
        )

    # The outbox is written by code only; staff read it and retry failures.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
