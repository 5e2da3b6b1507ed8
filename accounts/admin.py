from allauth.account.admin import EmailAddressAdmin as AllauthEmailAddressAdmin
from allauth.account.models import EmailAddress
from allauth.mfa.admin import AuthenticatorAdmin as AllauthAuthenticatorAdmin
from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from portal.admin import StaffInputMixin

from .forms import UserChangeForm, UserCreationForm
from .models import User


class ConsentFilter(admin.SimpleListFilter):
    title = _("consent")
    parameter_name = "consent"

    def lookups(self, request, model_admin):
        return [
            ("invitations", _("Invitations: given")),
            ("no_invitations", _("Invitations: not given")),
            ("listing", _("Public attendee lists: given")),
            ("no_listing", _("Public attendee lists: not given")),
        ]

    def queryset(self, request, queryset):
        lookups = {
            "invitations": {"invitations_consented_at__isnull": False},
            "no_invitations": {"invitations_consented_at__isnull": True},
            "listing": {"public_listing_consented_at__isnull": False},
            "no_listing": {"public_listing_consented_at__isnull": True},
        }
        if self.value() in lookups:
            return queryset.filter(**lookups[self.value()])
        return queryset


class ProfileCompleteFilter(admin.SimpleListFilter):
    title = _("profile")
    parameter_name = "profile"

    def lookups(self, request, model_admin):
        return [("complete", _("Complete")), ("incomplete", _("Not complete"))]

    def queryset(self, request, queryset):
        if self.value() == "complete":
            return queryset.filter(profile_completed_at__isnull=False)
        if self.value() == "incomplete":
            return queryset.filter(profile_completed_at__isnull=True)
        return queryset


@admin.register(User)
class UserAdmin(StaffInputMixin, DjangoUserAdmin):
    """People and staff. Password hashes and tokens are never shown: a password can only be
    replaced (through the separate change-password form), not read."""

    form = UserChangeForm
    add_form = UserCreationForm
    ordering = ["email"]
    list_display = [
        "email",
        "display_name",
        "organisation",
        "stakeholder_group",
        "municipality",
        "is_staff",
        "is_active",
        "date_joined",
    ]
    list_filter = [
        "stakeholder_group",
        "municipality",
        ConsentFilter,
        ProfileCompleteFilter,
        "preferred_language",
        "is_staff",
        "is_active",
        "groups",
    ]
    list_select_related = ["municipality"]
    search_fields = ["email", "display_name", "organisation"]
    readonly_fields = [
        "password_status",
        "last_login",
        "date_joined",
        "profile_completed_at",
        "invitations_consented_at",
        "public_listing_consented_at",
        "anonymised_at",
    ]
    fieldsets = [
        (None, {"fields": ["email", "password_status"]}),
        (
            _("Profile"),
            {
                "fields": [
                    "display_name",
                    "organisation",
                    "stakeholder_group",
                    "municipality",
                    "sectors",
                    "preferred_language",
                    "profile_completed_at",
                ]
            },
        ),
        (_("Consents"), {"fields": ["invitations_consented_at", "public_listing_consented_at"]}),
        (
            _("Permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Important dates"), {"fields": ["last_login", "date_joined", "anonymised_at"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]}),
    ]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "user_permissions":
            # Each permission is labelled with its content type, as in the group admin.
            kwargs.setdefault(
                "queryset", db_field.remote_field.model.objects.select_related("content_type")
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.display(description=_("password"))
    def password_status(self, obj: User):
        if obj is None or obj.pk is None:
            return "-"
        state = _("Set") if obj.has_usable_password() else _("Not set")
        url = reverse("admin:auth_user_password_change", args=[obj.pk])
        return format_html('{} · <a href="{}">{}</a>', state, url, _("Change password"))


# allauth's authenticator admin would show the TOTP secret and the recovery-code seed.
admin.site.unregister(Authenticator)


@admin.register(Authenticator)
class AuthenticatorAdmin(AllauthAuthenticatorAdmin):
    fields = ["user", "type", "created_at", "last_used_at"]
    readonly_fields = ["user", "type", "created_at", "last_used_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        # The model has no verbose name to translate ("Select authenticator to view").
        return super().changelist_view(
            request, {"title": _("Two-factor authenticators"), **(extra_context or {})}
        )


# allauth's "mark as verified" action declares no permission, so staff who may only read
# addresses could verify them.
admin.site.unregister(EmailAddress)


@admin.register(EmailAddress)
class EmailAddressAdmin(AllauthEmailAddressAdmin):
    @admin.action(
        description=AllauthEmailAddressAdmin.make_verified.short_description,
        permissions=["change"],
    )
    def make_verified(self, request, queryset):
        return super().make_verified(request, queryset)
