"""Operations on Stockholmstinget registrations and session sign-ups, with their rules.

Every operation that can change who holds a seat locks the edition row first (and then the
sessions it touches, in primary-key order) and recounts inside the same transaction, so neither
the edition's nor a session's capacity is exceeded however many requests arrive at once.
Seat arithmetic, waitlist filling, check-in codes and the refusal type are shared with the
dialogue meetings (portal.capacity, dialogues).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from itertools import pairwise

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.services import invitees_collect
from dialogues.models import check_in_code_generate
from portal import capacity
from portal.capacity import RegistrationError, code_unused, has_free_seat, seats_free, waitlist_fill
from portal.models import MailOut
from portal.personal_data import registration_text_anonymise

from .emails import (
    documentation_mailout_create,
    invitations_mailout_create,
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

__all__ = [
    "RegistrationError",
    "documentation_publish",
    "edition_publish",
    "edition_save",
    "edition_seats_left",
    "invitation_send",
    "programme_send",
    "registration_cancel",
    "registration_check_in",
    "registration_check_in_by_code",
    "registration_refusal",
    "registration_save",
    "reminders_send",
    "session_save",
    "session_waitlist_promote",
    "waitlist_promote",
]


# --- reads that carry rules -------------------------------------------------------------------


def registration_refusal(*, edition: Edition, now: dt.datetime | None = None):
    """Why nobody may register for (or change a registration to) `edition` now, or None."""
    now = now or timezone.now()
    if edition.status == EditionStatus.CANCELLED:
        return RegistrationError(_("This Stockholmstinget has been cancelled."), "cancelled")
    if edition.status != EditionStatus.PUBLISHED:
        return RegistrationError(_("Registration is not open."), "not_published")
    if edition.registration_opens_at and now < edition.registration_opens_at:
        return RegistrationError(_("Registration has not opened yet."), "not_open_yet")
    if now >= edition.registration_closes or now >= edition.starts_at:
        return RegistrationError(_("Registration has closed."), "closed")
    return None


def edition_seats_left(edition: Edition) -> int | None:
    """Free in-person seats; None when the edition has no limit."""
    taken = EditionRegistration.objects.holding_seat().filter(edition=edition).count()
    return seats_free(edition.capacity, taken)


def _session_seats_left(session: Session) -> int | None:
    taken = SessionSignup.objects.holding_seat().filter(session=session).count()
    return seats_free(session.capacity, taken)


def waitlist_position(registration: EditionRegistration) -> int | None:
    if registration.status != RegistrationStatus.WAITLISTED:
        return None
    earlier = EditionRegistration.objects.waitlist().filter(
        edition_id=registration.edition_id, pk__lt=registration.pk
    )
    return earlier.count() + 1


# --- internal steps (the caller holds the edition lock) ---------------------------------------


def _edition_lock(edition: Edition) -> Edition:
    return Edition.objects.select_for_update().get(pk=edition.pk)


def _sessions_lock(edition: Edition, ids: Iterable[int]) -> dict[int, Session]:
    sessions = Session.objects.select_for_update().filter(edition=edition, pk__in=set(ids))
    return {session.pk: session for session in sessions.order_by("pk")}


def _check_in_code_new(edition: Edition) -> str:
    taken = EditionRegistration.objects.filter(edition=edition).values_list(
        "check_in_code", flat=True
    )
    return code_unused(generate=check_in_code_generate, taken=taken)


def _choices_check(*, mode: str, sessions: list[Session]) -> None:
    if mode == AttendanceMode.DIGITAL:
        for session in sessions:
            if session.in_person_only:
                raise RegistrationError(
                    _("“%(title)s” is only held on site; digital participants cannot choose it.")
                    % {"title": session.title},
                    "in_person_only",
                )
    ordered = sorted(sessions, key=lambda session: (session.starts_at, session.pk))
    for earlier, later in pairwise(ordered):
        if earlier.overlaps(later):
            raise RegistrationError(
                _("“%(first)s” and “%(second)s” take place at the same time; choose one.")
                % {"first": earlier.title, "second": later.title},
                "overlap",
            )


def _signup_status(registration: EditionRegistration, session: Session) -> SignupStatus:
    if registration.status != RegistrationStatus.CONFIRMED:
        return SignupStatus.WAITLISTED
    if registration.mode == AttendanceMode.DIGITAL:
        return SignupStatus.CONFIRMED
    taken = SessionSignup.objects.holding_seat().filter(session=session).count()
    return (
        SignupStatus.CONFIRMED
        if has_free_seat(session.capacity, taken)
        else SignupStatus.WAITLISTED
    )


def _signups_cancel(signups: Iterable[SessionSignup], now: dt.datetime) -> None:
    for signup in signups:
        signup.status = SignupStatus.CANCELLED
        signup.cancelled_at = now
        signup.save(update_fields=["status", "cancelled_at"])


def _mail(registration: EditionRegistration, kind: str, key: str = "", **extra) -> None:
    if registration.status == RegistrationStatus.WAITLISTED:
        extra.setdefault("position", waitlist_position(registration))
    registration_email_enqueue(registration=registration, kind=kind, key=key, extra=extra)


# --- registrants ------------------------------------------------------------------------------


def registration_save(
    *,
    edition: Edition,
    user,
    mode: str,
    sector: str,
    organisation: str = "",
    municipality=None,
    needs: str = "",
    session_ids: Iterable[int] = (),
    now: dt.datetime | None = None,
) -> EditionRegistration:
    """Register `user`, or change their registration, with the sessions they choose.

    In person takes an edition seat if one is free, else a place on the waitlist; digital is
    never capped. Each chosen session gives a seat or a place on that session's waitlist. The
    whole choice is refused (and nothing is saved) when a session is unknown, in-person only
    for a digital participant, or overlaps another choice.
    """
    now = now or timezone.now()
    requested = {int(pk) for pk in session_ids}
    with transaction.atomic():
        edition = _edition_lock(edition)
        refusal = registration_refusal(edition=edition, now=now)
        if refusal:
            raise refusal
        if mode not in edition.modes():
            raise RegistrationError(
                _("This Stockholmstinget cannot be attended that way."), "mode_not_offered"
            )
        registration = (
            EditionRegistration.objects.active()
            .select_for_update()
            .filter(edition=edition, user=user)
            .first()
        )
        current = {}
        if registration is not None:
            current = {signup.session_id: signup for signup in registration.signups.active()}
        sessions = _sessions_lock(edition, requested | set(current))
        if not requested <= set(sessions):
            raise RegistrationError(
                _("One of the chosen sessions is not part of this programme."), "session_unknown"
            )
        _choices_check(mode=mode, sessions=[sessions[pk] for pk in requested])

        edition_seat_freed = False
        if registration is None:
            in_person = mode == AttendanceMode.IN_PERSON
            has_seat = not in_person or edition_seats_left(edition) != 0
            registration = EditionRegistration.objects.create(
                edition=edition,
                user=user,
                mode=mode,
                sector=sector,
                organisation=organisation,
                municipality=municipality,
                needs=needs,
                status=RegistrationStatus.CONFIRMED if has_seat else RegistrationStatus.WAITLISTED,
                check_in_code=_check_in_code_new(edition),
                created_at=now,
                updated_at=now,
            )
            kind = "registration_confirmed" if has_seat else "registration_waitlisted"
        else:
            previous_mode = registration.mode
            mode_changed = previous_mode != mode
            if mode_changed:
                edition_seat_freed = (
                    previous_mode == AttendanceMode.IN_PERSON
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
            registration.sector = sector
            registration.organisation = organisation
            registration.municipality = municipality
            registration.needs = needs
            registration.updated_at = now
            registration.version += 1
            registration.save()
            # A new attendance mode means every choice is weighed again against the seats.
            keep = set() if mode_changed else requested & set(current)
            _signups_cancel([current[pk] for pk in set(current) - keep], now)
            kind = (
                "registration_waitlisted"
                if registration.status == RegistrationStatus.WAITLISTED
                else "registration_confirmed"
            )
            requested -= keep
        for pk in sorted(requested, key=lambda pk: (sessions[pk].starts_at, pk)):
            session = sessions[pk]
            SessionSignup.objects.create(
                registration=registration,
                session=session,
                status=_signup_status(registration, session),
                created_at=now,
            )
        registration.edition = edition
        _mail(
            registration,
            kind,
            key=f"stockholmstinget:{kind}:{registration.pk}:{registration.version}",
        )
        for session in sessions.values():
            session_waitlist_promote(session=session)
        if edition_seat_freed:
            waitlist_promote(edition=edition)
    return registration


def registration_cancel(
    *,
    registration: EditionRegistration,
    user=None,
    by_staff: bool = False,
    now: dt.datetime | None = None,
) -> EditionRegistration:
    """Cancel a registration and its sign-ups; freed seats go to the waitlists.

    The owner may cancel until registration closes; staff at any time.
    """
    now = now or timezone.now()
    with transaction.atomic():
        edition = _edition_lock(registration.edition)
        registration = EditionRegistration.objects.select_for_update().get(pk=registration.pk)
        if not by_staff and (user is None or registration.user_id != user.pk):
            raise RegistrationError(_("That registration is not yours."), "not_owner")
        if not registration.is_active:
            raise RegistrationError(_("The registration is already cancelled."), "not_active")
        if not by_staff and now >= edition.registration_closes:
            raise RegistrationError(
                _("Registration has closed; contact the organisers to cancel."), "closed"
            )
        held_seat = registration.status == RegistrationStatus.CONFIRMED and (
            registration.mode == AttendanceMode.IN_PERSON
        )
        signups = list(registration.signups.active())
        sessions = _sessions_lock(edition, [signup.session_id for signup in signups])
        _signups_cancel(signups, now)
        registration.status = RegistrationStatus.CANCELLED
        registration.cancelled_at = now
        registration.save(update_fields=["status", "cancelled_at"])
        registration.edition = edition
        if not by_staff:
            _mail(registration, "registration_cancelled")
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

        promoted = waitlist_fill(
            waiting=EditionRegistration.objects.waitlist().filter(edition=edition),
            seats_left=lambda: edition_seats_left(edition),
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
    return waitlist_fill(
        waiting=waiting, seats_left=lambda: _session_seats_left(session), promote=promote
    )


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
        if edition.pk is not None:
            _edition_lock(edition)
        edition.save()
        if edition.status == EditionStatus.PUBLISHED:
            edition.published_at = edition_publish(edition=edition).published_at
        waitlist_promote(edition=edition)
    return edition


def session_save(*, session: Session) -> Session:
    """Save staff's changes to a session; seats a raised capacity frees go to its waitlist."""
    with transaction.atomic():
        edition = _edition_lock(session.edition)
        if session.pk is not None:
            _sessions_lock(edition, [session.pk])
        session.save()
        if edition.status == EditionStatus.PUBLISHED and edition.starts_at > timezone.now():
            session_waitlist_promote(session=session)
    return session


