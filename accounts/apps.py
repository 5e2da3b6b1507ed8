from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")
    default = True

    def ready(self):
        from . import registry, services, staff_groups

        # The admin site is accounts' (PortalAdminConfig below), and so is its history.
        registry.eraser_register(
            registry.Eraser(key="accounts.admin_log", erase=services.admin_log_erase, order=95)
        )

        # Permissions are created by auth's own post_migrate handler, app by app, after all
        # migrations have run; the staff groups pick up each app's permissions right after.
        post_migrate.connect(
            staff_groups.sync_after_migrate, dispatch_uid="accounts.staff_groups.sync"
        )


class PortalAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the portal's admin site as `admin.site`."""

    default = False
    default_site = "accounts.admin_site.PortalAdminSite"
