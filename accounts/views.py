from __future__ import annotations

import json

from allauth.account import views as allauth_views
from allauth.core import ratelimit
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from portal.redirects import next_url

from . import registry, services
from .forms import AccountDeleteForm, ProfileForm
from .models import Sector


class LoginView(allauth_views.LoginView):
    """allauth's login, answering 429 once the failed-login limit for an address is spent."""

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.has_error(NON_FIELD_ERRORS, "too_many_login_attempts"):
            response.status_code = 429
        return response


login = LoginView.as_view()


def _rendered_sections(request) -> list[dict]:
    """Each registered app's part of Mina sidor, rendered with its own context."""
    items = []
    for section in registry.sections():
        context = section.context(request.user) if section.context is not None else {}
        items.append(
            {
                "section": section,
                "html": render_to_string(section.template, context, request=request),
            }
        )
    return items


@never_cache
@login_required
@require_safe
def my_pages(request):
    return render(
        request,
        "accounts/my_pages.html",
        {
            "sections": _rendered_sections(request),
            "profile": request.user,
            "sector_names": [
                Sector(value).label for value in request.user.sectors if value in Sector.values
            ],
        },
    )


def _safe_next(request) -> str | None:
    target = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME)
    return next_url(request, target)


def _profile_form_view(request, *, template: str, success_message: str, default_next: str):
    if request.method == "POST":
        form = ProfileForm(request.POST, user=request.user)
        if form.is_valid():
            services.profile_update(user=request.user, data=form.profile_data())
            messages.success(request, success_message)
            return HttpResponseRedirect(_safe_next(request) or reverse(default_next))
    else:
        form = ProfileForm(user=request.user)
    return render(
        request,
        template,
        {"form": form, "next": _safe_next(request) or "", "redirect_field_name": "next"},
    )


@never_cache
@login_required
def profile_edit(request):
    return _profile_form_view(
        request,
        template="accounts/profile_form.html",
        success_message=_("Your profile has been saved."),
        default_next="accounts:my_pages",
    )


@never_cache
@login_required
def profile_complete(request):
    """The short step after sign-up (or before a first registration) that fills the profile."""
    if request.user.profile_is_complete and request.method == "GET":
        return HttpResponseRedirect(_safe_next(request) or reverse("accounts:my_pages"))
    return _profile_form_view(
        request,
        template="accounts/profile_complete.html",
        success_message=_("Thank you, your profile is complete."),
        default_next="accounts:my_pages",
    )


@never_cache
@login_required
@require_safe
def data_export(request):
    """Download my data: everything the portal stores about the person, as a JSON file."""
    data = services.account_export(user=request.user)
    stamp = timezone.localdate().isoformat()
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="samverkansportalen-{stamp}.json"'
    return response


@never_cache
@login_required
def account_delete(request):
    """Delete my account, after the password is entered again."""
    if request.method == "POST":
        form = AccountDeleteForm(request.POST, user=request.user)
        # Guessing the password here is rate limited like allauth's own reauthentication.
        if not ratelimit.consume(request, action="reauthenticate", user=request.user):
            form.is_valid()
            form.add_error(None, _("Too many attempts. Try again in a minute."))
        elif form.is_valid():
            services.account_delete(user=request.user)
            logout(request)
            messages.success(
                request, _("Your account has been deleted. A confirmation has been sent by email.")
            )
            return redirect("portal:home")
    else:
        form = AccountDeleteForm(user=request.user)
    return render(request, "accounts/account_delete.html", {"form": form})
