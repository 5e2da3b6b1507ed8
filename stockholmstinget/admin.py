from __future__ import annotations

import csv
from collections import Counter
from urllib.parse import urlsplit

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import Resolver404, path, resolve, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.forms import InvitationSendForm
from accounts.services import invitees_collect
from portal.admin import HttpsLinksMixin, choices_once
from portal.errors import RefusalError
from portal.outbox.models import MailOut
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
from .emails import announcement_preview
from .models import (
    ACTIVE_STATUSES,
    DocumentationLink,
    Edition,
    EditionRegistration,
    Partner,
    RegistrationStatus,
    Session,
    SessionSignup,
    Speaker,
)


class SpeakerInline(admin.StackedInline):
    model = Speaker
    extra = 0
    fields = [("name", "role", "organisation"), "bio", ("photo", "photo_alt")]
    # The edition page is long: secondary sections open on demand.
    classes = ["collapse"]


class SessionInline(admin.StackedInline):
    model = Session
    extra = 0
    fields = [
        ("title", "track", "room"),
        ("starts_at", "ends_at"),
        ("capacity", "in_person_only", "plenary"),
        "description",
        "speakers",
    ]
    filter_horizontal = ["speakers"]
    classes = ["collapse"]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "speakers":
            edition_id = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = Speaker.objects.filter(edition_id=edition_id or 0)
        formfield = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name == "speakers":
            # The edition's speakers, read once for all its sessions.
            choices_once(formfield)
        return formfield

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("speakers")


