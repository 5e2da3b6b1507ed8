"""Admin actions every registration admin shares: applied through the services, and confirmed
first where they tell people something."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portal.errors import RefusalError

from .models import (
    AccessKind,
    AccessRequest,
    AccessRequestStatus,
    VenueFacts,
    event_model,
    linked_registration_models,
)
from .services import CheckIn, StrOrPromise

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

    from .models import RegistrableEvent

# An operation on one row of an admin list (a service call); its result is ignored unless it
# is a CheckIn.
Operation = Callable[[Any], object]

# The fieldset of an event's venue facts (`VenueFacts`), the same on every event's admin page.
VENUE_FACTS_FIELDSET = (
    _("Access at the venue"),
    {"fields": [*VenueFacts.YES_NO_FIELDS, "public_transport", "access_notes"]},
)


def action_apply(
    request: HttpRequest,
    queryset: QuerySet[Any],
    operation: Operation,
    message: Callable[[int], str],
) -> None:
    """Run `operation` on each row: one success line with the count, one warning per refusal.

    `message(count)` words the success with the right plural ("1 anmälan avbokad.").

    An operation that returns a `CheckIn` for someone already present is reported as such.
    """
    done, errors = 0, []
    for obj in queryset:
        try:
            result = operation(obj)
        except RefusalError as error:
            errors.append(f"{obj}: {error.message}")
        else:
            if isinstance(result, CheckIn) and not result.first:
                errors.append(result.message)
            else:
                done += 1
    if done:
        messages.success(request, message(done) % {"count": done})
    for warning in errors:
        messages.warning(request, warning)


def cancel_action_confirm(
    modeladmin: admin.ModelAdmin[Any],
    request: HttpRequest,
    queryset: QuerySet[Any],
    cancel: Operation,
) -> HttpResponse | None:
    """Staff cancel registrations, after confirming: each person is mailed, seats refilled."""
    return action_confirm(
        modeladmin,
        request,
        queryset,
        title=_("Cancel registrations"),
        question=_(
            "Cancel these registrations? Each person is told by email, and freed seats go "
            "to the waiting list."
        ),
        operation=cancel,
        message=lambda count: ngettext(
            "%(count)s registration cancelled.", "%(count)s registrations cancelled.", count
        ),
    )


def action_confirm(
    modeladmin: admin.ModelAdmin[Any],
    request: HttpRequest,
    queryset: QuerySet[Any],
    *,
    title: StrOrPromise,
    question: StrOrPromise,
    operation: Operation,
    message: Callable[[int], str],
) -> HttpResponse | None:
    """Ask before acting, as Django's delete action does; act when the form comes back.

    The confirmation page lists the selected rows and posts them back with `post=yes`.
    """
    if request.POST.get("post") == "yes":
        action_apply(request, queryset, operation, message)
        return None
    return TemplateResponse(
        request,
        "admin/registrations/confirm_action.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": title,
            "question": question,
            "objects": list(queryset),
            "opts": modeladmin.model._meta,
            "action": request.POST.get("action", ""),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        },
    )


# --- access and accommodation requests ------------------------------------------------------


class AccessPlanningLinkMixin:
    """Gives an event's admin a read-only `access_planning` field: a link to its planning
    summary of access requests."""

    @admin.display(description=_("access and accommodation"))
    def access_planning(self, obj: RegistrableEvent | None) -> str:
        if not obj or not obj.pk:
            return "-"
        from .access import access_planning_url

        count = AccessRequest.objects.for_event(obj).count()
        return format_html(
            '<a href="{}">{}</a>',
            access_planning_url(obj),
            ngettext(
                "Planning summary (%(count)s request)",
                "Planning summary (%(count)s requests)",
                count,
            )
            % {"count": count},
        )


@admin.register(AccessKind)
class AccessKindAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # generic in the stubs only
    list_display = ["code", "lead_days"]
    list_editable = ["lead_days"]
    fields = ["code", "lead_days"]
    readonly_fields = ["code"]

    # The kinds are fixed (the form offers them all); staff set how far ahead each is needed.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AccessKind | None = None) -> bool:
        return False


class EventFilter(admin.SimpleListFilter):
    title = _("kind of event")
    parameter_name = "evenemang"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]
    ) -> list[tuple[str, _StrPromise]]:
        return [("meeting", _("Dialogue meetings")), ("edition", _("Stockholmstinget"))]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[AccessRequest]
    ) -> QuerySet[AccessRequest]:
        if self.value() == "meeting":
            return queryset.filter(meeting_registration__isnull=False)
        if self.value() == "edition":
            return queryset.filter(edition_registration__isnull=False)
        return queryset


@admin.register(AccessRequest)
class AccessRequestAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # generic in the stubs only
    list_display = ["kind", "person", "event", "status", "is_late", "created_at"]
    list_filter = ["status", "kind", "is_late", EventFilter]
    list_select_related = [
        "meeting_registration__user",
        "meeting_registration__meeting",
        "edition_registration__user",
        "edition_registration__edition",
    ]
    search_fields = [
        "meeting_registration__user__email",
        "meeting_registration__user__display_name",
        "edition_registration__user__email",
        "edition_registration__user__display_name",
    ]
    fields = [
        "kind",
        "person",
        "event",
        "details",
        "status",
        "is_late",
        "created_at",
        "decided_at",
        "staff_note",
    ]
    readonly_fields = [
        "kind",
        "person",
        "event",
        "details",
        "status",
        "is_late",
        "created_at",
        "decided_at",
    ]
    actions = ["mark_arranged", "mark_not_possible"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description=_("person"))
    def person(self, obj: AccessRequest) -> str:
        user = obj.registration.user
        return f"{user.get_full_name() or user.email} <{user.email}>"

    @admin.display(description=_("event"))
    def event(self, obj: AccessRequest) -> str:
        return str(obj.registration.event)

    @admin.action(description=_("Mark arranged (the person is told)"), permissions=["change"])
    def mark_arranged(self, request: HttpRequest, queryset: QuerySet[AccessRequest]) -> None:
        self._decide(request, queryset, AccessRequestStatus.ARRANGED)

    @admin.action(description=_("Mark not possible (the person is told)"), permissions=["change"])
    def mark_not_possible(self, request: HttpRequest, queryset: QuerySet[AccessRequest]) -> None:
        self._decide(request, queryset, AccessRequestStatus.NOT_POSSIBLE)

    def _decide(self, request: HttpRequest, queryset: QuerySet[AccessRequest], status: str) -> None:
        from .access import access_request_decide

        action_apply(
            request,
            queryset,
            lambda obj: access_request_decide(access_request=obj, status=status),
            lambda count: ngettext(
                "%(count)s request decided; the person is told by email.",
                "%(count)s requests decided; each person is told by email.",
                count,
            ),
        )

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "planering/<str:label>/<int:pk>/",
                self.admin_site.admin_view(self.planning_view),
                name="registrations_accessrequest_planning",
            ),
            *super().get_urls(),
        ]

    def planning_view(self, request: HttpRequest, label: str, pk: int) -> HttpResponse:
        from .access import access_planning

        if not self.has_view_permission(request):
            raise PermissionDenied
        events = {
            model._meta.label_lower: model
            for model in map(event_model, linked_registration_models().values())
        }
        if label not in events:
            raise Http404
        event = get_object_or_404(events[label], pk=pk)
        rows = access_planning(event)
        return TemplateResponse(
            request,
            "admin/registrations/access_planning.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Access and accommodation: %(event)s") % {"event": event},
                "event": event,
                "event_admin_url": reverse(
                    f"admin:{event._meta.app_label}_{event._meta.model_name}_change",
                    args=[event.pk],
                ),
                "rows": rows,
                "total": sum(row.count for row in rows),
                "opts": self.model._meta,
                "can_change": self.has_change_permission(request),
            },
        )
