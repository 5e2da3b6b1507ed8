"""Operations on meetings and registrations, with their rules.

Every operation that can change who holds a seat locks the meeting row first and recounts
inside the same transaction, so capacity holds however many requests arrive at once.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.services import invitees_collect, registration_gate_block
from portal.errors import RefusalError
from portal.outbox.models import MailOut
from portal.registrations import services as core
from portal.registrations.access import AccessWish, access_requests_set
from portal.registrations.questions import answers_set, questions_asked, questions_copy

from .emails import (
    invitation_followup_enqueue,
    invitations_mailout_create,
    meeting_followup_reminder_enqueue,
    registration_email_enqueue,
)
from .models import (
    Invitation,
    Meeting,
    MeetingStatus,
    Minutes,
    MinutesStatus,
    Registration,
    RegistrationStatus,
    invitation_token_generate,
)
from .summaries.models import Summary

if TYPE_CHECKING:
    from accounts.models import User
    from accounts.services import Invitee
    from portal.models import Municipality

INVITATION_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")

# --- reads that carry rules -------------------------------------------------------------------


def invitation_for(*, meeting: Meeting, user: User) -> Invitation | None:
    """The invitation bound to the user's address, if staff invited it to this meeting."""
    if not user.is_authenticated:
        return None
    return Invitation.objects.filter(meeting=meeting, email__iexact=user.email).first()


def invitation_check(*, meeting: Meeting, user: User, token: str) -> Invitation:
    """The invitation behind a link, provided it belongs to this meeting and this address."""
    # Anything that cannot be a token (a mangled link, a NUL byte) is simply not valid.
    well_formed = INVITATION_TOKEN.fullmatch(token) is not None
    invitation = (
        Invitation.objects.filter(meeting=meeting, token=token).first() if well_formed else None
    )
    if invitation is None:
        raise RefusalError(_("This invitation link is not valid."), "invitation_invalid")
    if invitation.email.casefold() != user.email.casefold():
        raise RefusalError(
            _(
                "This invitation was sent to another email address. Log in with the address "
                "that received it."
            ),
            "invitation_other_address",
        )
    return invitation


REFUSALS = {
    "cancelled": _("The meeting has been cancelled."),
    "not_published": _("The meeting is not open for registration."),
    "started": _("The meeting has already started."),
    "not_open_yet": _("Registration opens %(opens)s."),
    "closed": _("Registration has closed."),
}


def _window_refusal(meeting: Meeting, now: dt.datetime | None) -> RefusalError | None:
    return core.registration_window_refusal(meeting, now=now, messages=REFUSALS)


def registration_refusal(
    *, meeting: Meeting, user: User, invited: bool = False, now: dt.datetime | None = None
) -> RefusalError | None:
    """Why `user` may not register for `meeting` now, or None when they may.

    The one rule the pages, the form, the admin and `registration_create` all ask.
    """
    refusal = _window_refusal(meeting, now)
    if refusal is not None:
        return refusal
    audience = meeting.effective_audience
    if audience and not invited and getattr(user, "stakeholder_group", "") not in audience:
        return RefusalError(
            _(
                "This meeting is for %(groups)s. Your profile says you belong to another "
                "group; contact the organisers if you think you should take part."
            )
            % {"groups": ", ".join(meeting.audience_labels())},
            "audience",
        )
    return None


def registration_is_open(meeting: Meeting, now: dt.datetime | None = None) -> bool:
    """Whether the meeting takes registrations now (for anyone its audience admits)."""
    return _window_refusal(meeting, now) is None


def waitlist_position(registration: Registration) -> int | None:
    return core.waitlist_position(registration)


def meeting_seats(meeting: Meeting, *, waiting: bool = False) -> core.Seats:
    """The meeting's seats (and with `waiting`, its waitlist), counted in one query."""
    return core.seats_count(
        Registration.objects.filter(meeting=meeting),
        capacity=meeting.capacity,
        reserved=meeting.reserved_seats,
        invitee=Q(invitation__isnull=False),
        waiting=waiting,
    )


