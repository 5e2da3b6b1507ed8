"""The outbox: one row and one mail per key, written in the caller's transaction."""

from __future__ import annotations

import inspect
from datetime import timedelta

import kombu
import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from portal.outbox.enqueue import Attachment, email_enqueue
from portal.outbox.models import OutgoingEmail
from portal.outbox.redrive import email_redrive
from portal.outbox.render import email_render
from portal.outbox.tasks import email_send

pytestmark = pytest.mark.django_db

Status = OutgoingEmail.Status
ICS = "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"


def enqueue(key: str = "test-notice:1", *, to: str = "anna@example.se", language: str = "sv"):
    return email_enqueue(
        key=key,
        to=to,
        template="portal/email/notice",
        context={
            "heading": "Dialogmöte 12 maj",
            "body": "Välkommen till mötet.",
            "recipient_name": "Anna",
        },
        language=language,
        attachments=[Attachment("mote.ics", ICS, "text/calendar")],
    )


def test_enqueue_twice_writes_one_row_and_sends_one_mail(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = enqueue()
    with django_capture_on_commit_callbacks(execute=True) as again:
        second = enqueue()

    assert OutgoingEmail.objects.count() == 1
    assert second.pk == first.pk
    assert len(callbacks) == 1
    assert again == []
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["anna@example.se"]
    assert mail.outbox[0].extra_headers["Message-ID"] == first.message_id


def test_the_send_task_run_twice_sends_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        row = enqueue()

    first = email_send([row.pk])
    second = email_send([row.pk])

    assert len(mail.outbox) == 1
    assert first["sent"] == 1
    assert second == {"sent": 0, "retrying": 0, "failed": 0, "released": 0}
    row.refresh_from_db()
    assert row.status == Status.SENT
    assert row.attempts == 1
    assert row.sent_at is not None
    assert row.lease_until is None


def test_nothing_is_written_or_sent_when_the_transaction_rolls_back(
    django_capture_on_commit_callbacks,
):
    with (  # noqa: PT012 - the error is raised inside the transaction it rolls back
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        enqueue()
        raise RuntimeError("the registration failed")

    assert OutgoingEmail.objects.count() == 0
    assert callbacks == []
    assert mail.outbox == []


def test_a_row_in_flight_is_skipped_by_a_second_task(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        row = enqueue()
    OutgoingEmail.objects.filter(pk=row.pk).update(
        status=Status.SENDING, lease_until=timezone.now() + timedelta(minutes=10), attempts=1
    )

    assert email_send([row.pk])["sent"] == 0
    assert mail.outbox == []


def test_the_message_is_rendered_in_the_recipients_language():
    swedish = email_render(
        template="portal/email/notice",
        context={"heading": "Rubrik", "body": "Text"},
        language="sv",
    )
    english = email_render(
        template="portal/email/notice",
        context={"heading": "Heading", "body": "Text"},
        language="en",
    )

    assert '<html lang="sv"' in swedish.body_html
    assert '<html lang="en"' in english.body_html
    # The footer links to "Mina sidor" in the recipient's language.
    assert "http://127.0.0.1:8000/mina-sidor/" in swedish.body_text
    assert 'href="http://127.0.0.1:8000/mina-sidor/"' in swedish.body_html
    assert ">Mina sidor</a>" in swedish.body_html
    assert "http://127.0.0.1:8000/en/mina-sidor/" in english.body_text
    assert ">My pages</a>" in english.body_html
    assert "You get this email because you have an account on Samverkansportalen." in (
        english.body_text
    )
    for rendered in (swedish, english):
        assert rendered.body_text.startswith("Samverkansportalen\n")
        assert f"<title>{rendered.subject}</title>" in rendered.body_html


def test_text_parts_are_not_html_escaped_and_the_html_part_is():
    rendered = email_render(
        template="portal/email/notice",
        context={"heading": "Kultur & idrott <i>", "body": 'Säg "hej" & kom'},
        language="sv",
    )
    assert rendered.subject == "Kultur & idrott <i>"
    assert 'Kultur & idrott <i>\n\nSäg "hej" & kom' in rendered.body_text
    assert "Kultur &amp; idrott &lt;i&gt;</h1>" in rendered.body_html
    assert "<title>Kultur &amp; idrott &lt;i&gt;</title>" in rendered.body_html


def test_an_unknown_language_falls_back_to_swedish(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        row = enqueue(language="fi")
    assert row.language == "sv"


def test_a_message_without_an_html_template_gets_the_html_layout(settings, tmp_path):
    folder = tmp_path / "only_text"
    folder.mkdir()
    (folder / "hello_subject.txt").write_text("Hej  \n  då")
    (folder / "hello.txt").write_text(
        '{% extends "email/base.txt" %}{% block content %}Rad ett\n\nSe https://example.se'
        "{% endblock content %}{% block reason %}Du anmälde dig.{% endblock reason %}"
    )
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], tmp_path]}
    ]

    rendered = email_render(template="only_text/hello", context={}, language="sv")

    assert rendered.subject == "Hej då"
    assert "Rad ett\n\nSe https://example.se\n" in rendered.body_text
    assert "Du anmälde dig." in rendered.body_text
    assert '<a href="https://example.se"' in rendered.body_html
    assert "<p>Rad ett</p>" in rendered.body_html
    assert "Du anmälde dig." in rendered.body_html
    assert "Samverkansportalen\n" not in rendered.body_html.split("<main>")[1]