class DocumentationLinkInline(HttpsLinksMixin, admin.TabularInline):
    model = DocumentationLink
    extra = 0
    fields = ["title", "url", "kind", "session", "order"]
    classes = ["collapse"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "session":
            edition_id = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = Session.objects.filter(edition_id=edition_id or 0)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class PartnerInline(HttpsLinksMixin, admin.TabularInline):
    model = Partner
    extra = 0
    fields = ["name", "url", "logo", "logo_alt", "order"]
    classes = ["collapse"]


class ProgrammeMailForm(forms.Form):
    """Confirms a programme mail-out; `version` is fixed when the page is shown.

    Submitting the same page twice sends once; showing the page again starts a new version.
    """

    version = forms.RegexField(regex=r"^[0-9]{14}$", widget=forms.HiddenInput)

    @staticmethod
    def version_new() -> str:
        return timezone.localtime().strftime("%Y%m%d%H%M%S")


@admin.register(Speaker)
class SpeakerAdmin(admin.ModelAdmin):
    """Registered so that a session's speakers field offers "+": a new speaker is made in a
    popup and chosen at once, without leaving the edition."""

    list_display = ["name", "role", "organisation", "edition"]
    list_filter = ["edition"]
    search_fields = ["name", "organisation"]
    fields = ["edition", ("name", "role", "organisation"), "bio", ("photo", "photo_alt")]

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        if "edition" not in initial:
            # The popup opens from an edition's page: the speaker is that edition's.
            referer = urlsplit(request.headers.get("referer", "")).path
            try:
                match = resolve(referer)
            except Resolver404:
                match = None
            if match and match.url_name == "stockholmstinget_edition_change":
                initial["edition"] = match.kwargs.get("object_id")
        return initial


@admin.register(Edition)
class EditionAdmin(AccessPlanningLinkMixin, QuestionsLinkMixin, HttpsLinksMixin, admin.ModelAdmin):
    list_display = ["year", "title", "starts_at", "format", "status", "registrations", "tools"]
    list_filter = ["status", "format"]
    search_fields = ["title", "theme"]
    inlines = [SpeakerInline, SessionInline, DocumentationLinkInline, PartnerInline]
    readonly_fields = [
        "published_at",
        "documentation_published_at",
        "access_planning",
        "questions",
    ]
    fieldsets = [
        (None, {"fields": ["year", "title", "theme", "description", "status", "published_at"]}),
        (
            _("Time and place"),
            {"fields": [("starts_at", "ends_at"), "format", "venue", "address", "stream_url"]},
        ),
        VENUE_FACTS_FIELDSET,
        (
            _("Registration"),
            {
                "fields": [
                    ("registration_opens_at", "registration_closes_at"),
                    "capacity",
                    "contact_email",
                    "access_planning",
                    "questions",
                ]
            },
        ),
        (
            _("Documentation"),
            {"fields": ["documentation", "documentation_published_at"], "classes": ["collapse"]},
        ),
    ]
    actions = ["publish_documentation", "send_announcement", "send_programme"]

    def save_model(self, request, obj, form, change):
        services.edition_save(edition=obj)

    def save_formset(self, request, form, formset, change):
        if formset.model is not Session:
            return super().save_formset(request, form, formset, change)
        sessions = formset.save(commit=False)
        for session in formset.deleted_objects:
            session.delete()
        for session in sessions:
            services.session_save(session=session)
        formset.save_m2m()
        return None

    def get_queryset(self, request):
        # The changelist's count column, in the query of the rows.
        active = Q(registrations__status__in=ACTIVE_STATUSES)
        return (
            super()
            .get_queryset(request)
            .annotate(active_registrations=Count("registrations", filter=active))
        )

    @admin.display(description=_("registrations"), ordering="active_registrations")
    def registrations(self, obj: Edition) -> str:
        url = reverse("admin:stockholmstinget_editionregistration_changelist")
        return format_html(
            '<a href="{}?edition__id__exact={}">{}</a>',
            url,
            obj.pk,
            obj.active_registrations,
        )

    @admin.display(description=_("tools"))
    def tools(self, obj: Edition) -> str:
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a> · <a href="{}">{}</a> · <a href="{}">{}</a>',
            reverse("admin:stockholmstinget_edition_programme", args=[obj.pk]),
            _("Programme overview"),
            reverse("admin:stockholmstinget_edition_check_in", args=[obj.pk]),
            _("Check-in"),
            reverse("admin:stockholmstinget_edition_announcement", args=[obj.pk]),
            _("Send an announcement"),
            reverse("admin:stockholmstinget_edition_programme_mail", args=[obj.pk]),
            _("Mail the programme"),
        )

    def get_urls(self):
        return [
            path(
                "<int:pk>/programme/",
                self.admin_site.admin_view(self.programme_view),
                name="stockholmstinget_edition_programme",
            ),
            path(
                "<int:pk>/check-in/",
                self.admin_site.admin_view(self.check_in_view),
                name="stockholmstinget_edition_check_in",
            ),
            path(
                "<int:pk>/check-in/list/",
                self.admin_site.admin_view(self.check_in_list_view),
                name="stockholmstinget_edition_check_in_list",
            ),
            path(
                "<int:pk>/check-in/session/<int:session_pk>/",
                self.admin_site.admin_view(self.check_in_view),
                name="stockholmstinget_session_check_in",
            ),
            path(
                "<int:pk>/check-in/session/<int:session_pk>/list/",
                self.admin_site.admin_view(self.check_in_list_view),
                name="stockholmstinget_session_check_in_list",
            ),
            path(
                "<int:pk>/announcement/",
                self.admin_site.admin_view(self.announcement_view),
                name="stockholmstinget_edition_announcement",
            ),
            path(
                "<int:pk>/programme-mail/",
                self.admin_site.admin_view(self.programme_mail_view),
                name="stockholmstinget_edition_programme_mail",
            ),
            *super().get_urls(),
        ]

    def programme_view(self, request, pk: int):
        """The programme as a grid: one row per time slot, one column per room."""
        edition = get_object_or_404(Edition, pk=pk)
        if not self.has_view_permission(request, edition):
            raise PermissionDenied
        sessions = list(
            Session.objects.filter(edition=edition)
            .with_seats_taken()
            .prefetch_related("speakers")
            .order_by("starts_at", "room")
        )
        rooms = sorted({session.room for session in sessions})
        slots: dict = {}
        for session in sessions:
            row = slots.setdefault((session.starts_at, session.ends_at), {})
            row.setdefault(session.room, []).append(session)
        rows = [
            {"starts_at": start, "ends_at": end, "cells": [cells.get(room, []) for room in rooms]}
            for (start, end), cells in slots.items()
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": _("Programme overview: %(title)s") % {"title": edition.title},
            "edition": edition,
            "rooms": rooms,
            "rows": rows,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/stockholmstinget/programme.html", context)

    def _check_in_door(self, request, pk: int, session_pk: int | None = None):
        """The edition (or one of its sessions), the bookings at its door and the page context."""
        edition = get_object_or_404(Edition, pk=pk)
        session = get_object_or_404(edition.sessions, pk=session_pk) if session_pk else None
        if not (
            self.has_view_permission(request, edition) and self.has_check_in_permission(request)
        ):
            raise PermissionDenied
        if session is None:
            bookings = EditionRegistration.objects.filter(edition=edition)
            args = [edition.pk]
            station, listing = "stockholmstinget_edition_check_in", "_list"
        else:
            bookings = SessionSignup.objects.filter(session=session)
            args = [edition.pk, session.pk]
            station, listing = "stockholmstinget_session_check_in", "_list"
        breadcrumbs = [
            (
                reverse("admin:stockholmstinget_edition_changelist"),
                Edition._meta.verbose_name_plural,
            ),
            (reverse("admin:stockholmstinget_edition_change", args=[edition.pk]), str(edition)),
        ]
        if session is not None:
            breadcrumbs.append(
                (
                    reverse("admin:stockholmstinget_edition_check_in", args=[edition.pk]),
                    session.title,
                )
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": edition,
            "breadcrumbs": breadcrumbs,
            "station_url": reverse(f"admin:{station}", args=args),
            "list_url": reverse(f"admin:{station}{listing}", args=args),
            # The edition's door links to each session's own.
            "doors": []
            if session
            else [
                (
                    reverse("admin:stockholmstinget_session_check_in", args=[edition.pk, s.pk]),
                    f"{timezone.localtime(s.starts_at):%H.%M} {s.title}",
                )
                for s in edition.sessions.order_by("starts_at", "room")
            ],
            "edition": edition,
        }
        return edition, session, bookings, context

    def check_in_view(self, request, pk: int, session_pk: int | None = None):
        edition, session, bookings, context = self._check_in_door(request, pk, session_pk)
        if session is None:
            elsewhere = EditionRegistration.objects.exclude(edition=edition)
            title = _("Check-in: %(title)s") % {"title": edition.title}
        else:
            # A code of this edition not signed up for the session is at the wrong door too.
            elsewhere = SessionSignup.objects.exclude(session=session).filter(
                session__edition=edition
            )
            title = _("Check-in: %(title)s") % {"title": session.title}
        return check_in_station(
            request,
            title=title,
            bookings=bookings,
            elsewhere=elsewhere,
            code_field="check_in_code" if session is None else "registration__check_in_code",
            context=context,
        )

    def check_in_list_view(self, request, pk: int, session_pk: int | None = None):
        edition, session, bookings, context = self._check_in_door(request, pk, session_pk)
        title = session.title if session else edition.title
        return check_in_list(
            request,
            title=_("Check-in list: %(title)s") % {"title": title},
            bookings=bookings.select_related("registration") if session else bookings,
            context=context,
        )

    def has_check_in_permission(self, request) -> bool:
        # Check-in at the door changes registrations, which case officers handle; they only
        # read editions.
        return request.user.has_perm("stockholmstinget.change_editionregistration")

    def _edition_page(self, request, edition: Edition, template: str, context: dict):
        return TemplateResponse(
            request,
            template,
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "original": edition,
                "edition": edition,
                **context,
            },
        )

    def announcement_view(self, request, pk: int):
        edition = get_object_or_404(Edition, pk=pk)
        if not self.has_change_permission(request, edition):
            raise PermissionDenied
        form = InvitationSendForm(request.POST or None)
        preview = None
        if request.method == "POST" and form.is_valid() and "send" not in request.POST:
            # First the count and the mail itself; sending is the next step.
            data = form.cleaned_data
            preview = announcement_preview(
                edition=edition,
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
                mailout = services.announcement_send(
                    edition=edition,
                    emails=data["emails"],
                    groups=data["groups"],
                    municipalities=data["municipalities"],
                    sectors=data["sectors"],
                    created_by=request.user,
                )
            except RefusalError as error:
                form.add_error(None, error.message)
            else:
                self.message_user(
                    request,
                    ngettext(
                        "The announcement goes to %(count)s address; "
                        "addresses it went to before are not mailed again.",
                        "The announcement goes to %(count)s addresses; "
                        "addresses it went to before are not mailed again.",
                        mailout.total,
                    )
                    % {"count": mailout.total},
                    messages.SUCCESS,
                )
                return redirect("admin:portal_mailout_change", mailout.pk)
        return self._edition_page(
            request,
            edition,
            "admin/stockholmstinget/edition/announcement.html",
            {
                "form": form,
                "title": _("Send an announcement"),
                "preview": preview,
                "previews": True,
            },
        )

    def programme_mail_view(self, request, pk: int):
        edition = get_object_or_404(Edition, pk=pk)
        if not self.has_change_permission(request, edition):
            raise PermissionDenied
        if request.method == "POST":
            form = ProgrammeMailForm(request.POST)
            if form.is_valid():
                try:
                    mailout = services.programme_send(
                        edition=edition,
                        version=form.cleaned_data["version"],
                        created_by=request.user,
                    )
                except RefusalError as error:
                    form.add_error(None, error.message)
                else:
                    self.message_user(
                        request,
                        _("The programme is on its way to confirmed registrants."),
                        messages.SUCCESS,
                    )
                    return redirect("admin:portal_mailout_change", mailout.pk)
        else:
            form = ProgrammeMailForm(initial={"version": ProgrammeMailForm.version_new()})
        sent_before = MailOut.objects.filter(
            key__startswith=f"stockholmstinget:programme:{edition.pk}:"
        ).order_by("-created_at")
        return self._edition_page(
            request,
            edition,
            "admin/stockholmstinget/edition/programme_mail.html",
            {
                "form": form,
                "title": _("Mail the programme"),
                "recipients": edition.registrations.filter(
                    status=RegistrationStatus.CONFIRMED
                ).count(),
                "sent_before": sent_before.only("pk", "title", "created_at", "total"),
            },
        )

    @admin.action(description=_("Send an announcement"), permissions=["change"])
    def send_announcement(self, request, queryset):
        return self._one_edition_page(request, queryset, "stockholmstinget_edition_announcement")

    @admin.action(description=_("Mail the programme to registrants"), permissions=["change"])
    def send_programme(self, request, queryset):
        return self._one_edition_page(request, queryset, "stockholmstinget_edition_programme_mail")

    def _one_edition_page(self, request, queryset, url_name: str):
        if queryset.count() != 1:
            self.message_user(request, _("Choose one edition."), messages.WARNING)
            return None
        return redirect(f"admin:{url_name}", queryset.get().pk)

    @admin.action(
        description=_("Publish documentation and mail registrants"), permissions=["change"]
    )
    def publish_documentation(self, request, queryset):
        for edition in queryset:
            try:
                services.documentation_publish(edition=edition, created_by=request.user)
            except RefusalError as error:
                self.message_user(request, f"{edition}: {error.message}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("%(title)s: documentation published.") % {"title": edition.title},
                    messages.SUCCESS,
                )


class SignupInline(admin.TabularInline):
    model = SessionSignup
    extra = 0
    fields = ["session", "status", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        # Each row is titled by its person and session.
        return super().get_queryset(request).select_related("session", "registration__user")


CSV_COLUMNS = [
    ("edition", _("edition")),
    ("name", _("name")),
    ("email", _("email address")),
    ("mode", _("attendance")),
    ("status", _("status")),
    ("sector", _("sector")),
    ("organisation", _("organisation")),
    ("municipality", _("municipality")),
    ("sessions", _("sessions")),
    ("needs", _("accessibility or dietary needs")),
    ("access_requests", _("access requests")),
    ("checked_in_at", _("checked in at")),
]


@admin.register(EditionRegistration)
class EditionRegistrationAdmin(AnswersDisplayMixin, admin.ModelAdmin):
    list_display = [
        "user",
        "edition",
        "mode",
        "status",
        "sector",
        "organisation",
        "municipality",
        "has_needs",
        "checked_in_at",
    ]
    list_filter = ["edition", "mode", "status", "sector", "municipality"]
    search_fields = ["user__email", "user__display_name", "organisation", "check_in_code"]
    list_select_related = ["user", "edition", "municipality"]
    readonly_fields = [
        "edition",
        "user",
        "mode",
        "status",
        "check_in_code",
        "created_at",
        "updated_at",
        "cancelled_at",
        "checked_in_at",
        "answers",
    ]
    fields = [
        *readonly_fields[:5],
        "sector",
        "organisation",
        "municipality",
        "accessibility_needs",
        "dietary_needs",
        "message",
        "consent_to_be_listed",
        "answers",
    ]
    inlines = [SignupInline]
    actions = ["export_csv", "check_in", "cancel"]

    def has_add_permission(self, request):
        # People register themselves; the registration form applies every rule.
        return False

    @admin.display(description=_("needs"), boolean=True)
    def has_needs(self, obj: EditionRegistration) -> bool:
        return bool(obj.needs.strip())

    @admin.action(
        description=_("Export selected as CSV (with needs summary)"), permissions=["view"]
    )
    def export_csv(self, request, queryset):
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="stockholmstinget.csv"'
        response.write("\ufeff")
        writer = csv.writer(response, delimiter=";")
        registrations = list(
            queryset.select_related("user", "edition", "municipality").prefetch_related(
                "signups__session", "access_requests", "answers"
            )
        )
        question_headers, answer_cells = answer_columns(registrations)
        writer.writerow([*(str(label) for _key, label in CSV_COLUMNS), *question_headers])
        needs = Counter()
        modes = Counter()
        for registration in registrations:
            sessions = [
                signup.session.title for signup in registration.signups.all() if signup.is_active
            ]
            if registration.is_active:
                modes[registration.get_mode_display()] += 1
                if registration.needs.strip():
                    needs[registration.get_mode_display()] += 1
            writer.writerow(
                [
                    registration.edition.year,
                    registration.user.get_full_name(),
                    registration.user.email,
                    registration.get_mode_display(),
                    registration.get_status_display(),
                    registration.get_sector_display(),
                    registration.organisation,
                    registration.municipality or "",
                    " | ".join(sessions),
                    " ".join(registration.needs.split()),
                    access_requests_describe(registration.access_requests.all()),
                    registration.checked_in_at.isoformat() if registration.checked_in_at else "",
                    *answer_cells(registration),
                ]
            )
        writer.writerow([])
        writer.writerow([str(_("Needs summary"))])
        for mode, count in sorted(modes.items()):
            writer.writerow(
                [mode, str(_("active registrations")), count, str(_("with needs")), needs[mode]]
            )
        return response

    @admin.action(description=_("Check in selected"), permissions=["change"])
    def check_in(self, request, queryset):
        action_apply(
            request,
            queryset.select_related("user", "edition"),
            lambda r: check_in(registration=r),
            lambda count: ngettext(
                "%(count)s person checked in.", "%(count)s people checked in.", count
            ),
        )

    @admin.action(
        description=_("Cancel selected (seats go to the waitlist)"), permissions=["change"]
    )
    def cancel(self, request, queryset):
        return cancel_action_confirm(
            self,
            request,
            queryset.select_related("user", "edition"),
            lambda r: services.registration_cancel(registration=r, by_staff=True),
        )


from .proposals import admin as proposals_admin  # noqa: E402, F401
