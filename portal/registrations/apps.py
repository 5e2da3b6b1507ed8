from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistrationsConfig(AppConfig):
    """The registration core as an app of its own, so the tables every kind of event shares
    (access requests, their lead times) have one home and one set of migrations."""

    name = "portal.registrations"
    label = "registrations"
    verbose_name = _("Registrations: questions, access and accommodation")

    def ready(self) -> None:
        from accounts.registry import AccountSection, section_register

        from . import access, questions, surveys

        section_register(
            AccountSection(
                key="access_requests",
                title=_("My access and accommodation requests"),
                template="registrations/my_pages_access.html",
                context=access.my_pages_context,
                export=access.export,
                erase=access.erase,
                order=40,
            )
        )
        section_register(
            AccountSection(
                key="answers",
                title=_("My answers to the organisers' questions"),
                template="registrations/my_pages_answers.html",
                context=questions.my_pages_context,
                export=questions.export,
                erase=questions.erase,
                order=45,
            )
        )
        section_register(
            AccountSection(
                key="evaluations",
                title=_("My evaluations"),
                template="registrations/my_pages_evaluations.html",
                context=surveys.my_pages_context,
                export=surveys.export,
                erase=surveys.erase,
                order=46,
            )
        )

        from portal.dashboard import AdminPanel, panel_register

        panel_register(
            AdminPanel(
                key="registrations.late_access",
                title=_("Late access requests"),
                template="admin/registrations/home_late_access.html",
                context=access.late_requests_context,
                permission="registrations.view_accessrequest",
                order=40,
            )
        )