def registration_check_in(*, registration: EditionRegistration) -> EditionRegistration:
    """Mark a confirmed registrant as present; checking in twice keeps the first time."""
    return capacity.check_in(
        registration=registration,
        confirmed=RegistrationStatus.CONFIRMED,
        refused_message=_("Only confirmed registrations can check in."),
    )


def registration_check_in_by_code(*, edition: Edition, code: str) -> EditionRegistration:
    registration = capacity.check_in_code_find(
        registrations=EditionRegistration.objects.filter(edition=edition),
        code=code,
        missing_message=_("No registration for this edition has that code."),
    )
    return registration_check_in(registration=registration)


def documentation_publish(*, edition: Edition, created_by=None) -> Edition:
    """Publish the edition's documentation and tell every registrant, once."""
    with transaction.atomic():
        edition = _edition_lock(edition)
        if not edition.documentation.strip() and not edition.links.exists():
            raise RegistrationError(_("Write the documentation before publishing it."), "empty")
        if edition.documentation_published_at is None:
            edition.documentation_published_at = timezone.now()
            edition.save(update_fields=["documentation_published_at"])
        documentation_mailout_create(edition=edition, created_by=created_by)
    return edition


def _mailing_refusal(edition: Edition, now: dt.datetime) -> RegistrationError | None:
    if edition.status != EditionStatus.PUBLISHED:
        return RegistrationError(_("Publish the edition before mailing about it."), "state")
    if now >= edition.ends_at:
        return RegistrationError(_("This Stockholmstinget is over."), "over")
    return None