def seats_left(meeting: Meeting, *, invited: bool = False) -> int | None:
    """Free seats for a non-invitee (or an invitee); None when the meeting has no limit."""
    return meeting_seats(meeting).left(invited=invited)


# --- internal steps (the caller holds the meeting lock) ---------------------------------------


def _meeting_lock(meeting: Meeting) -> Meeting:
    return (
        Meeting.objects.select_for_update(of=("self",)).select_related("series").get(pk=meeting.pk)
    )


def _seat_status(meeting: Meeting) -> RegistrationStatus:
    return RegistrationStatus.PENDING if meeting.requires_approval else RegistrationStatus.CONFIRMED


def _status_mail(
    registration: Registration, kind: str, key: str = "", *, position: int | None = None
) -> None:
    extra = {}
    if registration.status == RegistrationStatus.WAITLISTED:
        extra["position"] = position or waitlist_position(registration)
    registration_email_enqueue(registration=registration, kind=kind, key=key, extra=extra)


# --- registrants ------------------------------------------------------------------------------


def registration_create(
    *,
    meeting: Meeting,
    user: User,
    accessibility_needs: str = "",
    dietary_needs: str = "",
    message: str = "",
    consent_to_be_listed: bool = False,
    invitation_token: str = "",
    access: Sequence[AccessWish] = (),
    answers: Mapping[int, str] | None = None,
    now: dt.datetime | None = None,
) -> Registration:
    """Register `user`: a seat if one is free, else the waitlist; pending where staff approve.

    `access` are the person's access and accommodation requests (late ones tell the contact);
    `answers` their answers to the meeting's questions (question pk -> value)."""
    # Logged in, address confirmed, profile complete: the same gate the pages use.
    block = registration_gate_block(user)
    if block is not None:
        raise RefusalError(block.label, "gate")
    now = now or timezone.now()
    # An invitation is bound to an address and a meeting, neither of which the lock guards.
    invitation: Invitation | None
    if invitation_token:
        invitation = invitation_check(meeting=meeting, user=user, token=invitation_token)
    else:
        invitation = invitation_for(meeting=meeting, user=user)

    def attempt() -> Registration:
        with transaction.atomic():
            locked = _meeting_lock(meeting)
            refusal = registration_refusal(
                meeting=locked, user=user, invited=invitation is not None, now=now
            )
            if refusal:
                raise refusal
            seats = meeting_seats(locked, waiting=True)
            has_seat = seats.has_seat(invited=invitation is not None)
            # One active registration per person and meeting is the database's constraint.
            registration = core.registration_insert(
                Registration,
                duplicate=RefusalError(
                    _("You are already registered for this meeting."), "already_registered"
                ),
                meeting=locked,
                user=user,
                invitation=invitation,
                status=_seat_status(locked) if has_seat else RegistrationStatus.WAITLISTED,
                accessibility_needs=accessibility_needs,
                dietary_needs=dietary_needs,
                message=message,
                consent_to_be_listed=consent_to_be_listed,
                created_at=now,
                updated_at=now,
            )
            if not has_seat:
                # Inserted under the lock after everyone counted: the last in line.
                registration.position_on_arrival = seats.waiting + 1
            kinds: dict[str, str] = {
                RegistrationStatus.CONFIRMED: "registration_confirmed",
                RegistrationStatus.PENDING: "registration_pending",
                RegistrationStatus.WAITLISTED: "registration_waitlisted",
            }
            kind = kinds[registration.status]
            access_requests_set(registration=registration, wishes=access, now=now)
            if answers is not None:
                answers_set(
                    registration=registration,
                    questions=questions_asked(locked),
                    values=answers,
                    now=now,
                )
            _status_mail(registration, kind, position=registration.position_on_arrival)
        return registration

    return core.with_fresh_codes(attempt)


