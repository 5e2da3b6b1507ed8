from __future__ import annotations

import csv
from collections import Counter

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.forms import InvitationSendForm
from accounts.services import invitees_collect
from portal.admin import (
    AutocompleteFilter,
    AutocompleteFilterMixin,
    HttpsLinksMixin,
    StaffInputMixin,
)
from portal.errors import RefusalError
from portal.outbox.admin import mailout_progress
from portal.registrations.access import access_requests_describe
from portal.registrations.admin import (
    VENUE_FACTS_FIELDSET,
    AccessPlanningLinkMixin,
    AnswersDisplayMixin,
    QuestionsLinkMixin,
    action_apply,
    cancel_action_confirm,
)
from portal.registrations.questions import answer_columns
from portal.registrations.services import check_in
from portal.registrations.station import check_in_list, check_in_station

from . import services
from .emails import invitation_preview, invitations_mailout_key
from .models import (
    ACTIVE_STATUSES,
    DialogueSeries,
    Invitation,
    Meeting,
    MeetingStatus,
    Registration,
    RegistrationStatus,
)
from .reach import ReachReportAdminMixin
from .summaries.admin import meeting_followup_links

# --- CSV export ----------------------------------------------------------------------------------


def registrations_csv(registrations) -> HttpResponse:
    """Active registrations with their needs, and a summary of the needs first."""
    registrations = list(registrations.prefetch_related("access_requests", "answers"))
    question_headers, answer_cells = answer_columns(registrations)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="anmalningar.csv"'
    response.write("\ufeff")  # Excel opens UTF-8 correctly only with a BOM.
    writer = csv.writer(response, delimiter=";")
    counts = dict.fromkeys(RegistrationStatus.values, 0)
    for registration in registrations:
        counts[registration.status] += 1
    access = [r for r in registrations if r.accessibility_needs.strip()]
    dietary = [r for r in registrations if r.dietary_needs.strip()]
    writer.writerow([_("Summary")])
    for status, label in RegistrationStatus.choices:
        if counts[status]:
            writer.writerow([label, counts[status]])
    writer.writerow([_("With accessibility needs"), len(access)])
    for registration in access:
        writer.writerow(["", registration.accessibility_needs.strip()])
    writer.writerow([_("With dietary needs"), len(dietary)])
    for registration in dietary:
        writer.writerow(["", registration.dietary_needs.strip()])
    kinds = Counter(
        request.get_kind_display() for r in registrations for request in r.access_requests.all()
    )
    for kind, count in sorted(kinds.items()):
        writer.writerow([_("Access request: %(kind)s") % {"kind": kind}, count])
    writer.writerow([])
    writer.writerow(
        [
            _("Meeting"),
            _("Name"),
            _("Email"),
            _("Organisation"),
            _("Status"),
            _("Check-in code"),
            _("Accessibility needs"),
            _("Dietary needs"),
            _("Access requests"),
            _("Message"),
            _("May be listed"),
            _("Checked in"),
            *question_headers,
        ]
    )
    for r in registrations:
        writer.writerow(
            [
                r.meeting.title,
                r.user.display_name,
                r.user.email,
                r.user.organisation,
                r.get_status_display(),
                r.check_in_code,
                r.accessibility_needs,
                r.dietary_needs,
                access_requests_describe(r.access_requests.all()),
                r.message,
                _("yes") if r.consent_to_be_listed else _("no"),
                timezone.localtime(r.checked_in_at).strftime("%Y-%m-%d %H:%M")
                if r.checked_in_at
                else "",
                *answer_cells(r),
            ]
        )
    return response


# --- Series --------------------------------------------------------------------------------------


@admin.register(DialogueSeries)
class DialogueSeriesAdmin(StaffInputMixin, admin.ModelAdmin):
    list_display = ["name", "contact_name", "is_active", "meeting_count"]
    list_filter = ["is_active"]
    search_fields = ["name", "contact_name"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(meeting_total=Count("meetings"))

    @admin.display(description=_("meetings"), ordering="meeting_total")
    def meeting_count(self, obj) -> int:
        return obj.meeting_total


# --- Meetings ------------------------------------------------------------------------------------


class UpcomingFilter(admin.SimpleListFilter):
    title = _("when")
    parameter_name = "when"

    def lookups(self, request, model_admin):
        return [("upcoming", _("Upcoming")), ("past", _("Past"))]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "upcoming":
            return queryset.filter(ends_at__gte=now)
        if self.value() == "past":
            return queryset.filter(ends_at__lt=now)
        return queryset


def _registration_count(status: str):
    """The meeting's registrations in `status`, as a subquery per meeting row."""
    rows = (
        Registration.objects.filter(meeting=OuterRef("pk"), status=status)
        .order_by()
        .values("meeting")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows), 0)