def invitation_send(
    *,
    edition: Edition,
    emails: Iterable[str] = (),
    groups: Sequence[str] = (),
    municipalities: Iterable = (),
    sectors: Sequence[str] = (),
    created_by=None,
    now: dt.datetime | None = None,
) -> MailOut:
    """Invite consenting users who match the criteria, and pasted addresses, to register.

    The invitation is a mail with a link to the registration page: it reserves no seat and
    grants nothing, since anyone may register for Stockholmstinget. Each address is mailed once
    per edition, however often staff send.
    """
    now = now or timezone.now()
    refusal = _mailing_refusal(edition, now)
    if refusal is None and now >= edition.registration_closes:
        refusal = RegistrationError(_("Registration has closed."), "closed")
    if refusal:
        raise refusal
    invitees = invitees_collect(
        emails=emails, groups=groups, municipalities=municipalities, sectors=sectors
    )
    with transaction.atomic():
        return invitations_mailout_create(edition=edition, invitees=invitees, created_by=created_by)


def programme_send(
    *, edition: Edition, version: str, created_by=None, now: dt.datetime | None = None
) -> MailOut:
    """Mail the programme, with each person's own sessions marked, to confirmed registrants.

    `version` names this sending: the same version mails each registrant once (a double
    submit, a retry), a new one sends the programme again, e.g. after it changed.
    """
    refusal = _mailing_refusal(edition, now or timezone.now())
    if refusal:
        raise refusal
    if not edition.sessions.exists():
        raise RegistrationError(_("The programme has no sessions yet."), "empty")
    with transaction.atomic():
        return programme_mailout_create(edition=edition, version=version, created_by=created_by)


