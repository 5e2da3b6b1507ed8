from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portal")

    def ready(self) -> None:
        from accounts.registry import Eraser, eraser_register

        # The outbox's tasks, registered in every process: the outbox publishes them by name.
        from . import public_cache, tasks  # noqa: F401
        from .outbox import erasure
        from .outbox import tasks as outbox_tasks  # noqa: F401
        from .registrations import mail  # noqa: F401 - registers the mail worker's .ics builder

        public_cache.signals_connect()

        # Mail-outs first: their rows get new keys, then the outbox blanks every row.
        eraser_register(Eraser(key="portal.mailouts", erase=erasure.mailouts_erase, order=80))
        eraser_register(Eraser(key="portal.outbox", erase=erasure.outbox_erase, order=90))

        from .dashboard import AdminPanel, panel_register
        from .outbox import dashboard as outbox_dashboard

        panel_register(
            AdminPanel(
                key="portal.mailouts",
                title=_("Mail-outs being sent"),
                template="admin/portal/home_mailouts.html",
                context=outbox_dashboard.mailouts_context,
                permission="portal.view_mailout",
                order=30,
            )
        )
