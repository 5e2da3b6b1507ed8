"""Sending over real SMTP: an aiosmtpd server on loopback receives and we parse it back."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import icalendar
import pytest
from django.utils import timezone

from portal.outbox.enqueue import Attachment, email_enqueue
from portal.outbox.models import OutgoingEmail
from portal.outbox.tasks import email_send
from tests.smtp_sink import free_port

pytestmark = pytest.mark.django_db

Status = OutgoingEmail.Status

ICS = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Samverkansportalen//SV\r\nMETHOD:PUBLISH\r\n"
    "BEGIN:VEVENT\r\nUID:meeting-42@samverkan.example.se\r\nDTSTAMP:20260401T080000Z\r\n"
    "DTSTART:20260512T080000Z\r\nDTEND:20260512T100000Z\r\nSUMMARY:Dialog med civilsamhället\r\n"
    "END:VEVENT\r\nEND:VCALENDAR\r\n"
)


def enqueue(key: str = "smtp-test:1", *, language: str = "sv") -> OutgoingEmail:
    return email_enqueue(
        key=key,
        to="Åsa Öberg <asa@example.se>",
        template="portal/email/notice",
        context={
            "heading": "Dialog med civilsamhället 12 maj kl. 10",
            "body": "Välkommen! Kalenderfilen är bifogad.",
            "recipient_name": "Åsa",
            "link": "https://samverkan.example.se/dialogmoten/civilsamhallet-maj/",
        },
        language=language,
        attachments=[Attachment("dialogmote.ics", ICS, "text/calendar")],
    )


def test_a_real_smtp_server_receives_headers_both_parts_and_the_ics(
    smtp_settings, smtp_sink, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        row = enqueue()

    assert smtp_sink.deliveries == 1
    message = smtp_sink.parsed()[0]
    row.refresh_from_db()
    assert row.status == Status.SENT

    assert message["Message-ID"] == row.message_id
    assert message["Subject"] == "Dialog med civilsamhället 12 maj kl. 10"
    assert message["To"] == "Åsa Öberg <asa@example.se>"
    assert message["From"] == "Samverkansportalen <noreply@samverkan.regionstockholm.se>"
    assert message["Content-Language"] == "sv"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Date"]

    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text.get_content_charset() == "utf-8"
    assert "Hej Åsa," in text.get_content() or "Hello Åsa," in text.get_content()
    assert "Välkommen! Kalenderfilen är bifogad." in text.get_content()
    assert "http://127.0.0.1:8000/mina-sidor/" in text.get_content()
    html_content = html.get_content()
    assert '<html lang="sv"' in html_content
    assert "<h1" in html_content
    assert "Dialog med civilsamhället 12 maj kl. 10</h1>" in html_content
    assert 'href="https://samverkan.example.se/dialogmoten/civilsamhallet-maj/"' in html_content

    attachments = list(message.iter_attachments())
    assert [a.get_filename() for a in attachments] == ["dialogmote.ics"]
    assert attachments[0].get_content_type() == "text/calendar"
    calendar = icalendar.Calendar.from_ical(attachments[0].get_content())
    event = calendar.walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == "Dialog med civilsamhället"
    assert str(event["UID"]) == "meeting-42@samverkan.example.se"


def test_an_smtp_failure_schedules_a_retry_and_recovery_delivers_exactly_once(
    smtp_settings, smtp_sink, django_capture_on_commit_callbacks
):
    smtp_sink.fail_next(1)  # 451: the server is busy, try later
    with (
        mock.patch.object(email_send, "apply_async", wraps=email_send.apply_async) as publish,
        django_capture_on_commit_callbacks(execute=True),
    ):
        row = enqueue()

    row.refresh_from_db()
    assert smtp_sink.deliveries == 0
    assert row.status == Status.QUEUED
    assert row.attempts == 1
    assert "451" in row.last_error
    assert "Try again later" in row.last_error
    assert row.next_attempt_at - timezone.now() > timedelta(seconds=25)
    # The first publish on commit, then the retry 30 seconds out.
    assert [call.kwargs.get("countdown") for call in publish.call_args_list] == [None, 30]
    assert publish.call_args_list[1].kwargs["args"] == [[row.pk]]

    # Too early: the retry task finds nothing due.
    assert email_send([row.pk])["sent"] == 0
    # The backoff has passed.
    OutgoingEmail.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    email_send([row.pk])
    email_send([row.pk])

    row.refresh_from_db()
    assert row.status == Status.SENT
    assert row.attempts == 2
    assert smtp_sink.deliveries == 1
    assert smtp_sink.ids == [row.message_id]


def test_retries_back_off_and_give_up_after_a_day(
    smtp_settings, smtp_sink, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        row = enqueue()
    smtp_sink.fail_next(100)
    waits = []
    for _attempt in range(6):
        before = timezone.now()
        email_send([row.pk])
        row.refresh_from_db()
        waits.append(round((row.next_attempt_at - before).total_seconds() / 10) * 10)
        OutgoingEmail.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert waits == [30, 120, 600, 3600, 3600, 3600]
    assert row.status == Status.QUEUED

    # A day after it was written, the next failure is the last.
    OutgoingEmail.objects.filter(pk=row.pk).update(give_up_at=timezone.now() + timedelta(seconds=5))
    email_send([row.pk])
    row.refresh_from_db()
    assert row.status == Status.FAILED
    assert "451" in row.last_error
    assert smtp_sink.deliveries == 0


def test_a_refused_recipient_fails_at_once(
    smtp_settings, smtp_sink, django_capture_on_commit_callbacks
):
    smtp_sink.fail_next(1, "550 5.1.1 No such mailbox")
    with django_capture_on_commit_callbacks(execute=True):
        row = enqueue()
    row.refresh_from_db()
    assert row.status == Status.FAILED
    assert "550" in row.last_error
    assert smtp_sink.deliveries == 0


def test_with_the_smtp_server_down_the_whole_batch_waits_and_then_goes_once(
    smtp_settings, smtp_sink, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        rows = [enqueue(f"smtp-test:{n}") for n in range(3)]
    ids = [row.pk for row in rows]
    smtp_settings.EMAIL_PORT = free_port()  # nobody listens there

    assert email_send(ids) == {"sent": 0, "retrying": 3, "failed": 0, "released": 0}
    for row in OutgoingEmail.objects.filter(pk__in=ids):
        assert row.status == Status.QUEUED
        assert "Connection refused" in row.last_error or "Errno" in row.last_error

    smtp_settings.EMAIL_PORT = smtp_sink.port
    OutgoingEmail.objects.filter(pk__in=ids).update(next_attempt_at=timezone.now())
    assert email_send(ids)["sent"] == 3
    assert email_send(ids)["sent"] == 0
    assert sorted(smtp_sink.ids) == sorted(row.message_id for row in rows)


def test_one_connection_carries_a_whole_batch(
    smtp_settings, smtp_sink, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        rows = [enqueue(f"smtp-test:{n}") for n in range(5)]

    assert email_send([row.pk for row in rows])["sent"] == 5

    assert smtp_sink.sessions == 1
    assert smtp_sink.distinct == 5


def test_bulk_mail_names_its_unsubscribe_address_and_personal_mail_does_not(
    smtp_settings, smtp_sink, django_capture_on_commit_callbacks
):
    """A mail-out carries List-Unsubscribe pointing at the consents, in the recipient's
    language; a personal mail (a registration, a notice) carries none."""
    from portal.outbox.enqueue import MailRecipient, mailout_create

    with django_capture_on_commit_callbacks(execute=True):
        mailout_create(
            key="invitation:meeting-9",
            title="Inbjudan",
            template="portal/email/notice",
            recipients=[
                MailRecipient(email="sv@example.se", language="sv"),
                MailRecipient(email="en@example.se", language="en"),
            ],
            context={"heading": "Kommundialog", "body": "Välkommen."},
        )
        enqueue()
    received = {message["To"]: message for message in smtp_sink.parsed()}
    assert (
        received["sv@example.se"]["List-Unsubscribe"]
        == "<http://127.0.0.1:8000/mina-sidor/profil/>"
    )
    assert received["en@example.se"]["List-Unsubscribe"] == (
        "<http://127.0.0.1:8000/en/mina-sidor/profil/>"
    )
    assert received["Åsa Öberg <asa@example.se>"]["List-Unsubscribe"] is None