# --- reminders ----------------------------------------------------------------------------------


def reminders_due(now: dt.datetime | None = None):
    """Active registrations for editions that start within a day, not yet reminded."""
    now = now or timezone.now()
    return EditionRegistration.objects.filter(
        status=RegistrationStatus.CONFIRMED,
        edition__status=EditionStatus.PUBLISHED,
        edition__starts_at__gt=now,
        edition__starts_at__lte=now + dt.timedelta(days=1),
        reminded_at__isnull=True,
    )


def reminders_send(*, now: dt.datetime | None = None) -> int:
    """Send each due reminder once per registration."""
    now = now or timezone.now()
    sent = 0
    for pk in list(reminders_due(now).values_list("pk", flat=True)):
        with transaction.atomic():
            registration = (
                reminders_due(now)
                .select_for_update(skip_locked=True, of=("self",))
                .select_related("edition", "user")
                .filter(pk=pk)
                .first()
            )
            if registration is None:
                continue
            registration.reminded_at = now
            registration.save(update_fields=["reminded_at"])
            _mail(registration, "edition_reminder")
            sent += 1
    return sent


# What a registrant wrote about themselves; organisation, sector and municipality stay, since
# the edition's statistics are built from them.
REGISTRATION_PERSONAL_TEXT_FIELDS = ("needs",)


def registrations_anonymise(*, now: dt.datetime | None = None) -> int:
    """Clear needs REGISTRATION_ANONYMISE_AFTER_DAYS after each edition ended."""
    return registration_text_anonymise(
        registrations=EditionRegistration.objects.all(),
        fields=REGISTRATION_PERSONAL_TEXT_FIELDS,
        now=now,
    )
