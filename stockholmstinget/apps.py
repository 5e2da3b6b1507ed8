from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StockholmstingetConfig(AppConfig):
    name = "stockholmstinget"
    verbose_name = _("Stockholmstinget")

    def ready(self):
        from accounts.registry import AccountSection, section_register
        from portal.registrations.reach import ReachSource, reach_source_register

        from . import account_hooks, reach_hooks

        section_register(
            AccountSection(
                key="stockholmstinget",
                title=_("Stockholmstinget"),
                template="stockholmstinget/my_pages_section.html",
                context=account_hooks.my_pages_context,
                export=account_hooks.export,
                erase=account_hooks.erase,
                order=20,
            )
        )
        # Editions beside the dialogue meetings in the reach report, which cannot import us.
        reach_source_register(
            ReachSource(
                key="stockholmstinget",
                label=_("Stockholmstinget"),
                figures=reach_hooks.figures,
                order=20,
            )
        )

        from portal.dashboard import AdminPanel, panel_register

        from . import dashboard

        panel_register(
            AdminPanel(
                key="stockholmstinget.editions",
                title=_("Stockholmstinget"),
                template="admin/stockholmstinget/home_panel.html",
                context=dashboard.editions_context,
                permission="stockholmstinget.view_edition",
                order=20,
            )
        )
