"""iCalendar files of Stockholmstinget: the whole programme, and a registrant's own day."""

from __future__ import annotations

from collections.abc import Iterable

from portal.registrations.calendar import calendar_render

from .models import Edition, EditionRegistration, Session


def programme_render(edition: Edition, sessions: Iterable[Session]) -> bytes:
    """The full public programme: the day and every session, without the stream link."""
    entries = [edition.calendar_entry(), *(session.calendar_entry() for session in sessions)]
    return calendar_render(entries, name=edition.title)


def schedule_render(registration: EditionRegistration) -> bytes:
    """A registrant's own day: the edition and the sessions they chose."""
    return calendar_render(registration.calendar_entries(), name=registration.edition.title)