# How many of a meeting's registrations its page lists; the rest are in the changelist.
MEETING_PAGE_ROWS = 10


@admin.register(Meeting)
class MeetingAdmin(
    ReachReportAdminMixin,
    AccessPlanningLinkMixin,
    QuestionsLinkMixin,
    StaffInputMixin,
    HttpsLinksMixin,
    admin.ModelAdmin,
):
    list_display = [
        "title",
        "series",
        "starts_at",
        "status",
        "format",
        "capacity",
        "confirmed",
        "waitlisted",
        "pending",
    ]
    list_filter = ["series", "status", UpcomingFilter, "format", "requires_approval"]
    autocomplete_fields = ["municipalities"]
    list_select_related = ["series"]
    search_fields = ["title", "case_number", "venue", "series__name"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "starts_at"
    readonly_fields = [
        "published_at",
        "sequence",
        "seat_summary",
        "access_planning",
        "questions",
        "followup_reminded_at",
        "minutes_and_summary",
        "registration_list",
        "invitation_list",
    ]
    actions = ["publish", "cancel_meetings", "copy_meetings", "export_csv", "send_invitations"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "series",
                    "title",
                    "slug",
                    "status",
                    "case_number",
                    "description",
                    "agenda",
                ]
            },
        ),
        (
            _("Time and place"),
            {
                "fields": [
                    "starts_at",
                    "ends_at",
                    "format",
                    "venue",
                    "address",
                    "online_url",
                    "municipalities",
                ]
            },
        ),
        VENUE_FACTS_FIELDSET,
        (
            _("Registration"),
            {
                "fields": [
                    "capacity",
                    "reserved_seats",
                    "registration_opens_at",
                    "registration_closes_at",
                    "requires_approval",
                    "audience_groups",
                    "seat_summary",
                    "access_planning",
                    "questions",
                ]
            },
        ),
        (
            _("Contact and reminder"),
            {"fields": ["contact_name", "contact_email", "reminder_lead_hours", "reminder_text"]},
        ),
        (_("Publication"), {"fields": ["published_at", "sequence", "followup_reminded_at"]}),
        (_("After the meeting"), {"fields": ["minutes_and_summary"]}),
        # Not inlines: a meeting may have thousands of both, and the page must stay small
        # enough to load and to save unchanged.
        (_("Registrations and invitations"), {"fields": ["registration_list", "invitation_list"]}),
    ]

    def get_queryset(self, request):
        # Counted per row shown, not for every meeting before the page is cut (a join and
        # GROUP BY over all registrations of the county would be).
        return (
            super()
            .get_queryset(request)
            .annotate(
                confirmed_count=_registration_count(RegistrationStatus.CONFIRMED),
                pending_count=_registration_count(RegistrationStatus.PENDING),
                waitlisted_count=_registration_count(RegistrationStatus.WAITLISTED),
            )
        )

    @admin.display(description=_("minutes and summary"))
    def minutes_and_summary(self, obj) -> str:
        return meeting_followup_links(obj)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "online_url":
            kwargs["assume_scheme"] = "https"
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description=_("confirmed"), ordering="confirmed_count")
    def confirmed(self, obj) -> int:
        return obj.confirmed_count

    @admin.display(description=_("waitlisted"), ordering="waitlisted_count")
    def waitlisted(self, obj) -> int:
        return obj.waitlisted_count

    @admin.display(description=_("pending"), ordering="pending_count")
    def pending(self, obj) -> int:
        return obj.pending_count

    @admin.display(description=_("registrations"))
    def registration_list(self, obj) -> str:
        """The latest registrations, and a link to all of them in the registrations list."""
        if not obj.pk:
            return "-"
        rows = obj.registrations.select_related("user").order_by("-created_at", "-pk")[
            :MEETING_PAGE_ROWS
        ]
        table = format_html_join(
            "",
            '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td></tr>',
            (
                (
                    reverse("admin:dialogues_registration_change", args=[row.pk]),
                    row.user,
                    row.get_status_display(),
                    row.check_in_code,
                )
                for row in rows
            ),
        )
        link = format_html(
            '<a href="{}?meeting__id__exact={}">{}</a>',
            reverse("admin:dialogues_registration_changelist"),
            obj.pk,
            _("All registrations for this meeting"),
        )
        if not table:
            return link
        return format_html(
            '<table><caption>{}</caption><thead><tr><th scope="col">{}</th><th scope="col">{}'
            '</th><th scope="col">{}</th></tr></thead><tbody>{}</tbody></table><p>{}</p>',
            _("Latest registrations"),
            _("person"),
            _("status"),
            _("check-in code"),
            table,
            link,
        )

    @admin.display(description=_("invitations"))
    def invitation_list(self, obj) -> str:
        """How many are invited, a link to them, and the delivery of the invitation mail."""
        if not obj.pk:
            return "-"
        total = obj.invitations.count()
        return format_html(
            '<a href="{}?meeting__id__exact={}">{}</a><br>{} {}',
            reverse("admin:dialogues_invitation_changelist"),
            obj.pk,
            ngettext("%(count)s invitation", "%(count)s invitations", total) % {"count": total},
            _("Mail-out:"),
            mailout_progress(invitations_mailout_key(obj)),
        )

    @admin.display(description=_("seats"))
    def seat_summary(self, obj) -> str:
        if not obj.pk:
            return "-"
        return _("%(confirmed)s confirmed, %(pending)s pending, %(waitlisted)s waitlisted") % {
            "confirmed": obj.confirmed_count,
            "pending": obj.pending_count,
            "waitlisted": obj.waitlisted_count,
        }

    def save_model(self, request, obj, form, change):
        if not change:
            # A meeting created as published is published by the service, which records when.
            publish = obj.status == MeetingStatus.PUBLISHED
            if publish:
                obj.status = MeetingStatus.DRAFT
            super().save_model(request, obj, form, change)
            if publish:
                services.meeting_publish(meeting=obj)
                obj.refresh_from_db()
            return
        # Edits go through the service: a new time or place tells registrants, more seats
        # move the waitlist.
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        if changes.get("status") == MeetingStatus.PUBLISHED:
            changes.pop("status")
            services.meeting_update(meeting=obj, changes=changes)
            services.meeting_publish(meeting=obj)
        elif changes.get("status") == MeetingStatus.CANCELLED:
            changes.pop("status")
            services.meeting_update(meeting=obj, changes=changes)
            services.meeting_cancel(meeting=obj)
        else:
            services.meeting_update(meeting=obj, changes=changes)

    def get_urls(self):
        urls = [
            path(
                "<int:pk>/incheckning/",
                self.admin_site.admin_view(self.check_in_view),
                name="dialogues_meeting_check_in",
            ),
            path(
                "<int:pk>/incheckning/lista/",
                self.admin_site.admin_view(self.check_in_list_view),
                name="dialogues_meeting_check_in_list",
            ),
            path(
                "<int:pk>/inbjudningar/",
                self.admin_site.admin_view(self.invitations_view),
                name="dialogues_meeting_invitations",
            ),
        ]
        return urls + super().get_urls()

    @admin.action(description=_("Publish selected meetings"), permissions=["change"])
    def publish(self, request, queryset):
        action_apply(
            request,
            queryset,
            lambda m: services.meeting_publish(meeting=m),
            lambda count: ngettext(
                "%(count)s meeting published.", "%(count)s meetings published.", count
            ),
        )

    @admin.action(
        description=_("Cancel selected meetings (registrants are told)"), permissions=["change"]
    )
    def cancel_meetings(self, request, queryset):
        action_apply(
            request,
            queryset,
            lambda m: services.meeting_cancel(meeting=m),
            lambda count: ngettext(
                "%(count)s meeting cancelled.", "%(count)s meetings cancelled.", count
            ),
        )

    @admin.action(
        description=_("Copy selected meetings (as drafts, with their questions)"),
        permissions=["add"],
    )
    def copy_meetings(self, request, queryset):
        copies = [services.meeting_copy(meeting=meeting) for meeting in queryset]
        messages.success(
            request,
            ngettext(
                "%(count)s meeting copied as a draft: give it its new time.",
                "%(count)s meetings copied as drafts: give them their new times.",
                len(copies),
            )
            % {"count": len(copies)},
        )
        if len(copies) == 1:
            return HttpResponseRedirect(
                reverse("admin:dialogues_meeting_change", args=[copies[0].pk])
            )
        return None

    @admin.action(description=_("Export registrations as CSV"), permissions=["view"])
    def export_csv(self, request, queryset):
        registrations = (
            Registration.objects.active()
            .filter(meeting__in=queryset)
            .select_related("meeting", "user")
            .order_by("meeting__starts_at", "pk")
        )
        return registrations_csv(registrations)

    @admin.action(description=_("Send invitations"), permissions=["invite"])
    def send_invitations(self, request, queryset):
        if queryset.count() != 1:
            messages.warning(request, _("Choose one meeting to send invitations for."))
            return None
        return HttpResponseRedirect(
            reverse("admin:dialogues_meeting_invitations", args=[queryset.get().pk])
        )

    # Sending invitations and checking people in write invitations and registrations, which
    # case officers handle without the right to change the meeting itself.
    def has_invite_permission(self, request) -> bool:
        return request.user.has_perm("dialogues.add_invitation")

    def has_check_in_permission(self, request) -> bool:
        return request.user.has_perm("dialogues.change_registration")

    def _meeting_page(self, request, meeting, template, context):
        return TemplateResponse(
            request,
            template,
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "original": meeting,
                "meeting": meeting,
                **context,
            },
        )

    def _check_in_door(self, request: HttpRequest, pk: int):
        meeting = get_object_or_404(Meeting, pk=pk)
        if not (
            self.has_view_permission(request, meeting) and self.has_check_in_permission(request)
        ):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": meeting,
            "breadcrumbs": [
                (
                    reverse("admin:dialogues_meeting_changelist"),
                    self.model._meta.verbose_name_plural,
                ),
                (reverse("admin:dialogues_meeting_change", args=[meeting.pk]), str(meeting)),
            ],
            "station_url": reverse("admin:dialogues_meeting_check_in", args=[meeting.pk]),
            "list_url": reverse("admin:dialogues_meeting_check_in_list", args=[meeting.pk]),
        }
        return meeting, Registration.objects.filter(meeting=meeting), context

    def check_in_view(self, request: HttpRequest, pk: int):
        meeting, bookings, context = self._check_in_door(request, pk)
        return check_in_station(
            request,
            title=_("Check-in: %(title)s") % {"title": meeting.title},
            bookings=bookings,
            elsewhere=Registration.objects.exclude(meeting=meeting),
            context=context,
        )

    def check_in_list_view(self, request: HttpRequest, pk: int):
        meeting, bookings, context = self._check_in_door(request, pk)
        return check_in_list(
            request,
            title=_("Check-in list: %(title)s") % {"title": meeting.title},
            bookings=bookings,
            context=context,
        )

    def invitations_view(self, request: HttpRequest, pk: int):
        meeting = get_object_or_404(Meeting, pk=pk)
        if not (self.has_view_permission(request, meeting) and self.has_invite_permission(request)):
            raise PermissionDenied
        form = InvitationSendForm(request.POST or None)
        preview = None
        if request.method == "POST" and form.is_valid() and "send" not in request.POST:
            # First the count and the mail itself; sending is the next step.
            data = form.cleaned_data
            preview = invitation_preview(
                meeting=meeting,
                invitees=invitees_collect(
                    emails=data["emails"],
                    groups=data["groups"],
                    municipalities=data["municipalities"],
                    sectors=data["sectors"],
                ),
            )
        elif request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                mailout = services.invitation_send(
                    meeting=meeting,
                    emails=data["emails"],
                    groups=data["groups"],
                    municipalities=data["municipalities"],
                    sectors=data["sectors"],
                    created_by=request.user,
                )
            except RefusalError as error:
                form.add_error(None, error.message)
            else:
                # The workers send; the mail-out's page follows their progress.
                messages.success(
                    request,
                    ngettext(
                        "The invitations go to %(count)s address; "
                        "addresses invited before are not mailed again.",
                        "The invitations go to %(count)s addresses; "
                        "addresses invited before are not mailed again.",
                        mailout.total,
                    )
                    % {"count": mailout.total},
                )
                return HttpResponseRedirect(
                    reverse("admin:portal_mailout_change", args=[mailout.pk])
                )
        return self._meeting_page(
            request,
            meeting,
            "admin/dialogues/meeting/invitations.html",
            {"form": form, "title": _("Send invitations"), "preview": preview, "previews": True},
        )