def registration_update(
    *,
    registration: Registration,
    user: User,
    accessibility_needs: str,
    dietary_needs: str,
    message: str,
    consent_to_be_listed: bool,
    access: Sequence[AccessWish] | None = None,
    answers: Mapping[int, str] | None = None,
    now: dt.datetime | None = None,
) -> Registration:
    """Change what a registrant told the organisers; the seat (or place in line) is kept.

    `access` replaces the person's access requests and `answers` their answers to the
    meeting's questions (None leaves either as it is)."""
    now = now or timezone.now()
    with transaction.atomic():
        meeting = _meeting_lock(registration.meeting)
        registration = Registration.objects.select_for_update().get(pk=registration.pk)
        if registration.user_id != user.pk:
            raise RefusalError(_("That registration is not yours."), "not_owner")
        if not registration.is_active:
            raise RefusalError(_("The registration is cancelled."), "not_active")
        if now >= meeting.starts_at:
            raise RefusalError(_("The meeting has started; contact the organisers."), "started")
        core.registration_details_set(
            registration,
            now=now,
            accessibility_needs=accessibility_needs,
            dietary_needs=dietary_needs,
            message=message,
            consent_to_be_listed=consent_to_be_listed,
        )
        registration.meeting = meeting
        if access is not None:
            access_requests_set(registration=registration, wishes=access, now=now)
        if answers is not None:
            answers_set(
                registration=registration,
                questions=questions_asked(meeting),
                values=answers,
                now=now,
            )
    return registration


def registration_cancel(
    *,
    registration: Registration,
    user: User | None = None,
    by_staff: bool = False,
    notify: bool = True,
    now: dt.datetime | None = None,
) -> Registration:
    """Cancel a registration: the owner until the meeting starts, staff at any time.

    `user` is the person asking; it must own the registration unless staff cancel. The person
    is told either way, with a calendar file that removes the meeting; a freed seat goes to the
    waitlist.
    """
    now = now or timezone.now()
    with transaction.atomic():
        meeting = _meeting_lock(registration.meeting)
        registration = Registration.objects.select_for_update().get(pk=registration.pk)
        if not by_staff and (user is None or registration.user_id != user.pk):
            raise RefusalError(_("That registration is not yours."), "not_owner")
        if not registration.is_active:
            raise RefusalError(_("The registration is already cancelled."), "not_active")
        if not by_staff and now >= meeting.starts_at:
            raise RefusalError(_("The meeting has started; contact the organisers."), "started")
        held_seat = core.booking_cancel(registration, now=now)
        registration.meeting = meeting
        if notify:
            _status_mail(
                registration,
                "registration_cancelled_by_staff" if by_staff else "registration_cancelled",
            )
        if held_seat and meeting.status == MeetingStatus.PUBLISHED:
            waitlist_promote(meeting=meeting)
    return registration


def waitlist_promote(*, meeting: Meeting) -> list[Registration]:
    """Give free seats to the waitlist in arrival order; each person is promoted once.

    A waitlisted non-invitee cannot take a seat reserved for invitees, so the first person who
    fits the free seat gets it. Cancelling, declining and raising the capacity all end here.
    """
    with transaction.atomic():
        meeting = _meeting_lock(meeting)
        if meeting.status != MeetingStatus.PUBLISHED or meeting.starts_at <= timezone.now():
            return []

        def promote(registration: Registration) -> None:
            _promote(meeting, registration)

        return core.waitlist_fill(
            waiting=Registration.objects.waitlist().filter(meeting=meeting).select_related("user"),
            seats=meeting_seats(meeting),
            promote=promote,
            invited=lambda registration: registration.invitation_id is not None,
        )


def _promote(meeting: Meeting, registration: Registration) -> None:
    registration.status = _seat_status(meeting)
    registration.updated_at = timezone.now()
    registration.save(update_fields=["status", "updated_at"])
    registration.meeting = meeting
    # One key per waitlisting: someone waitlisted again later is told of the second seat too.
    _status_mail(
        registration,
        "registration_promoted",
        key=f"dialogues:registration_promoted:{registration.pk}:{registration.version}",
    )


