"""Admin actions every registration admin shares: applied through the services, and confirmed
first where they tell people something."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext_lazy as _

from portal.admin import StaffInputMixin
from portal.errors import RefusalError

from .models import (
    EVENT_LINKS,
    AccessKind,
    AccessRequest,
    AccessRequestStatus,
    Answer,
    Question,
    QuestionPurpose,
    Survey,
    VenueFacts,
    event_model,
    linked_registration_models,
)
from .services import CheckIn, StrOrPromise

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

    from .models import RegistrableEvent, Registration
    from .surveys import SurveyResults

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


# --- questions ------------------------------------------------------------------------------------


def questions_url(event: RegistrableEvent, *, add: bool = False) -> str:
    """The event's questions in admin (or the form for a new one, with the event filled in)."""
    field = EVENT_LINKS[event._meta.label_lower]
    if add:
        return f"{reverse('admin:registrations_question_add')}?{field}={event.pk}"
    return f"{reverse('admin:registrations_question_changelist')}?{field}__id__exact={event.pk}"


class QuestionsLinkMixin:
    """Gives an event's admin a read-only `questions` field: how many questions it asks, with
    links to them and to a new one (one query, however many there are)."""

    @admin.display(description=_("questions"))
    def questions(self, obj: RegistrableEvent | None) -> StrOrPromise:
        if not obj or not obj.pk:
            return _("Save the event first; then add its questions.")
        counts = (
            Question.objects.for_event(obj)
            .current()
            .aggregate(
                registration=Count("pk", filter=Q(purpose=QuestionPurpose.REGISTRATION)),
                evaluation=Count("pk", filter=Q(purpose=QuestionPurpose.EVALUATION)),
            )
        )
        field = EVENT_LINKS[obj._meta.label_lower]
        survey = Survey.objects.filter(**{field: obj}).values_list("pk", flat=True).first()
        evaluation = (
            format_html(
                '<a href="{}">{}</a>',
                reverse("admin:registrations_survey_results", args=[survey]),
                _("Evaluation results"),
            )
            if survey
            else format_html(
                '<a href="{}?{}={}">{}</a>',
                reverse("admin:registrations_survey_add"),
                field,
                obj.pk,
                _("Add an evaluation"),
            )
        )
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a> · {}',
            questions_url(obj),
            _("%(registration)s asked at registration, %(evaluation)s in the evaluation") % counts,
            questions_url(obj, add=True),
            _("Add a question"),
            evaluation,
        )


class AnswersDisplayMixin:
    """Gives a registration's admin a read-only `answers` field: the person's answers."""

    @admin.display(description=_("answers"))
    def answers(self, obj: Registration | None) -> StrOrPromise:
        if not obj or not obj.pk:
            return "-"
        language = get_language() or "sv"
        rows = [
            (answer.question.label, answer.display(language) or _("(cleared)"))
            # The evaluation's answers are reported only in groups, never per person.
            for answer in Answer.objects.for_registration(obj)
            .filter(question__purpose=QuestionPurpose.REGISTRATION)
            .select_related("question")
        ]
        if not rows:
            return _("No answers.")
        return format_html(
            "<dl>{}</dl>",
            format_html_join("", "<dt>{}</dt><dd>{}</dd>", rows),
        )


