"""The Swedish catalogue is complete; placeholders survive translation."""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest

LOCALE = Path(__file__).resolve().parents[2] / "locale"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w*\}")


def _catalogue(language: str) -> polib.POFile:
    return polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))


def test_every_swedish_message_is_translated():
    catalogue = _catalogue("sv")
    untranslated = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert untranslated == []
    assert fuzzy == []


@pytest.mark.parametrize("language", ["sv", "en"])
def test_translations_keep_their_placeholders(language):
    for entry in _catalogue(language).translated_entries():
        if entry.msgid_plural:
            continue
        assert sorted(PLACEHOLDER.findall(entry.msgstr)) == sorted(
            PLACEHOLDER.findall(entry.msgid)
        ), entry.msgid


BANNED_SWEDISH = re.compile(r"\bepost|\bEpost|mejl|Mejl|mailet|\bmail\b|avanmäl|Avanmäl", re.I)


def test_swedish_words_are_the_portals_own():
    """One word per concept: "e-post" (never "epost", "mejl", "mailet"), "avboka" (never
    "avanmäl"), in our strings and in the package strings we correct."""
    offending = [
        entry.msgstr
        for entry in _catalogue("sv").translated_entries()
        if BANNED_SWEDISH.search(entry.msgstr.replace("mailto:", ""))
    ]
    assert offending == []


@pytest.mark.django_db
def test_a_cancelled_registration_is_avbokad_and_a_cancelled_meeting_installd():
    from django.utils import translation

    from portal.registrations.models import EventStatus, RegistrationStatus

    with translation.override("sv"):
        assert str(RegistrationStatus.CANCELLED.label) == "Avbokad"
        assert str(EventStatus.CANCELLED.label) == "Inställd"


@pytest.mark.django_db
def test_times_are_written_kl_17_00_in_swedish_pages_and_mail(client):
    import datetime as dt

    from django.utils import timezone, translation

    from dialogues import services
    from tests.dialogues.factories import MeetingFactory, RegistrantFactory
    from tests.outbox import outbox_mail

    day = timezone.localdate() + dt.timedelta(days=20)
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(17, 0)))
    meeting = MeetingFactory(starts_at=start, ends_at=start + dt.timedelta(hours=2))
    # Another test may have left English active in this thread: the paths are asked for.
    with translation.override("sv"):
        path = meeting.get_absolute_url()
    page = client.get(path).content.decode()
    assert "kl. 17.00\u201319.00" in page
    assert ">17:00" not in page
    assert " 17:00" not in page
    registration = services.registration_create(meeting=meeting, user=RegistrantFactory())
    mail = outbox_mail(key=f"dialogues:registration_confirmed:{registration.pk}")
    assert "kl. 17.00\u201319.00" in mail.body_text
    english = client.get("/en" + path).content.decode()
    assert "at 17:00\u201319:00" in english


@pytest.mark.django_db
def test_admin_counts_take_the_right_plural(staff_client):
    from django.urls import reverse

    from dialogues.models import Registration
    from tests.dialogues.factories import DialogueSeriesFactory, RegistrationFactory

    for _ in range(3):
        DialogueSeriesFactory()
    page = staff_client.get(reverse("admin:dialogues_dialogueseries_changelist"))
    assert "3 dialogserier" in page.content.decode()
    registration = RegistrationFactory()
    response = staff_client.post(
        reverse("admin:dialogues_registration_changelist"),
        {"action": "cancel", "_selected_action": [registration.pk], "post": "yes"},
        follow=True,
    )
    assert "1 anmälan avbokad." in response.content.decode()
    assert Registration.objects.get().status == "cancelled"
