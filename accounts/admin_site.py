"""The admin site: staff status and a second factor in this session, or no admin.

Nobody logs in through the admin's own form. The admin's login URL sends people to allauth's
login (rate limited, with the TOTP step for accounts that have MFA), and from there back here:

- not logged in: to `account_login` with `next` back to the admin;
- logged in but not staff (or inactive): 403;
- staff without an authenticator: to the TOTP activation page, with a message;
- staff with an authenticator who signed in without using it in this session (say, they
  activated it after logging in): to `mfa_reauthenticate`, which records the second factor.

allauth writes every authentication step of the session into the session itself; a "mfa"
record there is what "authenticated with a second factor" means. Development has no bypass:
`manage.py demo_staff` gives the demo account a known TOTP secret and recovery codes instead.
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from allauth.account.authentication import get_authentication_records
from allauth.mfa.utils import is_mfa_enabled
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.dashboard import panels_render
from portal.redirects import next_url

# allauth's apps show their models (email addresses, authenticators) in groups of their own,
# one of them also called "Konton"; the index lists them in the portal's one accounts group.
ACCOUNT_APPS = ("account", "mfa")
# allauth's Authenticator has no verbose name (the admin would say "Authenticators").
MODEL_NAMES = {("mfa", "Authenticator"): gettext_lazy("Two-factor authenticators")}


def session_has_second_factor(request: HttpRequest) -> bool:
    """Did the person behind this session complete a second factor while logging in?"""
    records = get_authentication_records(request, request.user)
    return any(record.get("method") == "mfa" for record in records)


def staff_may_use_admin(request: HttpRequest) -> bool:
    user = request.user
    return bool(
        user.is_active
        and user.is_staff
        and is_mfa_enabled(user)
        and session_has_second_factor(request)
    )


def staff_may_preview(request: HttpRequest, permission: str) -> bool:
    """May this session see drafts on the public pages? The same bar as the admin itself
    (staff with a second factor in this session) plus the permission to view the object."""
    return staff_may_use_admin(request) and request.user.has_perm(permission)


# Years a changelist's date drill-down may ask for: Django computes the next year's start and
# fails with a 500 (not a 400) on a year at the end of the calendar or one that is no int.
DATE_HIERARCHY_RANGES = {"year": (2, 9998), "month": (1, 12), "day": (1, 31)}


def _changelist_checked(view, model_admin: admin.ModelAdmin):
    """The changelist view, answering 400 for input the admin would fail on with a 500:
    action ids that are no keys, and date drill-down values out of the calendar."""
    model = model_admin.model

    @wraps(view)
    def checked(request, *args, **kwargs):
        if request.method == "POST":
            for value in request.POST.getlist(ACTION_CHECKBOX_NAME):
                try:
                    model._meta.pk.clean(value, None)
                except ValidationError as error:
                    raise BadRequest("Selected objects are not valid ids.") from error
        if model_admin.date_hierarchy:
            for part, (low, high) in DATE_HIERARCHY_RANGES.items():
                for value in request.GET.getlist(f"{model_admin.date_hierarchy}__{part}"):
                    if not (value.isascii() and value.isdigit() and low <= int(value) <= high):
                        raise BadRequest(f"The {part} is out of range.")
        return view(request, *args, **kwargs)

    return checked


class PortalAdminSite(admin.AdminSite):
    site_header = "Samverkansportalen"
    site_title = "Samverkansportalen"

    def admin_view(self, view, cacheable=False):
        model_admin = getattr(view, "__self__", None)
        if isinstance(model_admin, admin.ModelAdmin) and view.__name__ == "changelist_view":
            view = _changelist_checked(view, model_admin)
        return super().admin_view(view, cacheable)

    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> list[dict]:
        app_list = super().get_app_list(request, app_label)
        for app in app_list:
            for model in app["models"]:
                name = MODEL_NAMES.get((app["app_label"], model["object_name"]))
                if name is not None:
                    model["name"] = name
        accounts = next((app for app in app_list if app["app_label"] == "accounts"), None)
        if accounts is None:
            return app_list
        merged = [app for app in app_list if app["app_label"] in ACCOUNT_APPS]
        for app in merged:
            accounts["models"].extend(app["models"])
        accounts["models"].sort(key=lambda model: str(model["name"]).lower())
        return [app for app in app_list if app["app_label"] not in ACCOUNT_APPS]

    def index(self, request: HttpRequest, extra_context=None):
        """The admin home: each app's panel of the week's work above the list of models."""
        return super().index(
            request, {"work_panels": panels_render(request), **(extra_context or {})}
        )

    def has_permission(self, request: HttpRequest) -> bool:
        return staff_may_use_admin(request)

    def login(self, request: HttpRequest, extra_context=None):
        target = next_url(
            request, request.GET.get(REDIRECT_FIELD_NAME) or request.POST.get(REDIRECT_FIELD_NAME)
        ) or reverse("admin:index", current_app=self.name)
        query = urlencode({REDIRECT_FIELD_NAME: target})
        user = request.user
        if not user.is_authenticated:
            return HttpResponseRedirect(f"{reverse('account_login')}?{query}")
        if not (user.is_active and user.is_staff):
            raise PermissionDenied
        if not is_mfa_enabled(user):
            messages.warning(
                request,
                _(
                    "Staff accounts need two-factor authentication. Activate an authenticator "
                    "app, then open the admin again."
                ),
            )
            return HttpResponseRedirect(reverse("mfa_activate_totp"))
        if not session_has_second_factor(request):
            return HttpResponseRedirect(f"{reverse('mfa_reauthenticate')}?{query}")
        return HttpResponseRedirect(target)