class ArchivedFilter(admin.SimpleListFilter):
    title = _("archived")
    parameter_name = "arkiverad"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]
    ) -> list[tuple[str, _StrPromise]]:
        return [("nej", _("Asked")), ("ja", _("Archived"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Question]) -> QuerySet[Question]:
        if self.value() == "nej":
            return queryset.filter(archived_at__isnull=True)
        if self.value() == "ja":
            return queryset.filter(archived_at__isnull=False)
        return queryset


class QuestionEventFilter(admin.SimpleListFilter):
    title = _("kind of event")
    parameter_name = "evenemang"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]
    ) -> list[tuple[str, _StrPromise]]:
        return [("meeting", _("Dialogue meetings")), ("edition", _("Stockholmstinget"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Question]) -> QuerySet[Question]:
        if self.value() in ("meeting", "edition"):
            return queryset.filter(**{f"{self.value()}__isnull": False})
        return queryset


@admin.register(Question)
class QuestionAdmin(StaffInputMixin, admin.ModelAdmin):  # type: ignore[type-arg]  # generic in the stubs only
    list_display = [
        "label",
        "event",
        "purpose",
        "kind",
        "position",
        "required",
        "condition",
        "answer_count",
        "archived_at",
    ]
    list_display_links = ["label"]
    list_filter = ["purpose", "kind", ArchivedFilter, QuestionEventFilter]
    list_select_related = ["meeting", "edition", "condition_question"]
    search_fields = ["label", "label_en", "meeting__title", "edition__title"]
    raw_id_fields = ["meeting", "edition", "condition_question"]
    fieldsets = [
        (None, {"fields": ["meeting", "edition", "purpose", "position", "kind", "required"]}),
        (
            _("Text"),
            {"fields": ["label", "label_en", "help_text", "help_text_en", "choices", "choices_en"]},
        ),
        (
            _("Shown only when an earlier answer is"),
            {"fields": ["condition_question", "condition_value"]},
        ),
        (None, {"fields": ["archived_at"]}),
    ]
    # Archived and asked again through the actions, which record when.
    readonly_fields = ["archived_at"]
    actions = ["archive", "restore"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Question]:
        queryset: QuerySet[Question] = (
            super().get_queryset(request).annotate(answers_total=Count("answers"))
        )
        return queryset

    @admin.display(description=_("event"))
    def event(self, obj: Question) -> str:
        return str(obj.event)

    @admin.display(description=_("shown only when"))
    def condition(self, obj: Question) -> str:
        if obj.condition_question is None:
            return ""
        return f"{obj.condition_question.label} = {obj.condition_value}"

    @admin.display(description=_("answers"), ordering="answers_total")
    def answer_count(self, obj: Question) -> int:
        total: int = obj.answers_total  # type: ignore[attr-defined]  # annotated by get_queryset
        return total

    # An answered question is archived, never deleted: its answers keep their question.
    def has_delete_permission(self, request: HttpRequest, obj: Question | None = None) -> bool:
        if obj is not None and (obj.answers.exists() or obj.dependants.exists()):
            return False
        return super().has_delete_permission(request, obj)

    def delete_model(self, request: HttpRequest, obj: Question) -> None:
        from .questions import question_delete

        question_delete(question=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Question]) -> None:
        from .questions import question_delete

        action_apply(
            request,
            queryset,
            lambda question: question_delete(question=question),
            lambda count: ngettext(
                "%(count)s question deleted.", "%(count)s questions deleted.", count
            ),
        )

    @admin.action(
        description=_("Archive selected questions (no longer asked)"), permissions=["change"]
    )
    def archive(self, request: HttpRequest, queryset: QuerySet[Question]) -> None:
        from .questions import question_archive

        action_apply(
            request,
            queryset,
            lambda question: question_archive(question=question),
            lambda count: ngettext(
                "%(count)s question archived.", "%(count)s questions archived.", count
            ),
        )

    @admin.action(description=_("Ask selected questions again"), permissions=["change"])
    def restore(self, request: HttpRequest, queryset: QuerySet[Question]) -> None:
        from .questions import question_restore

        action_apply(
            request,
            queryset,
            lambda question: question_restore(question=question),
            lambda count: ngettext(
                "%(count)s question asked again.", "%(count)s questions asked again.", count
            ),
        )


# --- evaluations ---------------------------------------------------------------------------------


