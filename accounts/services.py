"""Operations on accounts: profile and consents, the data export, erasure, staff access."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from allauth.account.models import EmailAddress
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import registry
from .models import StakeholderGroup, User

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

EXPORT_FORMAT_VERSION = 1
ANONYMISED_EMAIL_DOMAIN = "anonymised.invalid"


@dataclass(frozen=True)
class ProfileData:
    """What a person tells the portal about themselves (sign-up, completion, Mina sidor)."""

    display_name: str
    stakeholder_group: str
    preferred_language: str
    organisation: str = ""
    municipality: Any = None  # portal.Municipality or None
    sectors: list[str] = field(default_factory=list)
    invitations_consent: bool = False
    public_listing_consent: bool = False


def mail_language_for(email: str, *, default: str | None = None) -> str:
    """The language mail to this address is written in: its owner's preferred language."""
    user = (
        # Only a confirmed address says whose it is: anyone can add an unconfirmed one.
        User.objects.filter(emailaddress__email__iexact=email, emailaddress__verified=True).first()
        or User.objects.filter(email__iexact=email).first()
    )
    if user is not None:
        return user.preferred_language
    languages = {code for code, _name in settings.LANGUAGES}
    return default if default in languages else settings.LANGUAGE_CODE


def _consent_time(
    given: bool, previous: dt.datetime | None, now: dt.datetime
) -> dt.datetime | None:
    # A consent keeps the time it was first given; withdrawing it clears the time.
    if not given:
        return None
    return previous or now


def profile_apply(*, user: User, data: ProfileData, now: dt.datetime | None = None) -> User:
    """Put the profile on the user (unsaved); the municipality rule is checked here too."""
    if data.stakeholder_group == StakeholderGroup.MUNICIPALITY and data.municipality is None:
        raise ValidationError(
            {"municipality": _("Choose the municipality you work for.")}, code="required"
        )
    now = now or timezone.now()
    user.display_name = data.display_name.strip()
    user.organisation = data.organisation.strip()
    user.stakeholder_group = data.stakeholder_group
    user.municipality = data.municipality
    user.sectors = sorted(set(data.sectors))
    user.preferred_language = data.preferred_language
    user.invitations_consented_at = _consent_time(
        data.invitations_consent, user.invitations_consented_at, now
    )
    user.public_listing_consented_at = _consent_time(
        data.public_listing_consent, user.public_listing_consented_at, now
    )
    user.profile_completed_at = user.profile_completed_at or now
    return user


PROFILE_FIELDS = [
    "display_name",
    "organisation",
    "stakeholder_group",
    "municipality",
    "sectors",
    "preferred_language",
    "invitations_consented_at",
    "public_listing_consented_at",
    "profile_completed_at",
]


@transaction.atomic
def profile_update(*, user: User, data: ProfileData) -> User:
    """Save a changed profile; consents given now are stamped, withdrawn ones cleared."""
    profile_apply(user=user, data=data)
    user.save(update_fields=PROFILE_FIELDS)
    return user


# --- Registration gate ----------------------------------------------------------------------


class GateBlock(models.TextChoices):
    """Why a person may not register for something yet."""

    LOGIN = "login", _("Log in to register.")
    UNVERIFIED = "unverified", _("Confirm your email address before you register.")
    PROFILE = "profile", _("Complete your profile before you register.")


