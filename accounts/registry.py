"""How other apps plug into Mina sidor, "download my data" and account deletion.

An app that holds something of a person's (registrations, sign-ups, subscriptions) registers one
`AccountSection` from its AppConfig.ready()::

    from django.utils.translation import gettext_lazy as _

    from accounts.registry import AccountSection, section_register

    class DialoguesConfig(AppConfig):
        def ready(self):
            from . import account_hooks

            section_register(
                AccountSection(
                    key="dialogues",
                    title=_("Dialogue meetings"),
                    template="dialogues/my_pages_section.html",
                    context=account_hooks.my_pages_context,
                    export=account_hooks.export,
                    erase=account_hooks.erase,
                    order=10,
                )
            )

- `template` is rendered on Mina sidor, under "My registrations", in its own <section> headed
  by an <h3> with `title`; it gets `request`, `user` and whatever `context(user)` returns.
  Headings inside start at <h4>. Say plainly when the person has nothing there.
- `context(user) -> dict` gives the template its data (the person's registrations, say).
- `export(user) -> JSON-ready data` lands under `sections[key]` in the person's data export:
  everything the app stores about them, nothing about anybody else.
- `erase(user) -> None` runs when the person deletes their account, inside the deletion's
  transaction and before their name and address are removed: cancel their active registrations
  through the app's normal cancellation service (so seats are freed and waitlists move), and
  clear free text they gave (needs, messages). Keep the rows themselves so counts survive.
  Raising aborts the whole deletion; nothing is half-done.

Registering the same key again replaces the earlier section (module reloads in development).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise


@dataclass(frozen=True)
class AccountSection:
    key: str
    title: str | Promise
    template: str
    context: Callable[[Any], dict[str, Any]] | None = None
    export: Callable[[Any], Any] | None = None
    erase: Callable[[Any], None] | None = None
    order: int = 100


_sections: dict[str, AccountSection] = {}


def section_register(section: AccountSection) -> AccountSection:
    """Add (or replace) an app's section; call from AppConfig.ready()."""
    _sections[section.key] = section
    return section


def section_unregister(key: str) -> None:
    """Remove a section (tests use this to clean up after themselves)."""
    _sections.pop(key, None)


def sections() -> list[AccountSection]:
    """Registered sections in display order."""
    return sorted(_sections.values(), key=lambda section: (section.order, section.key))