@admin.register(Survey)
class SurveyAdmin(StaffInputMixin, admin.ModelAdmin):  # type: ignore[type-arg]  # generic in the stubs only
    list_display = ["__str__", "closes_at", "reminder_after_days", "invited", "answered", "tools"]
    list_select_related = ["meeting", "edition"]
    raw_id_fields = ["meeting", "edition"]
    fields = ["meeting", "edition", "closes_at", "reminder_after_days", "questions_link"]
    readonly_fields = ["questions_link"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Survey]:
        queryset: QuerySet[Survey] = (
            super()
            .get_queryset(request)
            .annotate(
                invited_total=Count("invitations"),
                answered_total=Count(
                    "invitations", filter=Q(invitations__answered_at__isnull=False)
                ),
            )
        )
        return queryset

    @admin.display(description=_("mailed"), ordering="invited_total")
    def invited(self, obj: Survey) -> int:
        total: int = obj.invited_total  # type: ignore[attr-defined]  # annotated by get_queryset
        return total

    @admin.display(description=_("answered"), ordering="answered_total")
    def answered(self, obj: Survey) -> int:
        total: int = obj.answered_total  # type: ignore[attr-defined]  # annotated by get_queryset
        return total

    @admin.display(description=_("results"))
    def tools(self, obj: Survey) -> str:
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            reverse("admin:registrations_survey_results", args=[obj.pk]),
            _("Results"),
            reverse("admin:registrations_survey_results_csv", args=[obj.pk]),
            _("CSV"),
        )

    @admin.display(description=_("questions"))
    def questions_link(self, obj: Survey | None) -> StrOrPromise:
        if not obj or not obj.pk:
            return _("Three questions are added when you save; change them afterwards.")
        return format_html(
            '<a href="{}&purpose__exact=evaluation">{}</a>',
            questions_url(obj.event),
            _("The evaluation's questions"),
        )

    def save_model(self, request: HttpRequest, obj: Survey, form: Any, change: bool) -> None:
        from .surveys import survey_questions_default

        super().save_model(request, obj, form, change)
        if not change:
            survey_questions_default(obj)

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "<int:pk>/resultat/",
                self.admin_site.admin_view(self.results_view),
                name="registrations_survey_results",
            ),
            path(
                "<int:pk>/resultat.csv",
                self.admin_site.admin_view(self.results_csv_view),
                name="registrations_survey_results_csv",
            ),
            *super().get_urls(),
        ]

    def _results(self, request: HttpRequest, pk: int) -> SurveyResults:
        from .surveys import survey_results

        survey = get_object_or_404(Survey.objects.select_related("meeting", "edition"), pk=pk)
        if not self.has_view_permission(request, survey):
            raise PermissionDenied
        return survey_results(survey)

    def results_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        from .surveys import THRESHOLD

        results = self._results(request, pk)
        return TemplateResponse(
            request,
            "admin/registrations/survey_results.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Evaluation results: %(event)s") % {"event": results.survey.event},
                "results": results,
                "threshold": THRESHOLD,
                "opts": self.model._meta,
                "original": results.survey,
            },
        )

    def results_csv_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        import csv

        from django.http import HttpResponse

        results = self._results(request, pk)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="utvardering.csv"'
        response.write("\ufeff")  # Excel opens UTF-8 correctly only with a BOM.
        writer = csv.writer(response, delimiter=";")
        writer.writerow([_("Evaluation"), str(results.survey.event)])
        writer.writerow([_("Mailed"), results.invited])
        writer.writerow([_("Answered"), results.answered])
        if not results.shown:
            writer.writerow([_("Fewer than five answers: no results are shown.")])
            return response
        for title, rows in (
            (_("Municipality"), results.municipalities),
            (_("Stakeholder group"), results.groups),
        ):
            writer.writerow([])
            writer.writerow([title, _("Mailed"), _("Answered"), _("Response rate (%)")])
            for row in rows:
                writer.writerow(
                    [row.label, row.invited, row.answered, row.percent]
                    if row.shown
                    else [row.label, "", "", _("fewer than five answers")]
                )
        writer.writerow([])
        writer.writerow([_("Question"), _("Answer"), _("Count"), _("Share (%)")])
        for result in results.questions:
            if not result.shown:
                writer.writerow([result.text, _("fewer than five answers")])
                continue
            for choice in result.choices:
                writer.writerow([result.text, choice.label, choice.count, choice.percent])
            if result.average is not None:
                writer.writerow([result.text, _("average"), result.average])
            for text in result.texts:
                writer.writerow([result.text, text])
        return response
