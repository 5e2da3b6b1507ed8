"""Operations on Stockholmstinget registrations and session sign-ups, with their rules.

Every operation that can change who holds a seat locks the edition row first (and then the
sessions it touches, in primary-key order) and recounts inside the same transaction, so neither
the edition's nor a session's capacity is exceeded however many requests arrive at once.
The lifecycle itself (seat decision, waitlist, cancellation, check-in, reminders, calendar
files, mails) is the registration core's (portal.registrations); this module keeps what is
Stockholmstinget's own: attendance modes, session choices and their overlaps.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import QuerySet, Value
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.services import invitees_collect
from portal.errors import RefusalError
from portal.outbox.models import MailOut
from portal.registrations import services as core
from portal.registrations.access import AccessWish, access_requests_set
from portal.registrations.questions import answers_set, questions_asked

from .emails import (
    announcement_mailout_create,
    documentation_mailout_create,
    programme_mailout_create,
    registration_email_enqueue,
)
from .models import (
    AttendanceMode,
    Edition,
    EditionRegistration,
    EditionStatus,
    RegistrationStatus,
    Session,
    SessionSignup,
    SignupStatus,
)

if TYPE_CHECKING:
    from accounts.models import User
    from portal.models import Municipality

__all__ = [
    "RefusalError",
    "announcement_send",
    "documentation_publish",
    "edition_publish",
    "edition_save",
    "edition_seats_left",
    "programme_send",
    "registration_cancel",
    "registration_refusal",
    "registration_save",
    "reminders_send",
    "session_save",
    "session_waitlist_promote",
    "waitlist_promote",
]


# --- reads that carry rules -------------------------------------------------------------------


REFUSALS = {
    "cancelled": _("This Stockholmstinget has been cancelled."),
    "not_published": _("Registration is not open."),
    "started": _("Registration has closed."),
    "not_open_yet": _("Registration opens %(opens)s."),
    "closed": _("Registration has closed."),
}


def registration_refusal(
    *, edition: Edition, now: dt.datetime | None = None
) -> RefusalError | None:
    """Why nobody may register for (or change a registration to) `edition` now, or None.

    The one rule the pages, the form and `registration_save` all ask.
    """
    return core.registration_window_refusal(edition, now=now, messages=REFUSALS)


def registration_is_open(edition: Edition, now: dt.datetime | None = None) -> bool:
    return registration_refusal(edition=edition, now=now) is None


def edition_seats(edition: Edition) -> core.Seats:
    """The edition's in-person seats, counted in one query."""
    return core.seats_count(
        EditionRegistration.objects.filter(edition=edition), capacity=edition.capacity
    )


def edition_seats_left(edition: Edition) -> int | None:
    """Free in-person seats; None when the edition has no limit."""
    return edition_seats(edition).left()


def session_seats(session: Session) -> core.Seats:
    return core.seats_count(
        SessionSignup.objects.filter(session=session), capacity=session.capacity
    )


def waitlist_position(registration: EditionRegistration) -> int | None:
    return core.waitlist_position(registration)


# --- internal steps (the caller holds the edition lock) ---------------------------------------


def _edition_lock(edition: Edition) -> Edition:
    return core.event_lock(edition)


def _sessions_lock(edition: Edition, ids: Iterable[int]) -> dict[int, Session]:
    # After the edition's lock, in primary-key order: two requests never wait on each other.
    # A draft session is no choice to make; one already chosen is still locked to be let go.
    return core.rows_lock(Session.objects.filter(edition=edition, pk__in=set(ids)))


def _choices_check(*, mode: str, sessions: list[Session]) -> None:
    if mode == AttendanceMode.DIGITAL:
        for session in sessions:
            if session.in_person_only:
                raise RefusalError(
                    _("“%(title)s” is only held on site; digital participants cannot choose it.")
                    % {"title": session.title},
                    "in_person_only",
                )
    ordered = sorted(sessions, key=lambda session: (session.starts_at, session.pk))
    for earlier, later in pairwise(ordered):
        if earlier.overlaps(later):
            raise RefusalError(
                _("“%(first)s” and “%(second)s” take place at the same time; choose one.")
                % {"first": earlier.title, "second": later.title},
                "overlap",
            )


