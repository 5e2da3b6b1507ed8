"""Admin actions every registration admin shares: applied through the services, and confirmed
first where they tell people something."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from .services import CheckIn, RegistrationError


def action_apply(
    request: HttpRequest, queryset: QuerySet, operation: Callable, message: str
) -> None:
    """Run `operation` on each row: one success line with the count, one warning per refusal.

    An operation that returns a `CheckIn` for someone already present is reported as such.
    """
    done, errors = 0, []
    for obj in queryset:
        try:
            result = operation(obj)
        except RegistrationError as error:
            errors.append(f"{obj}: {error.message}")
        else:
            if isinstance(result, CheckIn) and not result.first:
                errors.append(result.message)
            else:
                done += 1
    if done:
        messages.success(request, message % {"count": done})
    for error in errors:
        messages.warning(request, error)


def cancel_action_confirm(modeladmin, request: HttpRequest, queryset: QuerySet, cancel: Callable):
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
        message=_("Cancelled %(count)s registrations."),
    )


def action_confirm(
    modeladmin,
    request: HttpRequest,
    queryset: QuerySet,
    *,
    title: str,
    question: str,
    operation: Callable,
    message: str,
):
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