def test_a_worker_killed_after_claiming_loses_nothing_once_the_lease_runs_out(
    django_capture_on_commit_callbacks,
):
    """The row stays "sending" until its lease ends; then the redrive sends it, once."""
    with django_capture_on_commit_callbacks(execute=False):
        row = enqueue()
    # A worker claimed the row and died before sending.
    OutgoingEmail.objects.filter(pk=row.pk).update(
        status=Status.SENDING, lease_until=timezone.now() + timedelta(minutes=10), attempts=1
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert email_redrive() == {"released": 0, "republished": 0, "fanouts": 0}
    assert mail.outbox == []

    OutgoingEmail.objects.filter(pk=row.pk).update(
        lease_until=timezone.now() - timedelta(seconds=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert email_redrive() == {"released": 1, "republished": 1, "fanouts": 0}
    with django_capture_on_commit_callbacks(execute=True):
        email_redrive()

    assert len(mail.outbox) == 1
    row.refresh_from_db()
    assert row.status == Status.SENT
    assert row.attempts == 2


def test_the_redrive_republishes_queued_rows_whose_task_was_lost(
    settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        lost = enqueue("test-notice:lost")
        fresh = enqueue("test-notice:fresh")
    # The broker lost the first row's task message long enough ago.
    stale = timezone.now() - timedelta(seconds=settings.MAIL_REDRIVE_AFTER_SECONDS + 1)
    OutgoingEmail.objects.filter(pk=lost.pk).update(enqueued_at=stale, next_attempt_at=stale)

    with django_capture_on_commit_callbacks(execute=True):
        assert email_redrive() == {"released": 0, "republished": 1, "fanouts": 0}

    assert [m.extra_headers["Message-ID"] for m in mail.outbox] == [lost.message_id]
    fresh.refresh_from_db()
    assert fresh.status == Status.QUEUED


def test_the_redrive_leaves_sent_and_failed_rows_alone(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sent = enqueue("test-notice:sent")
    with django_capture_on_commit_callbacks(execute=False):
        failed = enqueue("test-notice:failed")
    long_ago = timezone.now() - timedelta(days=2)
    OutgoingEmail.objects.filter(pk=failed.pk).update(
        status=Status.FAILED, enqueued_at=long_ago, next_attempt_at=long_ago
    )
    OutgoingEmail.objects.filter(pk=sent.pk).update(enqueued_at=long_ago)

    with django_capture_on_commit_callbacks(execute=True):
        assert email_redrive() == {"released": 0, "republished": 0, "fanouts": 0}
    assert len(mail.outbox) == 1


def test_the_outbox_tasks_keep_the_names_the_broker_and_the_schedule_know():
    """Messages already queued by an older release, routes and the beat schedule name them."""
    from portal.celery import app
    from portal.outbox import tasks

    for name in ("email_send", "mailout_fanout", "email_redrive"):
        assert getattr(tasks, name).name == f"portal.tasks.{name}"
        assert f"portal.tasks.{name}" in app.tasks


def test_the_redrive_is_declared_in_the_beat_schedule_and_mail_has_its_own_queue(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["email-redrive"]
    assert entry["task"] == "portal.tasks.email_redrive"
    assert entry["schedule"] == settings.MAIL_REDRIVE_INTERVAL_SECONDS
    assert settings.CELERY_TASK_ROUTES["portal.tasks.email_send"] == {"queue": "mail"}
    assert email_send.acks_late is True
    assert (
        max(settings.MAIL_RETRY_DELAYS)
        < (settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"])
    )


def test_the_default_timings_bound_the_delay_of_a_kill_and_of_a_redis_restart(settings):
    """What the defaults promise (docs/operations.md), in numbers.

    A killed worker's claimed rows: their lease was last renewed at most a third of a lease
    before the kill, so it runs out within one lease of it, and the redrive's next run (one
    interval later at most) republishes them. Its prefetched, unclaimed rows: the redrive
    counts their message as lost MAIL_REDRIVE_AFTER_SECONDS after it was published. Both well
    under 2 minutes, with room for the send itself. After a Redis restart a worker reconnects
    within kombu's longest retry interval and the redrive's next run republishes everything:
    under a minute.
    """
    lease, interval = settings.MAIL_LEASE_SECONDS, settings.MAIL_REDRIVE_INTERVAL_SECONDS
    assert lease + interval <= 90
    assert settings.MAIL_REDRIVE_AFTER_SECONDS + interval <= 110
    reconnect = inspect.signature(kombu.Connection._ensure_connection).parameters
    assert settings.CELERY_BROKER_CONNECTION_MAX_RETRIES is None  # a long outage ends no worker
    assert reconnect["interval_max"].default + interval <= 50