def registration_gate_block(user: User | AnonymousUser) -> GateBlock | None:
    """The first thing stopping `user` from registering for anything, or None if nothing does.

    Services that register people call this too, so the rule holds beyond the views.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return GateBlock.LOGIN
    # A confirmed address stays confirmed for the life of the object (a request, a task), so
    # the page's gate and the service's pay for one query between them.
    if not getattr(user, "_address_verified", False):
        verified = EmailAddress.objects.filter(
            user=user, email__iexact=user.email, verified=True
        ).exists()
        if not verified:
            return GateBlock.UNVERIFIED
        user._address_verified = True
    if not user.profile_is_complete:
        return GateBlock.PROFILE
    return None


# --- Invitations ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Invitee:
    """One address staff invite to something; `user` is its account, if it has one."""

    email: str
    user: User | None = None

    @property
    def language(self) -> str:
        return (self.user.preferred_language if self.user else "") or settings.LANGUAGE_CODE


def invitees_collect(
    *,
    emails: Iterable[str] = (),
    groups: Sequence[str] = (),
    municipalities: Iterable = (),
    sectors: Sequence[str] = (),
) -> list[Invitee]:
    """Who an invitation goes to: consenting users matching the criteria, and the addresses.

    Without any criterion nobody is picked by profile (not every consenting user). Each address
    appears once, compared case-insensitively; a pasted address that belongs to an account is
    tied to it, so the mail is in that person's language.
    """
    invitees: dict[str, Invitee] = {}
    municipalities = list(municipalities)
    if groups or municipalities or sectors:
        for user in User.objects.invitable(
            groups=groups, municipalities=municipalities, sectors=sectors
        ):
            invitees.setdefault(user.email.casefold(), Invitee(email=user.email, user=user))
    emails = [email.strip() for email in emails if email.strip()]
    users_by_email = {
        user.email.casefold(): user
        for user in User.objects.annotate(email_folded=Lower("email")).filter(
            email_folded__in=[email.casefold() for email in emails]
        )
    }
    for email in emails:
        user = users_by_email.get(email.casefold())
        invitees.setdefault(
            email.casefold(), Invitee(email=user.email if user else email, user=user)
        )
    return list(invitees.values())


# --- Data export ----------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return str(value)
    return value


def _user_fields(user: User) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for model_field in User._meta.concrete_fields:
        if model_field.name == "password":
            # Not even the hash leaves the database; say whether one is set.
            data["password"] = {"is_set": user.has_usable_password()}
            continue
        data[model_field.name] = _plain(getattr(user, model_field.name))
    municipality = user.municipality
    if municipality is not None:
        data["municipality"] = {"code": municipality.code, "name": municipality.name}
    data["groups"] = sorted(user.groups.values_list("name", flat=True))
    return data


def verified_addresses(user: User) -> set[str]:
    """The addresses `user` has proven to own, lower-cased: their confirmed EmailAddress rows.

    Only these tie mail in the outbox to the person. An unconfirmed address proves nothing:
    anybody may add someone else's address to their own account (an email change waiting for
    its confirmation), so mail to it belongs to whoever really holds it. `user.email` counts
    only when it is confirmed too, and then it is one of these rows (allauth copies the primary
    address into it, at sign-up before it is confirmed). With ACCOUNT_UNIQUE_EMAIL a confirmed
    address belongs to one account at a time (allauth's `unique_verified_email` constraint).
    """
    emails = EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True)
    return {email.lower() for email in emails}


def _outbox_to(outgoing: type[models.Model], addresses: set[str]) -> models.QuerySet:
    if not addresses:
        return outgoing._default_manager.none()
    query = models.Q()
    for address in addresses:
        query |= models.Q(to__iexact=address)
    return outgoing._default_manager.filter(query)


# allauth's mail (confirmation links and codes, password reset links) carries live tokens: the
# export says that such a message went out, never what it said.
ALLAUTH_KEY_PREFIX = "allauth:"
_ALLAUTH_EXPORTED = ("key", "to", "language", "subject", "status", "created_at", "sent_at")


def _outgoing_emails(addresses: set[str]) -> list[dict[str, Any]]:
    try:
        outgoing = apps.get_model("portal", "OutgoingEmail")
    except LookupError:
        return []
    rows = []
    skip = {"id", "attachments", "message_id", "lease_until", "enqueued_at", "mailout"}
    for email in _outbox_to(outgoing, addresses).order_by("created_at", "pk"):
        if email.key.startswith(ALLAUTH_KEY_PREFIX):
            row = {name: _plain(getattr(email, name)) for name in _ALLAUTH_EXPORTED}
            row["content_withheld"] = True
            rows.append(row)
            continue
        row = {
            f.name: _plain(getattr(email, f.name))
            for f in outgoing._meta.concrete_fields
            if f.name not in skip
        }
        row["attachments"] = [a.get("filename") for a in (email.attachments or [])]
        rows.append(row)
    return rows


def account_export(*, user: User) -> dict[str, Any]:
    """Everything the portal stores about `user`, as JSON-ready data ("download my data")."""
    user = User.objects.select_related("municipality").get(pk=user.pk)
    addresses = list(EmailAddress.objects.filter(user=user).order_by("email"))
    authenticators = apps.get_model("mfa", "Authenticator").objects.filter(user=user)
    return {
        "format_version": EXPORT_FORMAT_VERSION,
        "exported_at": timezone.now().isoformat(),
        "profile": _user_fields(user),
        "consents": {
            "invitations": {
                "given": user.wants_invitations,
                "given_at": _plain(user.invitations_consented_at),
            },
            "public_attendee_lists": {
                "given": user.may_be_listed,
                "given_at": _plain(user.public_listing_consented_at),
            },
        },
        "email_addresses": [
            {"email": a.email, "verified": a.verified, "primary": a.primary} for a in addresses
        ],
        # Which second factors exist and when they were used; never their secrets.
        "two_factor_authentication": [
            {
                "type": a.type,
                "created_at": _plain(a.created_at),
                "last_used_at": _plain(a.last_used_at),
            }
            for a in authenticators.order_by("created_at")
        ],
        "sections": {
            section.key: section.export(user)
            for section in registry.sections()
            if section.export is not None
        },
        # Only mail to confirmed addresses: see verified_addresses.
        "emails_sent": _outgoing_emails(verified_addresses(user)),
    }


# --- Erasure --------------------------------------------------------------------------------


DELETION_CONFIRMATION_KEY_PREFIX = "account-deleted:"


def erasure_subject(*, user: User) -> registry.ErasureSubject:
    """Who `user` is in text, for the erasers: the addresses they proved to own and their name."""
    return registry.ErasureSubject(
        user=user,
        # Only confirmed addresses: an unconfirmed one may be somebody else's.
        addresses=frozenset(verified_addresses(user)),
        names=tuple(name for name in [user.display_name.strip()] if name),
        placeholder_email=f"deleted-{user.pk}@{ANONYMISED_EMAIL_DOMAIN}",
        keep_keys=frozenset({f"{DELETION_CONFIRMATION_KEY_PREFIX}{user.pk}"}),
    )


def admin_log_erase(subject: registry.ErasureSubject) -> None:
    """The admin's history keeps who did what and when, not the person's name or address
    (in the object's description or a change message naming an inline object)."""
    from django.contrib.admin.models import LogEntry

    entries = LogEntry.objects.select_for_update().filter(
        subject.mentioned_in("object_repr", "change_message")
    )
    for entry in entries.order_by("pk"):
        entry.object_repr = subject.scrub(entry.object_repr)
        entry.change_message = subject.scrub(entry.change_message)
        entry.save(update_fields=["object_repr", "change_message"])


@transaction.atomic
def account_delete(*, user: User) -> User:
    """Erase a person's account, keeping the row so counts of what they took part in hold.

    In one transaction: every registered section cancels the person's active registrations
    through its normal cancellation service (seats are freed, waitlists move) and anonymises
    what it holds; a confirmation is queued to the address the account had; every registered
    eraser takes the person's address and name out of what it stores as text (invitations,
    mail-out recipient lists, the outbox, the admin log) and stops mail still waiting for them;
    then the name, organisation, email addresses, consents, password, second factors and staff
    rights go. The stakeholder group, municipality and sectors stay, as they only feed
    statistics. The confirmation itself is cleared once sent (`deletion_confirmations_clear`).
    """
    from portal.outbox.enqueue import email_enqueue

    user = User.objects.select_for_update().get(pk=user.pk)
    if user.anonymised_at is not None:
        return user
    for section in registry.sections():
        if section.erase is not None:
            section.erase(user)
    subject = erasure_subject(user=user)
    email_enqueue(
        key=f"{DELETION_CONFIRMATION_KEY_PREFIX}{user.pk}",
        to=user.email,
        template="accounts/email/account_deleted",
        context={"name": user.display_name},
        language=user.preferred_language,
    )
    for eraser in registry.erasers():
        eraser.erase(subject)
    EmailAddress.objects.filter(user=user).delete()
    apps.get_model("mfa", "Authenticator").objects.filter(user=user).delete()
    user.groups.clear()
    user.user_permissions.clear()
    user.email = subject.placeholder_email
    user.display_name = ""
    user.organisation = ""
    user.invitations_consented_at = None
    user.public_listing_consented_at = None
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    # A new (unusable) password hash also ends every other session of the account.
    user.set_unusable_password()
    user.anonymised_at = timezone.now()
    user.save()
    return user


def deletion_confirmations_clear() -> int:
    """Blank the address and content of deletion confirmations that are sent (or given up on).

    The confirmation is the one message an erased person still gets; its row is kept only until
    then. Returns how many rows were cleared; a second run clears none.
    """
    outgoing = apps.get_model("portal", "OutgoingEmail")
    done = [outgoing.Status.SENT, outgoing.Status.FAILED]
    return (
        outgoing.objects.filter(key__startswith=DELETION_CONFIRMATION_KEY_PREFIX, status__in=done)
        .exclude(to="")
        .update(to="", subject="", body_text="", body_html="", attachments=[], last_error="")
    )


# --- Staff ----------------------------------------------------------------------------------


@transaction.atomic
def staff_account_ensure(*, email: str, password: str, name: str = "") -> User:
    """Create or refresh a staff superuser with a verified email address."""
    user = User.objects.filter(email__iexact=email).first() or User(email=email)
    user.display_name = name or user.display_name
    user.is_staff = True
    user.is_superuser = True
    user.is_active = True
    user.set_password(password)
    user.profile_completed_at = user.profile_completed_at or timezone.now()
    user.stakeholder_group = user.stakeholder_group or StakeholderGroup.REGION
    user.save()
    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    return user


def staff_totp_ensure(*, user: User, secret: str) -> list[str]:
    """Give a staff account a TOTP authenticator with `secret` and recovery codes.

    Returns the unused recovery codes. Development only: the demo staff command prints both.
    """
    from allauth.mfa.models import Authenticator
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP
    from allauth.mfa.utils import decrypt

    totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if totp is not None and decrypt(totp.data.get("secret", "")) != secret:
        totp.delete()
        totp = None
    if totp is None:
        TOTP.activate(user, secret)
    codes = Authenticator.objects.filter(user=user, type=Authenticator.Type.RECOVERY_CODES).first()
    recovery = RecoveryCodes(codes) if codes else RecoveryCodes.activate(user)
    unused = recovery.get_unused_codes()
    if not unused:
        codes.delete()
        unused = RecoveryCodes.activate(user).get_unused_codes()
    return unused
