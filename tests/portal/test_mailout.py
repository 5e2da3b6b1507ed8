"""Mail-outs: bulk sends fanned out over the outbox, followed and retried in admin."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from decimal import Decimal
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.contrib import admin
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.core import mail
from django.db import connection, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import gettext_lazy

from portal.models import Municipality
from portal.outbox.enqueue import MailRecipient, mailout_create
from portal.outbox.models import MailOut, OutgoingEmail
from portal.outbox.redrive import email_redrive, email_retry_failed
from portal.outbox.render import MailoutRenderer, context_encode
from portal.outbox.tasks import email_send, mailout_fanout
from tests.accounts.factories import UserFactory
from tests.outbox import outbox_mail

pytestmark = pytest.mark.django_db

Status = OutgoingEmail.Status


def recipients(count: int, start: int = 0) -> list[MailRecipient]:
    return [
        MailRecipient(
            email=f"person{n}@example.se",
            language="en" if n % 2 else "sv",
            context={"recipient_name": f"Person {n}"},
        )
        for n in range(start, start + count)
    ]


def create(count: int, start: int = 0, key: str = "invitation:meeting-7") -> MailOut:
    return mailout_create(
        key=key,
        title="Inbjudan: Kommundialog 3 juni",
        template="portal/email/notice",
        recipients=recipients(count, start),
        context={"heading": "Kommundialog 3 juni", "body": "Välkommen."},
    )


def test_a_mailout_writes_one_row_per_recipient_in_their_language_and_sends_each_once(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        mailout = create(50)

    assert mailout.total == 50
    rows = OutgoingEmail.objects.filter(mailout=mailout)
    assert rows.count() == 50
    assert set(rows.values_list("status", flat=True)) == {Status.SENT}
    assert len(mail.outbox) == 50
    assert len({m.extra_headers["Message-ID"] for m in mail.outbox}) == 50
    english = rows.get(to="person1@example.se")
    swedish = rows.get(to="person2@example.se")
    assert english.language == "en"
    assert "Hello Person 1," in english.body_text
    assert swedish.language == "sv"
    assert '<html lang="sv"' in swedish.body_html
    assert english.key == "invitation:meeting-7:person1@example.se"


def test_creating_a_mailout_again_adds_only_the_new_recipients(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        first = create(20)
    with django_capture_on_commit_callbacks(execute=True):
        again = create(25)  # the same 20 and five more

    assert again.pk == first.pk
    assert again.total == 25
    assert OutgoingEmail.objects.count() == 25
    assert len(mail.outbox) == 25


def test_the_callers_transaction_writes_only_the_mailout_and_a_rollback_sends_nothing(
    django_capture_on_commit_callbacks,
):
    with (  # noqa: PT012 - the error is raised inside the transaction it rolls back
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        mailout = create(30)
        # Nothing is rendered in the caller's transaction: the fan-out does that after commit.
        assert mailout.total == 30
        assert OutgoingEmail.objects.count() == 0
        raise RuntimeError("the invitation failed")

    assert callbacks == []
    assert MailOut.objects.count() == 0
    assert mail.outbox == []


def test_the_fanout_writes_chunks_with_ignore_conflicts_and_publishes_each_chunks_mail(
    settings, django_capture_on_commit_callbacks
):
    settings.MAIL_BATCH_SIZE = 100
    with (
        mock.patch.object(email_send, "apply_async") as send,
        CaptureQueriesContext(connection) as queries,
        django_capture_on_commit_callbacks(execute=True),
    ):
        mailout = create(1200)

    inserts = [
        q["sql"] for q in queries if q["sql"].startswith('INSERT INTO "portal_outgoingemail"')
    ]
    assert len(inserts) == 3  # chunks of 500, 500 and 200
    assert all("ON CONFLICT DO NOTHING" in sql for sql in inserts)
    batches = [call.kwargs["args"][0] for call in send.call_args_list]
    assert [len(batch) for batch in batches] == [100] * 12
    assert len({pk for batch in batches for pk in batch}) == 1200
    mailout.refresh_from_db()
    assert mailout.fanout_done_at is not None


def test_running_a_fanout_chunk_again_writes_and_sends_nothing_new(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        mailout = create(10)
    with django_capture_on_commit_callbacks(execute=True):
        assert mailout_fanout(mailout.pk, 0) == 0

    assert OutgoingEmail.objects.count() == 10
    assert len(mail.outbox) == 10


def test_a_fanout_whose_task_was_lost_is_restarted_by_the_redrive(
    settings, django_capture_on_commit_callbacks
):
    with (
        mock.patch("portal.outbox.publish.mailout_fanout_publish"),  # the broker lost it
        django_capture_on_commit_callbacks(execute=True),
    ):
        mailout = create(7)
    assert OutgoingEmail.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert email_redrive()["fanouts"] == 0  # not quiet for long enough yet

    stale = timezone.now() - timedelta(seconds=settings.MAIL_REDRIVE_AFTER_SECONDS + 1)
    MailOut.objects.filter(pk=mailout.pk).update(fanout_seen_at=stale)
    with django_capture_on_commit_callbacks(execute=True):
        assert email_redrive()["fanouts"] == 1

    assert len(mail.outbox) == 7
    mailout.refresh_from_db()
    assert mailout.fanout_done_at is not None
    MailOut.objects.filter(pk=mailout.pk).update(fanout_seen_at=stale)
    with django_capture_on_commit_callbacks(execute=True):
        assert email_redrive()["fanouts"] == 0
    assert len(mail.outbox) == 7


def test_a_recipient_that_cannot_be_rendered_fails_alone_and_is_not_retried(
    django_capture_on_commit_callbacks,
):
    real_render = MailoutRenderer.render

    def render(self, *, context, language):
        if context.get("recipient_name") == "Person 3":
            raise ValueError("broken context")
        return real_render(self, context=context, language=language)

    with (
        mock.patch.object(MailoutRenderer, "render", render),
        django_capture_on_commit_callbacks(execute=True),
    ):
        mailout = create(5)

    broken = outbox_mail(to="person3@example.se")
    assert broken.status == Status.FAILED
    assert broken.last_error == "Not rendered: ValueError: broken context"
    assert len(mail.outbox) == 4
    mailout.refresh_from_db()
    assert mailout.fanout_done_at is not None
    assert mailout.counts()["failed"] == 1
    assert email_retry_failed(OutgoingEmail.objects.all()) == 0


def test_a_recipient_key_too_long_for_the_outbox_is_hashed(django_capture_on_commit_callbacks):
    address = "a" * 60 + "@" + "b" * 180 + ".example.se"
    with django_capture_on_commit_callbacks(execute=True):
        mailout = mailout_create(
            key="k" * 150,
            title="Long",
            template="portal/email/notice",
            recipients=[MailRecipient(email=address)],
            context={"heading": "Rubrik", "body": "Text"},
        )
        again = mailout_create(
            key="k" * 150,
            title="Long",
            template="portal/email/notice",
            recipients=[MailRecipient(email=address)],
        )

    assert again.pk == mailout.pk
    row = outbox_mail()
    assert row.key.startswith(f"mailout-{mailout.pk}:")
    assert len(row.key) <= 255
    assert len(mail.outbox) == 1


def test_a_mailout_context_keeps_models_and_dates_for_rendering_in_each_language(
    settings, tmp_path, municipalities, django_capture_on_commit_callbacks
):
    folder = tmp_path / "mailout_test"
    folder.mkdir()
    (folder / "meeting_subject.txt").write_text("{{ municipality.name }} {{ when|date:'j F' }}")
    (folder / "meeting.txt").write_text(
        '{% extends "email/base.txt" %}{% block content %}{{ municipality.code }} '
        "{{ when|date:'j F Y H:i' }} {{ fee }} {{ tags|join:',' }} {{ who.email }}"
        "{% endblock content %}"
    )
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], tmp_path]}
    ]
    municipality = Municipality.objects.get(code="0180")
    person = UserFactory(email="kim@example.se")
    when = datetime(2026, 5, 12, 10, 0, tzinfo=ZoneInfo("Europe/Stockholm"))

    with django_capture_on_commit_callbacks(execute=True):
        mailout_create(
            key="context-test",
            title="Context",
            template="mailout_test/meeting",
            recipients=[
                MailRecipient(email="a@example.se", language="sv", context={"who": person}),
                MailRecipient(email="b@example.se", language="en", context={"who": person}),
            ],
            context={
                "municipality": municipality,
                "when": when,
                "fee": Decimal("12.50"),
                "tags": ("kultur", "idrott"),
            },
        )

    swedish = outbox_mail(to="a@example.se")
    english = outbox_mail(to="b@example.se")
    assert swedish.subject == "Stockholm 12 maj"
    assert english.subject == "Stockholm 12 May"
    assert "0180 12 maj 2026 10:00 12,50 kultur,idrott kim@example.se" in swedish.body_text
    assert "0180 12 May 2026 10:00 12.50 kultur,idrott kim@example.se" in english.body_text


def test_a_mailout_context_refuses_what_it_cannot_store():
    with pytest.raises(TypeError, match="Translate in the email template"):
        context_encode({"heading": gettext_lazy("My pages")})
    with pytest.raises(TypeError, match="cannot hold object"):
        context_encode({"thing": object()})


# --- Admin ---------------------------------------------------------------------------------


def admin_request(method: str = "get", path: str = "/admin/", data=None):
    request = getattr(RequestFactory(), method)(path, data or {})
    request.user = UserFactory(is_staff=True, is_superuser=True)
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    request._dont_enforce_csrf_checks = True
    return request


def test_admin_lists_a_mailouts_counts_and_progress(django_capture_on_commit_callbacks):
    with (
        mock.patch.object(email_send, "apply_async"),  # written, not sent
        django_capture_on_commit_callbacks(execute=True),
    ):
        mailout = create(10)
    rows = list(OutgoingEmail.objects.filter(mailout=mailout).order_by("pk"))
    OutgoingEmail.objects.filter(pk__in=[r.pk for r in rows[:6]]).update(
        status=Status.SENT, sent_at=rows[0].created_at
    )
    OutgoingEmail.objects.filter(pk=rows[6].pk).update(status=Status.FAILED, last_error="550")
    model_admin = admin.site._registry[MailOut]

    response = model_admin.changelist_view(admin_request())
    response.render()
    html = response.content.decode()

    assert "Inbjudan: Kommundialog 3 juni" in html
    assert '<td class="field-total">10</td>' in html
    assert '<td class="field-queued">3</td>' in html
    assert '<td class="field-sent">6</td>' in html
    assert '<td class="field-failed">1</td>' in html
    assert '<progress value="7" max="10" aria-label="' in html
    assert "70 %" in html

    detail = model_admin.change_view(admin_request(), str(mailout.pk))
    detail.render()
    html = detail.content.decode()
    assert '<progress value="7" max="10"' in html
    assert "js/mailout_progress.js" in html
    assert f'data-url="/admin/portal/mailout/{mailout.pk}/progress/"' in html
    assert 'name="_save"' not in html

    progress = model_admin.progress_view(admin_request(), mailout.pk)
    assert json.loads(progress.content) == {
        "total": 10,
        "queued": 3,
        "sent": 6,
        "failed": 1,
        "done": 7,
        "percent": 70,
    }


def test_admin_counts_recipients_not_written_yet_as_queued(django_capture_on_commit_callbacks):
    with (
        mock.patch("portal.outbox.publish.mailout_fanout_publish"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        mailout = create(5)
    model_admin = admin.site._registry[MailOut]

    listing = model_admin.changelist_view(admin_request())
    listing.render()
    html = listing.content.decode()

    assert '<td class="field-total">5</td>' in html
    assert '<td class="field-queued">5</td>' in html
    assert '<progress value="0" max="5"' in html
    assert mailout.counts()["queued"] == 5


def test_staff_retry_a_mailouts_failed_rows_from_admin(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        mailout = create(4)
    failed = OutgoingEmail.objects.filter(mailout=mailout).order_by("pk")[:2]
    OutgoingEmail.objects.filter(pk__in=[r.pk for r in failed]).update(
        status=Status.FAILED, last_error="SMTPServerDisconnected", sent_at=None
    )
    mail.outbox.clear()
    model_admin = admin.site._registry[MailOut]
    request = admin_request(
        "post", data={"action": "retry_failed", "_selected_action": [mailout.pk]}
    )

    with django_capture_on_commit_callbacks(execute=True):
        model_admin.changelist_view(request)

    assert len(mail.outbox) == 2
    assert OutgoingEmail.objects.filter(mailout=mailout, status=Status.SENT).count() == 4
    assert [str(m) for m in request._messages] == [
        "2 misslyckade e-postmeddelanden ligger i kö igen."
    ]


def test_the_outbox_admin_searches_by_key_and_shows_the_rendered_body_read_only(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        create(3)
    row = outbox_mail(to="person1@example.se")
    model_admin = admin.site._registry[OutgoingEmail]

    listing = model_admin.changelist_view(admin_request(data={"q": "meeting-7:person1"}))
    listing.render()
    html = listing.content.decode()
    assert "person1@example.se" in html
    assert "person2@example.se" not in html

    detail = model_admin.change_view(admin_request(), str(row.pk))
    detail.render()
    html = detail.content.decode()
    assert "Hello Person 1," in html  # the plain-text body
    assert "<iframe sandbox srcdoc=" in html  # the HTML body, sandboxed
    assert "&lt;html lang=&quot;en&quot;" in html
    assert 'name="_save"' not in html
    # Every field is read-only: nothing to edit, nothing to save.
    assert 'name="to"' not in html
    assert "<textarea" not in html
    assert not model_admin.has_add_permission(admin_request())
    assert not model_admin.has_delete_permission(admin_request(), row)
