"""The admin home: the work of the week, one panel per app.

The admin index shows, above the list of models, what needs doing soon: upcoming meetings and
editions with their seats and what waits for a decision, mail-outs still being sent, held
events without minutes or documentation, late accessibility requests. Each app contributes its
own panel from its AppConfig.ready(), so the admin site (accounts) imports no domain app and
the apps do not import each other::

    from portal.dashboard import AdminPanel, panel_register

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

- `context(request) -> dict` gives the template its data. Keep its number of queries fixed
  (annotations and a limit, never a query per row): the index is staff's landing page.
- `permission` (app_label.codename): the panel shows only to staff who hold it.
- `template` is rendered inside the panel's <section>, headed by an <h2> with `title`; headings
  inside start at <h3>. Say plainly when there is nothing to do.

Registering the same key again replaces the earlier panel.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.functional import Promise

# How far ahead "this week's work" looks, in days: a fortnight, so Monday shows next week too.
HORIZON_DAYS = 14
# Rows a panel lists at most; the link to the filtered changelist shows the rest.
ROWS = 10


@dataclass(frozen=True)
class AdminPanel:
    key: str
    title: str | Promise
    template: str
    context: Callable[[HttpRequest], dict[str, Any]]
    permission: str | None = None
    order: int = 100


_panels: dict[str, AdminPanel] = {}


def panel_register(panel: AdminPanel) -> AdminPanel:
    """Add (or replace) an app's panel; call from AppConfig.ready()."""
    _panels[panel.key] = panel
    return panel


def panel_unregister(key: str) -> None:
    _panels.pop(key, None)


def panels() -> list[AdminPanel]:
    """Registered panels in display order."""
    return sorted(_panels.values(), key=lambda panel: (panel.order, panel.key))


@dataclass(frozen=True)
class RenderedPanel:
    key: str
    title: str | Promise
    html: str


def panels_render(request: HttpRequest) -> list[RenderedPanel]:
    """The panels this person may see, rendered."""
    return [
        RenderedPanel(
            key=panel.key,
            title=panel.title,
            html=render_to_string(panel.template, panel.context(request), request=request),
        )
        for panel in panels()
        if panel.permission is None or request.user.has_perm(panel.permission)
    ]
