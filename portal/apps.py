from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portal")

    def ready(self) -> None:
        # Registers the calendar-attachment builder the mail worker uses.
        from .registrations import mail  # noqa: F401