# --- Registrations -------------------------------------------------------------------------------


class MeetingFilter(AutocompleteFilter):
    title = _("meeting")
    field_name = "meeting"


@admin.register(Registration)
class RegistrationAdmin(AutocompleteFilterMixin, AnswersDisplayMixin, admin.ModelAdmin):
    list_display = [
        "user",
        "meeting",
        "status",
        "check_in_code",
        "created_at",
        "checked_in_at",
    ]
    list_filter = ["status", "meeting__series", MeetingFilter]
    list_select_related = ["user", "meeting"]
    # Newest first, along the primary key: the model's order (by meeting) sorts every row.
    ordering = ["-pk"]
    # Counting every registration in the county for "of N" on each page costs more than it
    # tells; the filtered count is still shown.
    show_full_result_count = False
    search_fields = ["user__email", "user__display_name", "check_in_code", "meeting__title"]
    readonly_fields = [
        "meeting",
        "user",
        "status",
        "invitation",
        "check_in_code",
        "created_at",
        "decided_at",
        "cancelled_at",
        "checked_in_at",
        "anonymised_at",
        "answers",
    ]
    fields = [
        *readonly_fields,
        "accessibility_needs",
        "dietary_needs",
        "message",
        "consent_to_be_listed",
    ]
    actions = ["approve", "decline", "promote", "check_in", "cancel", "export_csv"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def _related(self, queryset):
        return queryset.select_related("meeting", "user")

    @admin.action(description=_("Approve selected registrations"), permissions=["change"])
    def approve(self, request, queryset):
        action_apply(
            request,
            self._related(queryset),
            lambda r: services.registration_approve(registration=r),
            lambda count: ngettext(
                "%(count)s registration approved.", "%(count)s registrations approved.", count
            ),
        )

    @admin.action(description=_("Decline selected registrations"), permissions=["change"])
    def decline(self, request, queryset):
        action_apply(
            request,
            self._related(queryset),
            lambda r: services.registration_decline(registration=r),
            lambda count: ngettext(
                "%(count)s registration declined.", "%(count)s registrations declined.", count
            ),
        )

    @admin.action(description=_("Check in selected registrations"), permissions=["change"])
    def check_in(self, request, queryset):
        action_apply(
            request,
            self._related(queryset),
            lambda r: check_in(registration=r),
            lambda count: ngettext(
                "%(count)s person checked in.", "%(count)s people checked in.", count
            ),
        )

    @admin.action(description=_("Cancel selected registrations"), permissions=["change"])
    def cancel(self, request, queryset):
        return cancel_action_confirm(
            self,
            request,
            self._related(queryset),
            lambda r: services.registration_cancel(registration=r, by_staff=True),
        )

    @admin.action(description=_("Give selected waitlisted people a seat"), permissions=["change"])
    def promote(self, request, queryset):
        action_apply(
            request,
            self._related(queryset),
            lambda r: services.registration_promote(registration=r),
            lambda count: ngettext(
                "%(count)s person on the waiting list got a seat.",
                "%(count)s people on the waiting list got a seat.",
                count,
            ),
        )

    @admin.action(description=_("Export registrations as CSV"), permissions=["view"])
    def export_csv(self, request, queryset):
        return registrations_csv(self._related(queryset).order_by("meeting__starts_at", "pk"))


@admin.register(Invitation)
class InvitationAdmin(AutocompleteFilterMixin, admin.ModelAdmin):
    list_display = ["email", "meeting", "user", "created_at", "registered"]
    list_filter = ["meeting__series", MeetingFilter]
    show_full_result_count = False
    ordering = ["-pk"]
    list_select_related = ["meeting", "user"]
    search_fields = ["email", "meeting__title"]
    readonly_fields = ["meeting", "email", "user", "token", "created_at", "followed_up_at"]

    def has_add_permission(self, request):
        return False

    def get_queryset(self, request):
        # Looked up for the page's rows only, after the page is cut: a join or a subquery
        # over every registration is planned for the whole table.
        active = Registration.objects.filter(status__in=ACTIVE_STATUSES).only("invitation")
        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                Prefetch("registrations", queryset=active, to_attr="active_registrations")
            )
        )

    @admin.display(description=_("registered"), boolean=True)
    def registered(self, obj) -> bool:
        return bool(obj.active_registrations)


# Minutes, summaries, insights and alerts live in their own module.
from .summaries import admin as summaries_admin  # noqa: E402, F401
