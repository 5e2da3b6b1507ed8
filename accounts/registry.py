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

Erasers: where a person's address or name sits outside their own rows
---------------------------------------------------------------------

Account deletion must leave the person's address and name nowhere: not in an invitation bound to
their address, a mail-out's stored recipient list, the outbox, or the admin's log. An app that
stores addresses or names as text (not only as a foreign key to the user) registers an
`Eraser` from its AppConfig.ready()::

    from accounts.registry import Eraser, eraser_register

    eraser_register(Eraser(key="dialogues.invitations", erase=erasure.invitations_erase))

`erase(subject)` gets an `ErasureSubject`: the user (still with name and address), the
addresses that are provably theirs, the strings to look for (`terms`) and helpers to find
(`mentioned_in`) and replace (`scrub`) them. It runs in the deletion's transaction after every
section's `erase`, in `order`; raising aborts the deletion. Keep the rows (counts survive) but
replace what identifies the person, and make sure no sweep of the app selects them again.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils.functional import Promise

ERASED = "[erased]"


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


@dataclass(frozen=True)
class ErasureSubject:
    """The person an account deletion erases, and how to find them in text.

    `addresses` are the lower-cased addresses the person proved to own (their confirmed
    EmailAddress rows; an unconfirmed one may be somebody else's). `names` is their display
    name as a whole (never its parts: a first name alone would also match other people).
    `placeholder_email` is what an address becomes (`deleted-<pk>@anonymised.invalid`), so a
    unique column stays unique; `keep_keys` are outbox keys to leave alone for now (the deletion
    confirmation, cleared once sent).
    """

    user: Any
    addresses: frozenset[str]
    names: tuple[str, ...]
    placeholder_email: str
    keep_keys: frozenset[str] = frozenset()

    @property
    def terms(self) -> tuple[str, ...]:
        """Every string that identifies the person, longest first."""
        terms = {t.strip() for t in (*self.addresses, *self.names) if t and t.strip()}
        return tuple(sorted(terms, key=lambda t: (-len(t), t)))

    def _variants(self, term: str) -> set[str]:
        # JSON columns and admin change messages store non-ASCII text escaped ("\u00e5").
        return {term, json.dumps(term)[1:-1]}

    def mentioned_in(self, *fields: str) -> Q:
        """Rows where any of `fields` contains any term (case-insensitive); Q() matches none."""
        query = Q(pk__in=[])
        for field in fields:
            for term in self.terms:
                for variant in self._variants(term):
                    query |= Q(**{f"{field}__icontains": variant})
        return query

    def scrub(self, text: str) -> str:
        """`text` with every address replaced by the placeholder and every name by [erased]."""
        for term in self.terms:
            replacement = self.placeholder_email if term in self.addresses else ERASED
            for variant in self._variants(term):
                text = re.sub(re.escape(variant), replacement, text, flags=re.IGNORECASE)
        return text

    def is_theirs(self, address: str) -> bool:
        return address.strip().lower() in self.addresses


@dataclass(frozen=True)
class Eraser:
    key: str
    erase: Callable[[ErasureSubject], None]
    order: int = 100


_erasers: dict[str, Eraser] = {}


def eraser_register(eraser: Eraser) -> Eraser:
    """Add (or replace) an app's eraser; call from AppConfig.ready()."""
    _erasers[eraser.key] = eraser
    return eraser


def erasers() -> list[Eraser]:
    """Registered erasers in the order they run."""
    return sorted(_erasers.values(), key=lambda eraser: (eraser.order, eraser.key))