# --- staff --------------------------------------------------------------------------------------


def registration_promote(*, registration: Registration) -> Registration:
    """Staff give a waitlisted person a seat by hand, past the line (and past the capacity:
    staff decide, e.g. for an extra chair)."""
    with transaction.atomic():
        meeting = _meeting_lock(registration.meeting)
        registration = Registration.objects.select_for_update().get(pk=registration.pk)
        if registration.status != RegistrationStatus.WAITLISTED:
            raise RefusalError(_("Only waitlisted registrations can be given a seat."), "state")
        _promote(meeting, registration)
    return registration


def registration_approve(*, registration: Registration) -> Registration:
    with transaction.atomic():
        meeting = _meeting_lock(registration.meeting)
        registration = Registration.objects.select_for_update().get(pk=registration.pk)
        if registration.status != RegistrationStatus.PENDING:
            raise RefusalError(_("Only pending registrations can be approved."), "state")
        registration.status = RegistrationStatus.CONFIRMED
        registration.decided_at = timezone.now()
        registration.save(update_fields=["status", "decided_at"])
        registration.meeting = meeting
        _status_mail(registration, "registration_approved")
    return registration


def registration_decline(*, registration: Registration) -> Registration:
    """Decline a pending registration; its seat goes to the waitlist."""
    with transaction.atomic():
        meeting = _meeting_lock(registration.meeting)
        registration = Registration.objects.select_for_update().get(pk=registration.pk)
        if registration.status != RegistrationStatus.PENDING:
            raise RefusalError(_("Only pending registrations can be declined."), "state")
        registration.status = RegistrationStatus.DECLINED
        registration.decided_at = timezone.now()
        registration.save(update_fields=["status", "decided_at"])
        registration.meeting = meeting
        _status_mail(registration, "registration_declined")
        waitlist_promote(meeting=meeting)
    return registration


# What a copy of a meeting takes over; its status, registrations, invitations, window and case
# number are its own.
MEETING_COPY_FIELDS = (
    "series",
    "description",
    "agenda",
    "starts_at",
    "ends_at",
    "format",
    "venue",
    "address",
    "online_url",
    "capacity",
    "reserved_seats",
    "requires_approval",
    "audience_groups",
    "contact_name",
    "contact_email",
    "reminder_lead_hours",
    "reminder_text",
)


def meeting_copy(*, meeting: Meeting, now: dt.datetime | None = None) -> Meeting:
    """A new draft meeting like `meeting`, with its questions, for staff to give a new time."""
    title = str(_("%(title)s (copy)") % {"title": meeting.title})[:200]
    with transaction.atomic():
        base = f"{meeting.slug[:190]}-kopia"
        taken = set(Meeting.objects.filter(slug__startswith=base).values_list("slug", flat=True))
        slug, number = base, 2
        while slug in taken:
            slug, number = f"{base}-{number}", number + 1
        copy = Meeting.objects.create(
            **{name: getattr(meeting, name) for name in MEETING_COPY_FIELDS},
            title=title,
            slug=slug,
            status=MeetingStatus.DRAFT,
            created_at=now or timezone.now(),
        )
        questions_copy(source=meeting, target=copy)
    return copy


def meeting_publish(*, meeting: Meeting) -> Meeting:
    with transaction.atomic():
        meeting = _meeting_lock(meeting)
        if meeting.status != MeetingStatus.DRAFT:
            raise RefusalError(_("Only draft meetings can be published."), "state")
        meeting.status = MeetingStatus.PUBLISHED
        meeting.published_at = meeting.published_at or timezone.now()
        meeting.save(update_fields=["status", "published_at"])
    return meeting


def meeting_cancel(*, meeting: Meeting) -> Meeting:
    """Cancel the meeting and tell every active registrant, with a CANCELLED calendar entry."""
    with transaction.atomic():
        meeting = _meeting_lock(meeting)
        if meeting.status == MeetingStatus.CANCELLED:
            return meeting
        was_published = meeting.status == MeetingStatus.PUBLISHED
        meeting.status = MeetingStatus.CANCELLED
        meeting.sequence += 1
        meeting.save(update_fields=["status", "sequence"])
        if was_published:
            for registration in _active_registrations(meeting):
                _status_mail(registration, "meeting_cancelled")
    return meeting