def _signup_status(registration: EditionRegistration, session: Session) -> SignupStatus:
    if registration.status != RegistrationStatus.CONFIRMED:
        return SignupStatus.WAITLISTED
    if registration.mode == AttendanceMode.DIGITAL:
        return SignupStatus.CONFIRMED
    return SignupStatus.CONFIRMED if session_seats(session).has_seat() else SignupStatus.WAITLISTED


def _signups_cancel(signups: Iterable[SessionSignup], now: dt.datetime) -> None:
    for signup in signups:
        core.booking_cancel(signup, now=now)


def _mail(registration: EditionRegistration, kind: str, key: str = "", **extra: Any) -> None:
    if registration.status == RegistrationStatus.WAITLISTED:
        extra.setdefault("position", waitlist_position(registration))
    registration_email_enqueue(registration=registration, kind=kind, key=key, extra=extra)


# --- registrants ------------------------------------------------------------------------------


def registration_save(
    *,
    edition: Edition,
    user: User,
    mode: str,
    sector: str,
    organisation: str = "",
    municipality: Municipality | None = None,
    accessibility_needs: str = "",
    dietary_needs: str = "",
    message: str = "",
    consent_to_be_listed: bool = False,
    session_ids: Iterable[int] = (),
    access: Sequence[AccessWish] | None = None,
    answers: Mapping[int, str] | None = None,
    now: dt.datetime | None = None,
) -> EditionRegistration:
    """Register `user`, or change their registration, with the sessions they choose.

    In person takes an edition seat if one is free, else a place on the waitlist; digital is
    never capped. Each chosen session gives a seat or a place on that session's waitlist. The
    whole choice is refused (and nothing is saved) when a session is unknown, in-person only
    for a digital participant, or overlaps another choice.
    """
    when = now or timezone.now()
    requested = frozenset(int(pk) for pk in session_ids)
    details: dict[str, Any] = {
        "sector": sector,
        "organisation": organisation,
        "municipality": municipality,
        "accessibility_needs": accessibility_needs,
        "dietary_needs": dietary_needs,
        "message": message,
        "consent_to_be_listed": consent_to_be_listed,
    }

    def attempt() -> EditionRegistration:
        # Each attempt starts from the arguments: the locked edition replaces the one passed in.
        with transaction.atomic():
            return _registration_save_locked(
                edition=_edition_lock(edition),
                user=user,
                mode=mode,
                details=details,
                requested=requested,
                access=access,
                answers=answers,
                now=when,
            )

    return core.with_fresh_codes(attempt)


def _registration_save_locked(
    *,
    edition: Edition,
    user: User,
    mode: str,
    details: dict[str, Any],
    requested: frozenset[int],
    access: Sequence[AccessWish] | None,
    answers: Mapping[int, str] | None,
    now: dt.datetime,
) -> EditionRegistration:
    """`registration_save` under the edition's lock."""
    refusal = registration_refusal(edition=edition, now=now)
    if refusal:
        raise refusal
    if mode not in edition.modes():
        raise RefusalError(
            _("This Stockholmstinget cannot be attended that way."), "mode_not_offered"
        )
    registration = (
        EditionRegistration.objects.active()
        .select_for_update()
        .filter(edition=edition, user=user)
        .first()
    )
    current = _active_signups(registration)
    sessions = _sessions_lock(edition, requested | set(current))
    _choice_check(mode=mode, sessions=sessions, requested=requested)

    edition_seat_freed = False
    released: set[int] = set()
    to_sign_up = set(requested)
    if registration is None:
        registration = _registration_create(
            edition=edition, user=user, mode=mode, details=details, now=now
        )
    else:
        mode_changed = registration.mode != mode
        edition_seat_freed = _registration_change(
            registration, edition=edition, mode=mode, details=details, now=now
        )
        # A new attendance mode means every choice is weighed again against the seats.
        keep = set() if mode_changed else requested & set(current)
        released = set(current) - keep
        _signups_cancel([current[pk] for pk in released], now)
        to_sign_up -= keep
    _signups_create(registration, [sessions[pk] for pk in to_sign_up], now=now)
    registration.edition = edition
    # The person's access requests as they stand now (None: as they were).
    if access is not None:
        access_requests_set(registration=registration, wishes=access, now=now)
    # And their answers to the edition's questions (None: as they were).
    if answers is not None:
        answers_set(
            registration=registration, questions=questions_asked(edition), values=answers, now=now
        )
    kind = (
        "registration_waitlisted"
        if registration.status == RegistrationStatus.WAITLISTED
        else "registration_confirmed"
    )
    _mail(
        registration, kind, key=f"stockholmstinget:{kind}:{registration.pk}:{registration.version}"
    )
    # Only a choice given up (or a change of mode) frees a session seat; a new registration
    # frees none, and skips the waitlists.
    for pk in sorted(released):
        session_waitlist_promote(session=sessions[pk])
    if edition_seat_freed:
        waitlist_promote(edition=edition)
    return registration


