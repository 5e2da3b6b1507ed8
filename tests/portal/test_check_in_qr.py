"""The check-in code travels as a QR code that a real reader decodes back to the code."""

from __future__ import annotations

import io
from email import message_from_bytes
from email import policy as email_policy

import pytest
import zxingcpp
from django.core import mail
from django.utils import translation
from PIL import Image

from dialogues import services
from portal.registrations.qr import CHECK_IN_QR_CID, check_in_qr_png, check_in_qr_svg
from tests.dialogues.factories import MeetingFactory, RegistrantFactory

pytestmark = pytest.mark.django_db


def decode(png: bytes) -> list[str]:
    image = Image.open(io.BytesIO(png)).convert("L")
    return [barcode.text for barcode in zxingcpp.read_barcodes(image)]


def test_the_png_decodes_to_the_code():
    assert decode(check_in_qr_png("ABCD2345")) == ["ABCD2345"]


def test_the_svg_is_named_for_screen_readers_in_the_page_language():
    svg = str(check_in_qr_svg("ABCD2345"))
    assert 'role="img"' in svg
    assert 'aria-label="QR-kod med din incheckningskod ABCD2345"' in svg
    with translation.override("en"):
        assert 'aria-label="QR code with your check-in code ABCD2345"' in check_in_qr_svg(
            "ABCD2345"
        )
    assert "<script" not in svg
    assert "style=" not in svg


def test_the_confirmation_mail_shows_the_qr_code_in_place_beside_the_code(
    django_capture_on_commit_callbacks,
):
    """The HTML part refers to the image by Content-ID, with alt text and the code in text;
    the image travels inline in a multipart/related part and decodes to the code."""
    meeting = MeetingFactory(capacity=5)
    with django_capture_on_commit_callbacks(execute=True):
        registration = services.registration_create(meeting=meeting, user=RegistrantFactory())
    code = registration.check_in_code
    (sent,) = [m for m in mail.outbox if m.extra_headers["Message-ID"]]
    parsed = message_from_bytes(sent.message().as_bytes(linesep="\r\n"), policy=email_policy.SMTP)

    related = next(p for p in parsed.walk() if p.get_content_type() == "multipart/related")
    html, image = related.get_payload()
    body = html.get_content()
    assert f'src="cid:{CHECK_IN_QR_CID}"' in body
    assert f'alt="QR-kod med din incheckningskod {code}"' in body
    assert f">{code}</strong>" in body
    assert image["Content-ID"] == f"<{CHECK_IN_QR_CID}>"
    assert image.get_content_disposition() == "inline"
    assert decode(image.get_content()) == [code]
    calendars = [p for p in parsed.walk() if p.get_content_type() == "text/calendar"]
    assert len(calendars) == 1


def test_a_waitlist_mail_has_no_qr_code(django_capture_on_commit_callbacks):
    meeting = MeetingFactory(capacity=1)
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_create(meeting=meeting, user=RegistrantFactory())
        services.registration_create(meeting=meeting, user=RegistrantFactory())
    waitlist_mail = next(m for m in mail.outbox if "väntelista" in m.subject.lower())
    raw = waitlist_mail.message().as_bytes()
    assert b"multipart/related" not in raw
    assert b"image/png" not in raw
