from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DialoguesConfig(AppConfig):
    name = "dialogues"
    verbose_name = _("Dialogue meetings")

    def ready(self):
        from accounts.registry import AccountSection, Eraser, eraser_register, section_register

        from . import account_hooks
        from .summaries import account_hooks as summaries_account_hooks

        section_register(
            AccountSection(
                key="dialogues",
                title=_("My dialogue meetings"),
                template="dialogues/my_pages_section.html",
                context=account_hooks.my_pages_context,
                export=account_hooks.export,
                erase=account_hooks.erase,
                order=10,
            )
        )
        section_register(
            AccountSection(
                key="summary_alerts",
                title=_("Alerts on new summaries"),
                template="dialogues/summary_alerts_section.html",
                context=summaries_account_hooks.my_pages_context,
                export=summaries_account_hooks.export,
                erase=summaries_account_hooks.erase,
                order=20,
            )
        )
        eraser_register(Eraser(key="dialogues.invitations", erase=account_hooks.invitations_erase))

        from portal.dashboard import AdminPanel, panel_register

        from . import dashboard

        panel_register(
            AdminPanel(
                key="dialogues.meetings",
                title=_("Dialogue meetings"),
                template="admin/dialogues/home_panel.html",
                context=dashboard.meetings_context,
                permission="dialogues.view_meeting",
                order=10,
            )
        )