def _active_signups(registration: EditionRegistration | None) -> dict[int, SessionSignup]:
    """The registration's current session choices, by session."""
    if registration is None:
        return {}
    return {signup.session_id: signup for signup in registration.signups.active()}


def _choice_check(*, mode: str, sessions: dict[int, Session], requested: frozenset[int]) -> None:
    # A plenary session is everyone's: choosing it is as meaningless as a forged id.
    choosable = {pk for pk, s in sessions.items() if s.published and not s.plenary}
    if not requested <= choosable:
        raise RefusalError(
            _("One of the chosen sessions is not part of this programme."),
            "session_unknown",
        )
    _choices_check(mode=mode, sessions=[sessions[pk] for pk in requested])


def _registration_create(
    *, edition: Edition, user: User, mode: str, details: dict[str, Any], now: dt.datetime
) -> EditionRegistration:
    """A new registration: in person takes a free edition seat or waits; digital never waits."""
    has_seat = mode != AttendanceMode.IN_PERSON or edition_seats_left(edition) != 0
    return core.registration_insert(
        EditionRegistration,
        edition=edition,
        user=user,
        mode=mode,
        **details,
        status=RegistrationStatus.CONFIRMED if has_seat else RegistrationStatus.WAITLISTED,
        created_at=now,
        updated_at=now,
    )


def _registration_change(
    registration: EditionRegistration,
    *,
    edition: Edition,
    mode: str,
    details: dict[str, Any],
    now: dt.datetime,
) -> bool:
    """Apply a new mode and details to a locked registration; True when an edition seat is
    freed (a confirmed in-person participant goes digital)."""
    edition_seat_freed = False
    if registration.mode != mode:
        edition_seat_freed = (
            registration.mode == AttendanceMode.IN_PERSON
            and registration.status == RegistrationStatus.CONFIRMED
        )
        registration.mode = mode
        if mode == AttendanceMode.DIGITAL:
            registration.status = RegistrationStatus.CONFIRMED
        else:
            # Counted before the save: the row still says digital and holds no seat.
            has_seat = edition_seats_left(edition) != 0
            registration.status = (
                RegistrationStatus.CONFIRMED if has_seat else RegistrationStatus.WAITLISTED
            )
    core.registration_details_set(registration, now=now, **details)
    return edition_seat_freed


def _signups_create(
    registration: EditionRegistration, sessions: list[Session], *, now: dt.datetime
) -> None:
    # In programme order, so session seats go to the earlier choices first.
    for session in sorted(sessions, key=lambda session: (session.starts_at, session.pk)):
        SessionSignup.objects.create(
            registration=registration,
            session=session,
            status=_signup_status(registration, session),
            created_at=now,
        )


def registration_cancel(
    *,
    registration: EditionRegistration,
    user: User | None = None,
    by_staff: bool = False,
    notify: bool = True,
    now: dt.datetime | None = None,
) -> EditionRegistration:
    """Cancel a registration and its sign-ups; freed seats go to the waitlists.

    The owner may cancel until registration closes; staff at any time. The person is told,
    with a calendar file that removes the day, unless `notify` is off (an erased account).
    """
    now = now or timezone.now()
    with transaction.atomic():
        edition = _edition_lock(registration.edition)
        registration = EditionRegistration.objects.select_for_update().get(pk=registration.pk)
        if not by_staff and (user is None or registration.user_id != user.pk):
            raise RefusalError(_("That registration is not yours."), "not_owner")
        if not registration.is_active:
            raise RefusalError(_("The registration is already cancelled."), "not_active")
        if not by_staff and now >= edition.registration_closes:
            raise RefusalError(
                _("Registration has closed; contact the organisers to cancel."), "closed"
            )
        held_seat = registration.status == RegistrationStatus.CONFIRMED and (
            registration.mode == AttendanceMode.IN_PERSON
        )
        signups = list(registration.signups.active())
        sessions = _sessions_lock(edition, [signup.session_id for signup in signups])
        _signups_cancel(signups, now)
        core.booking_cancel(registration, now=now)
        registration.edition = edition
        if notify:
            _mail(
                registration,
                "registration_cancelled_by_staff" if by_staff else "registration_cancelled",
            )
        for session in sessions.values():
            session_waitlist_promote(session=session)
        if held_seat:
            waitlist_promote(edition=edition)
    return registration


