"""The registration core: what every thing people register for shares.

Dialogue meetings, Stockholmstinget editions and programme sessions are all events with seats.
This package owns, once, what they have in common:

- `models`: the statuses, the check-in code, the abstract registration (needs, message,
  consent to be listed, timestamps, anonymisation) and its QuerySet (`active`, `holding_seat`,
  `waitlist`, `anonymisable`), and the abstract event (calendar sequence).
- `services`: the seat lock (rows locked in a stable order), the seat decision (capacity and
  seats reserved for invitees), inserting a registration with a fresh check-in code, waitlist
  promotion (first come, once), cancellation, check-in by code, reminders that follow a moved
  event, and anonymisation.
- `calendar`: one iCalendar builder (UID, SEQUENCE, METHOD, STATUS:CANCELLED; the VTIMEZONE is
  built once per process).
- `mail`: the registration mails, written to the outbox in the caller's transaction and
  rendered by the mail worker, not in the request.

The domain apps build on it and keep only what is truly theirs (approval and invitee seats for
meetings; attendance modes, sessions and overlaps for Stockholmstinget). The core imports no
domain app.
"""
