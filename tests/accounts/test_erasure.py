"""Account deletion leaves the person's address and name nowhere in the database, and nothing is
mailed to them afterwards but the deletion confirmation (itself cleared once sent)."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from psycopg import sql

from accounts.models import User
from accounts.services import deletion_confirmations_clear
from dialogues import services as dialogue_services
from dialogues.models import Invitation, Registration
from dialogues.summaries.services import subscription_create, summary_publish
from portal.models import Municipality
from portal.outbox.enqueue import MailRecipient, email_enqueue, mailout_create
from portal.outbox.models import MailOut, OutgoingEmail
from stockholmstinget import services as tinget_services
from stockholmstinget.models import EditionRegistration
from tests.accounts.factories import UserFactory
from tests.conftest import staff_login
from tests.dialogues.factories import InvitationFactory, MeetingFactory, SummaryFactory
from tests.stockholmstinget.factories import EditionFactory

pytestmark = pytest.mark.django_db

ADDRESS = "ingegerd.zetterqvist@example.se"
NAME = "Åsa-Ingegerd Zetterqvist"
PASSWORD = "fika-och-kultur-2026"
# What must be gone: the address, its local part (URL-encoded addresses), the name, and the
# name as JSON writes it with non-ASCII escaped (admin change messages).
NEEDLES = [ADDRESS, ADDRESS.split("@")[0], NAME, json.dumps(NAME)[1:-1]]

# Column types that hold text, by PostgreSQL type OID: text, varchar, char, json, jsonb, and
# arrays of text and varchar.
TEXT_TYPE_OIDS = {25, 1043, 1042, 114, 3802, 1009, 1015}


def _text_columns() -> dict[str, list[str]]:
    """Every text-like column of every table, found by introspection, not by a list."""
    columns: dict[str, list[str]] = {}
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        for table in tables:
            description = connection.introspection.get_table_description(cursor, table)
            names = [column.name for column in description if column.type_code in TEXT_TYPE_OIDS]
            if names:
                columns[table] = names
    # Introspection saw every model's table (so the scan below misses none of them).
    model_tables = {model._meta.db_table for model in apps.get_models()}
    assert model_tables <= set(tables), model_tables - set(tables)
    return columns


def _hits(needles: list[str]) -> list[str]:
    hits = []
    with connection.cursor() as cursor:
        for table, names in _text_columns().items():
            for column in names:
                for needle in needles:
                    query = sql.SQL("SELECT {c}::text FROM {t} WHERE {c}::text ILIKE %s").format(
                        c=sql.Identifier(column), t=sql.Identifier(table)
                    )
                    cursor.execute(query, [f"%{connection.ops.prep_for_like_query(needle)}%"])
                    for (value,) in cursor.fetchall():
                        hits.append(f"{table}.{column} contains {needle!r}: {value[:160]!r}")
    return hits


def _link(body: str, pattern: str) -> str:
    match = re.search(rf"https?://[^/\s]+({pattern}\S*)", body)
    assert match, body
    return match.group(1)


def _sign_up(client: Client, municipalities) -> User:
    """The person creates their account as anyone does: sign-up, confirmation link, login."""
    client.post(
        "/konto/signup/",
        {
            "email": ADDRESS,
            "password1": PASSWORD,
            "password2": PASSWORD,
            "display_name": NAME,
            "organisation": "Zetterqvists kulturförening",
            "stakeholder_group": "civil_society",
            "municipality": "",
            "sectors": ["culture"],
            "preferred_language": "sv",
            "invitations_consent": "on",
            "public_listing_consent": "on",
        },
    )
    confirmation = OutgoingEmail.objects.get(to=ADDRESS)
    path = _link(confirmation.body_text, "/konto/")
    assert client.post(path).status_code == 302
    user = User.objects.get(email=ADDRESS)
    assert EmailAddress.objects.get(user=user).verified
    return user


@pytest.fixture
def staff():
    client = Client()
    user = UserFactory(email="chef@regionstockholm.se", is_staff=True, is_superuser=True)
    staff_login(client, user)
    client.user = user
    return client


def _give_the_person_a_history(client, staff, user, django_capture_on_commit_callbacks):
    """Registrations, invitations, mail-outs, allauth mail, admin history, an alert."""
    solna = Municipality.objects.get(name="Solna")
    with django_capture_on_commit_callbacks(execute=True):
        # A dialogue meeting, through the registration page, with needs and a message.
        meeting = MeetingFactory()
        response = client.post(
            reverse("dialogues:registration_create", args=[meeting.slug]),
            {
                "dietary_needs": "Vegansk",
                "accessibility_needs": "Hörslinga",
                "message": f"Hälsningar {NAME}, {ADDRESS}",
                "consent_to_be_listed": "on",
            },
        )
        assert response.status_code == 302
        # An invitation by address to another meeting (a mail-out keyed by invitation).
        invited_to = MeetingFactory(starts_at=timezone.now() + dt.timedelta(days=2))
        dialogue_services.invitation_send(meeting=invited_to, emails=[ADDRESS.upper()])
        # Stockholmstinget: registration through its page, and an invitation by address
        # (a mail-out whose recipients are keyed by the address itself).
        edition = EditionFactory()
        response = client.post(
            reverse("stockholmstinget:registration", args=[edition.year]),
            {
                "mode": "in_person",
                "sector": "culture",
                "organisation": "Zetterqvists kulturförening",
                "accessibility_needs": f"Rullstol ({NAME})",
                "message": f"Hälsningar {NAME}",
            },
        )
        assert response.status_code == 302
        assert EditionRegistration.objects.filter(user=user).exists()
        tinget_services.announcement_send(edition=EditionFactory(), emails=[ADDRESS])
        # An alert subscription, and a summary that sends alerts (a mail-out keyed by user).
        subscription_create(user=user, municipality=solna)
        summary = SummaryFactory(published_at=None)
        summary.municipalities.add(solna)
        summary_publish(summary=summary, by=staff.user)
        # allauth mail: a password reset link (key with the address).
        client.post("/konto/password/reset/", {"email": ADDRESS})
        # Staff edit the person in admin (the log's object_repr is the person's name).
        response = staff.post(
            f"/admin/accounts/user/{user.pk}/change/",
            {
                "email": ADDRESS,
                "display_name": NAME,
                "organisation": "Zetterqvists kulturförening (ideell)",
                "stakeholder_group": "civil_society",
                "municipality": "",
                "sectors": "culture",
                "preferred_language": "sv",
                "is_active": "on",
            },
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        # A staff notice that names the person, to someone else.
        email_enqueue(
            key=f"staff-notice:{user.pk}",
            to="chef@regionstockholm.se",
            template="portal/email/notice",
            context={"heading": f"Ny anmälan från {NAME}", "body": f"Adress: {ADDRESS}"},
            language="sv",
        )
    # A mail-out written but not fanned out yet (its task still waits in the broker).
    mailout_create(
        key="newsletter:2031",
        title="Nyhetsbrev",
        template="portal/email/notice",
        recipients=[
            MailRecipient(email=ADDRESS, context={"heading": f"Hej {NAME}", "body": "Nytt."}),
            MailRecipient(email="annan@example.se", context={"heading": "Hej", "body": "Nytt."}),
        ],
    )
    registration = Registration.objects.get(user=user)
    invitation = Invitation.objects.get(email__iexact=ADDRESS)
    ct = ContentType.objects.get_for_model
    # What the admin writes when staff add inline objects or change a registration.
    LogEntry.objects.create(
        user=staff.user,
        content_type=ct(invitation.meeting),
        object_id=str(invitation.meeting.pk),
        object_repr=str(invitation.meeting),
        action_flag=CHANGE,
        change_message=json.dumps([{"added": {"name": "invitation", "object": str(invitation)}}]),
    )
    LogEntry.objects.create(
        user=staff.user,
        content_type=ct(registration),
        object_id=str(registration.pk),
        object_repr=str(registration),
        action_flag=ADDITION,
        change_message=json.dumps([{"added": {"name": "registration", "object": NAME}}]),
    )
    return meeting, invited_to


def test_after_deletion_no_column_of_any_table_holds_the_address_or_the_name(
    client, staff, municipalities, django_capture_on_commit_callbacks
):
    user = _sign_up(client, municipalities)
    _give_the_person_a_history(client, staff, user, django_capture_on_commit_callbacks)
    # The history really put the person into the places the erasure must reach.
    before = "\n".join(_hits(NEEDLES))
    for place in (
        "dialogues_invitation.email",
        "portal_mailout.recipients",
        "portal_outgoingemail.key",
        "portal_outgoingemail.body_text",
        "django_admin_log.object_repr",
        "django_admin_log.change_message",
        "dialogues_registration.message",
        "stockholmstinget_editionregistration.accessibility_needs",
    ):
        assert place in before, f"the set-up put nothing into {place}"
    sent_before = len(mail.outbox)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:account_delete"), {"password": PASSWORD, "confirm": "on"}
        )
    assert response.status_code == 302
    # The confirmation was sent, and it is the only mail the deletion sent to the person.
    to_person = [m for m in mail.outbox[sent_before:] if ADDRESS in m.to]
    assert len(to_person) == 1
    assert OutgoingEmail.objects.get(key=f"account-deleted:{user.pk}").status == "sent"

    assert deletion_confirmations_clear() == 1
    assert _hits(NEEDLES) == []
    # Rows and counts survive: the person's rows are there, anonymised.
    assert Registration.objects.filter(user=user).exists()
    assert Invitation.objects.filter(user=user).count() == 1
    assert MailOut.objects.get(key="newsletter:2031").total == 2
    assert LogEntry.objects.filter(object_id=str(user.pk)).exists()


def test_nothing_is_mailed_to_the_deleted_person_afterwards(
    client, staff, municipalities, django_capture_on_commit_callbacks
):
    """The invitation follow-up sweep, a pending mail-out's fan-out and mail still queued for
    them send nothing to the deleted address."""
    user = _sign_up(client, municipalities)
    _meeting, invited_to = _give_the_person_a_history(
        client, staff, user, django_capture_on_commit_callbacks
    )
    # Mail still waiting for the person when they delete the account.
    waiting = email_enqueue(
        key="waiting-for-ingegerd",
        to=ADDRESS,
        template="portal/email/notice",
        context={"heading": f"Hej {NAME}", "body": "Snart."},
        language="sv",
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:account_delete"), {"password": PASSWORD, "confirm": "on"})
    sent_before = len(mail.outbox)
    waiting.refresh_from_db()
    assert waiting.status == "failed"
    assert waiting.to == ""

    # The follow-up point of the meeting they were invited to (3 days before it).
    with django_capture_on_commit_callbacks(execute=True):
        followups = dialogue_services.invitation_followups_send(
            now=invited_to.starts_at - dt.timedelta(days=2)
        )
        # The pending mail-out fans out now, and every queued row is sent.
        newsletter = MailOut.objects.get(key="newsletter:2031")
        from portal.outbox.enqueue import mailout_fanout_chunk
        from portal.outbox.send import email_send_batch

        mailout_fanout_chunk(mailout_id=newsletter.pk, start=0)
        email_send_batch(list(OutgoingEmail.objects.values_list("pk", flat=True)))
    assert followups == 0
    recipients = [address for message in mail.outbox[sent_before:] for address in message.to]
    assert ADDRESS not in [address.lower() for address in recipients]
    assert recipients == ["annan@example.se"]
    assert newsletter.emails.count() == 2  # the fan-out is complete, nobody waits for a row


def test_a_queued_deletion_confirmation_is_kept_until_it_is_sent(client, municipalities):
    """The sweep clears only what has been sent: a confirmation still waiting keeps its address."""
    user = _sign_up(client, municipalities)
    client.post(reverse("accounts:account_delete"), {"password": PASSWORD, "confirm": "on"})
    row = OutgoingEmail.objects.get(key=f"account-deleted:{user.pk}")
    assert row.status == "queued"
    assert deletion_confirmations_clear() == 0
    row.refresh_from_db()
    assert row.to == ADDRESS
    assert NAME.split("-")[0] in row.body_text
    OutgoingEmail.objects.filter(pk=row.pk).update(status="sent", sent_at=timezone.now())
    assert deletion_confirmations_clear() == 1
    row.refresh_from_db()
    assert (row.to, row.subject, row.body_text, row.body_html) == ("", "", "", "")
    assert deletion_confirmations_clear() == 0


def test_the_confirmation_sweep_is_scheduled(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["accounts-deletion-confirmations-clear"]
    assert entry["task"] == "accounts.tasks.deletion_confirmations_clear"
    assert entry["schedule"] <= 10 * 60


def test_other_peoples_invitations_and_mail_are_untouched(client, municipalities):
    other = InvitationFactory(email="kvar@example.se")
    email_enqueue(
        key="other:1",
        to="kvar@example.se",
        template="portal/email/notice",
        context={"heading": "Hej Kvar", "body": "Text."},
        language="sv",
    )
    _sign_up(client, municipalities)
    client.post(reverse("accounts:account_delete"), {"password": PASSWORD, "confirm": "on"})
    other.refresh_from_db()
    assert other.email == "kvar@example.se"
    row = OutgoingEmail.objects.get(key="other:1")
    assert row.to == "kvar@example.se"
    assert "Hej Kvar" in row.body_text