def waitlist_promote(*, edition: Edition) -> list[EditionRegistration]:
    """Give free in-person seats to the edition's waitlist in arrival order, each once.

    A promoted person's session choices then take the session seats that are free.
    """
    with transaction.atomic():
        edition = _edition_lock(edition)
        if edition.status != EditionStatus.PUBLISHED or edition.starts_at <= timezone.now():
            return []

        def promote(registration: EditionRegistration) -> None:
            registration.status = RegistrationStatus.CONFIRMED
            registration.save(update_fields=["status"])
            registration.edition = edition
            # Every move onto the waitlist is a registration_save, which raises the version:
            # one key per waitlisting, so a second promotion later is mailed too.
            _mail(
                registration,
                "registration_promoted",
                key=(
                    f"stockholmstinget:registration_promoted:{registration.pk}"
                    f":{registration.version}"
                ),
            )

        promoted = core.waitlist_fill(
            waiting=EditionRegistration.objects.waitlist()
            .filter(edition=edition)
            .select_related("user"),
            seats=edition_seats(edition),
            promote=promote,
        )
        session_ids = SessionSignup.objects.filter(
            registration__in=promoted, status=SignupStatus.WAITLISTED
        ).values_list("session_id", flat=True)
        for session in _sessions_lock(edition, session_ids).values():
            session_waitlist_promote(session=session)
    return promoted


def session_waitlist_promote(*, session: Session) -> list[SessionSignup]:
    """Give a session's free seats to its waitlist, among confirmed registrants, each once.

    The caller holds the edition lock.
    """

    def promote(signup: SessionSignup) -> None:
        # A sign-up is waitlisted only when it is created, so its key names one promotion.
        signup.status = SignupStatus.CONFIRMED
        signup.save(update_fields=["status"])
        signup.session = session
        registration_email_enqueue(
            registration=signup.registration,
            kind="session_promoted",
            key=f"stockholmstinget:session_promoted:{signup.pk}",
            extra={"session": session},
        )

    waiting = (
        SessionSignup.objects.waitlist()
        .filter(session=session, registration__status=RegistrationStatus.CONFIRMED)
        .select_related("registration__user", "registration__edition")
    )
    return core.waitlist_fill(waiting=waiting, seats=session_seats(session), promote=promote)


# --- staff --------------------------------------------------------------------------------------


def edition_publish(*, edition: Edition) -> Edition:
    """Publish the edition; the first publication is stamped and the stamp is kept after."""
    with transaction.atomic():
        edition = _edition_lock(edition)
        if edition.status != EditionStatus.PUBLISHED or edition.published_at is None:
            edition.status = EditionStatus.PUBLISHED
            edition.published_at = edition.published_at or timezone.now()
            edition.save(update_fields=["status", "published_at"])
    return edition


def edition_save(*, edition: Edition) -> Edition:
    """Save staff's changes to an edition; seats a raised capacity frees go to the waitlist.

    Only publishing stamps `published_at`, so an edition cancelled before it was ever
    published stays hidden.
    """
    with transaction.atomic():
        before = _edition_lock(edition) if edition.pk is not None else None
        was_public = before is not None and before.status == EditionStatus.PUBLISHED
        moved = before is not None and before.moved_by(
            {field: getattr(edition, field) for field in Edition.TIME_AND_PLACE_FIELDS}
        )
        called_off = was_public and edition.status == EditionStatus.CANCELLED
        if before is not None:
            edition.sequence = before.sequence + (1 if moved or called_off else 0)
        edition.save()
        if edition.status == EditionStatus.PUBLISHED:
            edition.published_at = edition_publish(edition=edition).published_at
        if was_public and (moved or called_off):
            kind = "edition_cancelled" if called_off else "edition_changed"
            for registration in edition.registrations.active().select_related("user"):
                registration.edition = edition
                _mail(
                    registration,
                    kind,
                    key=f"stockholmstinget:{kind}:{registration.pk}:{edition.sequence}",
                )
        waitlist_promote(edition=edition)
    return edition


