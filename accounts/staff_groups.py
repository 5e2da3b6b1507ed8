"""The staff groups and the permissions each one holds.

"Redaktör" (editor) plans and publishes: dialogue series and meetings, invitations, minutes,
summaries and insights, themes, Stockholmstinget editions and programme. "Handläggare" (case
officer) handles people: registrations, waitlists, check-in and approvals, with read access
to what they need around that.

The groups are created by a migration (accounts/migrations/0003_staff_groups.py), but their
permissions cannot be granted there: Django creates permissions in a post_migrate handler, app
by app, after every migration has run, and the apps that own most of these models are built
independently of this one. So `sync_after_migrate` runs after each app's migrations and grants
whatever permissions of the list exist by then. It only adds: a permission staff removed from a
group in the admin stays removed until it is taken off this list and put back, and nothing a
group was given by hand is taken away. Running it again changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

EDITOR = "Redaktör"
CASE_OFFICER = "Handläggare"

ALL = ("add", "change", "delete", "view")
EDIT = ("add", "change", "view")
READ = ("view",)

# group -> app label -> model name -> actions. Models that do not exist (yet) are skipped.
PERMISSIONS: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {
    EDITOR: {
        "portal": {"theme": EDIT, "municipality": READ, "outgoingemail": READ, "mailout": EDIT},
        "dialogues": {
            "dialogueseries": EDIT,
            "meeting": ALL,
            "invitation": EDIT,
            "registration": READ,
            "minutes": ALL,
            "summary": ALL,
            "insight": ALL,
            "subscription": READ,
        },
        "stockholmstinget": {
            "edition": ALL,
            "session": ALL,
            "speaker": ALL,
            "partner": ALL,
            "documentationlink": ALL,
            "editionregistration": READ,
            "sessionsignup": READ,
            # The programme committee: the call, reviewing and deciding on proposals.
            "callforsessions": ALL,
            "callformat": ALL,
            "proposal": ("change", "view"),
            "proposalreview": EDIT,
        },
        "registrations": {
            "accesskind": EDIT,
            "accessrequest": READ,
            "question": ALL,
            "survey": ALL,
        },
        "accounts": {"user": READ},
    },
    CASE_OFFICER: {
        "portal": {"municipality": READ, "outgoingemail": READ, "mailout": READ},
        "dialogues": {
            "dialogueseries": READ,
            "meeting": READ,
            "invitation": EDIT,
            "registration": EDIT,
            "minutes": EDIT,
            "summary": READ,
        },
        "stockholmstinget": {
            "edition": READ,
            "session": READ,
            "speaker": READ,
            "partner": READ,
            "editionregistration": EDIT,
            "sessionsignup": EDIT,
        },
        # Case officers arrange interpreters, loops and the rest, and tell the person.
        "registrations": {
            "accesskind": READ,
            "accessrequest": ("change", "view"),
            "question": READ,
            "survey": READ,
        },
        "accounts": {"user": READ},
    },
}


def _codenames(spec: dict[str, dict[str, tuple[str, ...]]]) -> Iterable[tuple[str, str]]:
    for app_label, models in spec.items():
        for model, actions in models.items():
            for action in actions:
                yield app_label, f"{action}_{model}"


def staff_groups_sync(*, group_model, permission_model, using: str = "default") -> None:
    """Create the staff groups and grant each the listed permissions that exist."""
    for name, spec in PERMISSIONS.items():
        group, _created = group_model.objects.using(using).get_or_create(name=name)
        wanted = set(_codenames(spec))
        labels = {app_label for app_label, _codename in wanted}
        existing = permission_model.objects.using(using).filter(
            content_type__app_label__in=labels,
            codename__in={codename for _label, codename in wanted},
        )
        found = [
            permission
            for permission in existing.select_related("content_type")
            if (permission.content_type.app_label, permission.codename) in wanted
        ]
        group.permissions.add(*found)


def sync_after_migrate(sender, using: str = "default", **kwargs) -> None:
    """post_migrate receiver: runs once per migrated app, after that app's permissions exist."""
    if sender.label not in {label for spec in PERMISSIONS.values() for label in spec}:
        return
    from django.contrib.auth.models import Group, Permission

    staff_groups_sync(group_model=Group, permission_model=Permission, using=using)
