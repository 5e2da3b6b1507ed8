from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DialoguesConfig(AppConfig):
    name = "dialogues"
    verbose_name = _("Dialogue meetings")

    def ready(self):
        from accounts.registry import AccountSection, section_register

        from . import account_hooks

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