def session_save(*, session: Session) -> Session:
    """Save staff's changes to a session; seats a raised capacity frees go to its waitlist."""
    with transaction.atomic():
        edition = _edition_lock(session.edition)
        if session.pk is not None:
            before = _sessions_lock(edition, [session.pk])[session.pk]
            moved = before.moved_by(
                {field: getattr(session, field) for field in Session.TIME_AND_PLACE_FIELDS}
            )
            session.sequence = before.sequence + (1 if moved else 0)
        session.save()
        if edition.status == EditionStatus.PUBLISHED and edition.starts_at > timezone.now():
            session_waitlist_promote(session=session)
    return session


def documentation_publish(*, edition: Edition, created_by: User | None = None) -> Edition:
    """Publish the edition's documentation and tell every registrant, once."""
    with transaction.atomic():
        edition = _edition_lock(edition)
        if not edition.documentation.strip() and not edition.links.exists():
            raise RefusalError(_("Write the documentation before publishing it."), "empty")
        if edition.documentation_published_at is None:
            edition.documentation_published_at = timezone.now()
            edition.save(update_fields=["documentation_published_at"])
        documentation_mailout_create(edition=edition, created_by=created_by)
    return edition


def _mailing_refusal(edition: Edition, now: dt.datetime) -> RefusalError | None:
    if edition.status != EditionStatus.PUBLISHED:
        return RefusalError(_("Publish the edition before mailing about it."), "state")
    if now >= edition.ends_at:
        return RefusalError(_("This Stockholmstinget is over."), "over")
    return None


def announcement_send(
    *,
    edition: Edition,
    emails: Iterable[str] = (),
    groups: Sequence[str] = (),
    municipalities: Iterable[Municipality] = (),
    sectors: Sequence[str] = (),
    created_by: User | None = None,
    now: dt.datetime | None = None,
) -> MailOut:
    """Announce the edition to consenting users who match the criteria, and to pasted
    addresses: a mail-out that asks them to register.

    Unlike a meeting's invitation (a token that may hold a reserved seat), the announcement is
    only a mail with a link to the registration page: it reserves no seat and
    grants nothing, since anyone may register for Stockholmstinget. Each address is mailed once
    per edition, however often staff send.
    """
    now = now or timezone.now()
    refusal = _mailing_refusal(edition, now)
    if refusal is None and now >= edition.registration_closes:
        refusal = RefusalError(_("Registration has closed."), "closed")
    if refusal:
        raise refusal
    invitees = invitees_collect(
        emails=emails, groups=groups, municipalities=municipalities, sectors=sectors
    )
    with transaction.atomic():
        return announcement_mailout_create(
            edition=edition, invitees=invitees, created_by=created_by
        )


def programme_send(
    *,
    edition: Edition,
    version: str,
    created_by: User | None = None,
    now: dt.datetime | None = None,
) -> MailOut:
    """Mail the programme, with each person's own sessions marked, to confirmed registrants.

    `version` names this sending: the same version mails each registrant once (a double
    submit, a retry), a new one sends the programme again, e.g. after it changed.
    """
    refusal = _mailing_refusal(edition, now or timezone.now())
    if refusal:
        raise refusal
    if not edition.sessions.exists():
        raise RefusalError(_("The programme has no sessions yet."), "empty")
    with transaction.atomic():
        return programme_mailout_create(edition=edition, version=version, created_by=created_by)


# --- reminders ----------------------------------------------------------------------------------


def reminders_due(now: dt.datetime | None = None) -> QuerySet[EditionRegistration]:
    """Confirmed registrations for editions that start within a day, not yet reminded for the
    edition's current start."""
    return core.reminders_due(
        EditionRegistration.objects.all(), now=now or timezone.now(), lead_hours=Value(24)
    )


def reminders_send(*, now: dt.datetime | None = None) -> int:
    """Send each due reminder once per registration and edition start."""
    return core.reminders_send(
        due=lambda: reminders_due(now),
        kind="edition_reminder",
        mail=lambda registration, key: _mail(registration, "edition_reminder", key=key),
    )


def registrations_anonymise(*, now: dt.datetime | None = None) -> int:
    """Clear what registrants wrote REGISTRATION_ANONYMISE_AFTER_DAYS after each edition.

    Organisation, sector and municipality stay: the edition's statistics are built from them.
    """
    return core.registrations_anonymise(model=EditionRegistration, now=now)