def meeting_update(*, meeting: Meeting, changes: dict) -> Meeting:
    """Apply staff edits; a new time or place bumps SEQUENCE and tells active registrants.

    More seats (or fewer reserved ones) go to the waitlist at once.
    """
    with transaction.atomic():
        locked = _meeting_lock(meeting)
        moved = locked.moved_by(changes)
        for field, value in changes.items():
            setattr(locked, field, value)
        if moved:
            locked.sequence += 1
        locked.full_clean(exclude=["slug"] if "slug" not in changes else None)
        locked.save()
        if moved and locked.status == MeetingStatus.PUBLISHED:
            for registration in _active_registrations(locked):
                _status_mail(
                    registration,
                    "meeting_changed",
                    key=f"dialogues:meeting_changed:{registration.pk}:{locked.sequence}",
                )
        if locked.status == MeetingStatus.PUBLISHED:
            waitlist_promote(meeting=locked)
    return locked


def _active_registrations(meeting: Meeting) -> list[Registration]:
    registrations = list(
        Registration.objects.active().filter(meeting=meeting).select_related("user")
    )
    for registration in registrations:
        registration.meeting = meeting
    return registrations


# --- invitations and reminders ------------------------------------------------------------------


class InvitationRow(NamedTuple):
    """What the invitation mail needs of an invitation, without a model instance each."""

    pk: int
    email: str
    token: str
    user: User | None


def _invitations_insert(*, meeting: Meeting, invitees: Sequence[Invitee]) -> None:
    """Insert one invitation per invitee in one statement; existing ones stay as they are.

    `bulk_create` would build and compile ten thousand model instances, seconds of the
    request. ON CONFLICT DO NOTHING lets the one-per-address constraint keep an address
    invited before (with its link), also when two requests invite it at once.
    """
    emails = [invitee.email for invitee in invitees]
    users = [invitee.user.pk if invitee.user else None for invitee in invitees]
    tokens = [invitation_token_generate() for _ in invitees]
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO dialogues_invitation (meeting_id, email, user_id, token, created_at) "
            "SELECT %s, t.email, t.user_id, t.token, %s "
            "FROM unnest(%s::text[], %s::bigint[], %s::text[]) AS t(email, user_id, token) "
            "ON CONFLICT DO NOTHING",
            [meeting.pk, timezone.now(), emails, users, tokens],
        )


def invitation_send(
    *,
    meeting: Meeting,
    emails: Iterable[str] = (),
    groups: Sequence[str] = (),
    municipalities: Iterable[Municipality] = (),
    sectors: Sequence[str] = (),
    created_by: User | None = None,
) -> MailOut:
    """Invite matching consenting users and pasted addresses; each address is mailed once.

    Built for thousands at once: the invitations are inserted in one statement, an address
    invited before keeps its invitation (the database's one-per-address constraint decides),
    and one mail-out row is written; the mail workers render, deduplicate and send after the
    commit, and the mail-out's page shows their progress. Returns the meeting's mail-out.
    """
    if meeting.status != MeetingStatus.PUBLISHED:
        raise RefusalError(_("Only published meetings can have invitations."), "state")
    invitees = invitees_collect(
        emails=emails, groups=groups, municipalities=municipalities, sectors=sectors
    )
    with transaction.atomic():
        _invitations_insert(meeting=meeting, invitees=invitees)
        # Read back every invitation of the meeting once (new and old, with their tokens),
        # rather than one query per address; keyed as the constraint compares, by lower().
        stored = {
            email.lower(): (pk, email, token)
            for pk, email, token in Invitation.objects.filter(meeting=meeting).values_list(
                "pk", "email", "token"
            )
        }
        invitations = [
            InvitationRow(*stored[invitee.email.lower()], user=invitee.user)
            for invitee in invitees
            if invitee.email.lower() in stored
        ]
        return invitations_mailout_create(
            meeting=meeting, invitations=invitations, created_by=created_by
        )


