"""Reach figures from every kind of event, so one report can show them side by side.

The reach report lives in `dialogues`, which must not import `stockholmstinget`; the figures of
every other kind of event people register for come to it through this registry. An app
registers one `ReachSource` from its AppConfig.ready()::

    from portal.registrations.reach import ReachSource, reach_source_register

    reach_source_register(
        ReachSource(key="stockholmstinget", label=_("Stockholmstinget"),
                    figures=reach_hooks.figures, order=20)
    )

`figures(first=, after=, now=)` counts the app's public events that began in
[first, after) and their registrations per municipality (`ReachFigures`). Counts only: the
report masks small numbers of people itself. Registering the same key again replaces the
earlier source (module reloads in development).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class PlaceFigures:
    """One municipality's figures for one kind of event."""

    registrations: int = 0  # confirmed registrations
    check_ins: int = 0  # registrations checked in at the door


@dataclass
class ReachFigures:
    events: int = 0  # public events that began in the range and are over
    # By municipality id; None for registrations that name no municipality.
    places: dict[int | None, PlaceFigures] = field(default_factory=dict)

    def place(self, municipality_id: int | None) -> PlaceFigures:
        return self.places.setdefault(municipality_id, PlaceFigures())


@dataclass(frozen=True)
class ReachSource:
    key: str
    label: object  # a lazy translation
    figures: Callable[..., ReachFigures]
    order: int = 100


_sources: dict[str, ReachSource] = {}


def reach_source_register(source: ReachSource) -> None:
    _sources[source.key] = source


def reach_sources() -> list[ReachSource]:
    return sorted(_sources.values(), key=lambda source: (source.order, source.key))


def reach_figures(
    *, first: dt.datetime, after: dt.datetime, now: dt.datetime
) -> list[tuple[ReachSource, ReachFigures]]:
    """[(source, its figures)] for every registered kind of event, in order."""
    return [
        (source, source.figures(first=first, after=after, now=now)) for source in reach_sources()
    ]