def reminders_due(now: dt.datetime | None = None) -> models.QuerySet[Registration]:
    """Confirmed registrations whose meeting starts within its lead time, not yet reminded
    for its current start."""
    return core.reminders_due(
        Registration.objects.all(),
        now=now or timezone.now(),
        lead_hours=F("meeting__reminder_lead_hours"),
    )


def reminders_send(*, now: dt.datetime | None = None) -> int:
    """Send each due reminder once per registration and meeting start."""
    return core.reminders_send(
        due=lambda: reminders_due(now).select_related("meeting__series"),
        kind="meeting_reminder",
        mail=lambda registration, key: _status_mail(registration, "meeting_reminder", key=key),
    )


# --- follow-ups after invitations and meetings ------------------------------------------------

# A meeting that ended longer ago than this is past the point where a reminder helps; it also
# keeps the first run after a deployment from mailing staff about every old meeting.
FOLLOWUP_REMINDER_LOOKBACK = dt.timedelta(days=30)


def meeting_followup_reminders_send(*, now: dt.datetime | None = None) -> int:
    """Remind each held meeting's contact, once, to approve minutes and publish the summary.

    Due DIALOGUE_FOLLOWUP_REMINDER_AFTER_DAYS after the meeting ended while either is missing.
    A meeting without a contact address is left for a later run, when one may have been added.
    """
    now = now or timezone.now()
    ended_before = now - dt.timedelta(days=settings.DIALOGUE_FOLLOWUP_REMINDER_AFTER_DAYS)
    window = {
        "ended_before": ended_before,
        "ended_after": ended_before - FOLLOWUP_REMINDER_LOOKBACK,
    }
    sent = 0
    for pk in list(Meeting.objects.followup_due(**window).values_list("pk", flat=True)):
        with transaction.atomic():
            meeting = (
                Meeting.objects.followup_due(**window)
                .select_for_update(skip_locked=True, of=("self",))
                .select_related("series")
                .filter(pk=pk)
                .first()
            )
            if meeting is None or not meeting.effective_contact_email:
                continue
            meeting.followup_reminded_at = now
            meeting.save(update_fields=["followup_reminded_at"])
            meeting_followup_reminder_enqueue(
                meeting=meeting,
                minutes_missing=not Minutes.objects.filter(
                    meeting=meeting, status=MinutesStatus.APPROVED
                ).exists(),
                summary_missing=not Summary.objects.filter(
                    meeting=meeting, published_at__isnull=False
                ).exists(),
            )
            sent += 1
    return sent


def invitation_followups_send(*, now: dt.datetime | None = None) -> int:
    """One follow-up per invitation to invitees who have not registered, shortly before."""
    now = now or timezone.now()
    days = settings.DIALOGUE_INVITATION_FOLLOWUP_DAYS_BEFORE
    sent = 0
    for pk in list(
        Invitation.objects.followup_due(now=now, days_before=days).values_list("pk", flat=True)
    ):
        with transaction.atomic():
            invitation = (
                Invitation.objects.followup_due(now=now, days_before=days)
                .select_for_update(skip_locked=True, of=("self",))
                .select_related("meeting__series", "user")
                .filter(pk=pk)
                .first()
            )
            if invitation is None:
                continue
            invitation.followed_up_at = now
            invitation.save(update_fields=["followed_up_at"])
            invitation_followup_enqueue(invitation=invitation)
            sent += 1
    return sent


# --- personal data --------------------------------------------------------------------------


def registrations_anonymise(*, now: dt.datetime | None = None) -> int:
    """Clear needs and messages REGISTRATION_ANONYMISE_AFTER_DAYS after each meeting ended."""
    return core.registrations_anonymise(model=Registration, now=now)
