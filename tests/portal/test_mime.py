"""The outbox's own MIME serialisation reads back, with the standard library, as written."""

from __future__ import annotations

from email import message_from_bytes
from email import policy as email_policy

import pytest
from django.core.mail import BadHeaderError

from portal.outbox.mime import OutboxMessage, envelope_address


def parse(message: OutboxMessage):
    return message_from_bytes(message.message().as_bytes(linesep="\r\n"), policy=email_policy.SMTP)


def content(part) -> str:
    """A text part's content, with the wire's CRLF line ends as Python's newlines."""
    return part.get_content().replace("\r\n", "\n")


def test_non_ascii_headers_and_names_round_trip_and_fold():
    subject = "Dialog med civilsamhället i Södertälje 12 maj kl. 10-12: välkommen! " * 3
    message = OutboxMessage(
        subject=subject.strip(),
        body="Hej",
        from_email="Samverkansportalen <noreply@samverkan.example.se>",
        to=["Åsa Öberg <asa@example.se>", "kim@example.se"],
        headers={"Message-ID": "<abc@samverkan.example.se>", "Content-Language": "sv"},
    )
    raw = message.message().as_bytes(linesep="\r\n")
    parsed = parse(message)

    assert parsed["Subject"] == subject.strip()
    assert parsed["To"] == "Åsa Öberg <asa@example.se>, kim@example.se"
    assert parsed["From"] == "Samverkansportalen <noreply@samverkan.example.se>"
    assert parsed["Message-ID"] == "<abc@samverkan.example.se>"
    assert raw.isascii()
    assert all(len(line) <= 78 for line in raw.split(b"\r\n\r\n")[0].split(b"\r\n"))
    assert message.envelope() == (
        "noreply@samverkan.example.se",
        ["asa@example.se", "kim@example.se"],
    )


def test_text_html_and_attachments_round_trip():
    long_line = "ö" * 700  # 1,400 bytes: too long for SMTP unencoded
    message = OutboxMessage(
        subject="Test",
        body=f"Rad ett\n.Punkt först\n{long_line}\n",
        from_email="noreply@samverkan.example.se",
        to=["kim@example.se"],
    )
    message.attach_alternative("<p>Hej på dig</p>", "text/html")
    message.attach("möte.ics", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar")
    message.attach("bild.png", b"\x89PNG\r\n\x00\xff", "image/png")
    parsed = parse(message)

    assert parsed.get_content_type() == "multipart/mixed"
    text = parsed.get_body(preferencelist=("plain",))
    html = parsed.get_body(preferencelist=("html",))
    assert text["Content-Transfer-Encoding"] == "quoted-printable"
    assert content(text) == f"Rad ett\n.Punkt först\n{long_line}\n"
    assert html["Content-Transfer-Encoding"] == "8bit"
    assert content(html) == "<p>Hej på dig</p>"
    ics, png = parsed.iter_attachments()
    assert ics.get_filename() == "möte.ics"
    assert ics.get_content() == "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
    assert png.get_filename() == "bild.png"
    assert png.get_content() == b"\x89PNG\r\n\x00\xff"


def test_plain_text_only_is_a_single_part():
    message = OutboxMessage(subject="Hi", body="Plain ascii\n", to=["kim@example.se"])
    parsed = parse(message)
    assert parsed.get_content_type() == "text/plain"
    assert parsed["Content-Transfer-Encoding"] == "7bit"
    assert content(parsed) == "Plain ascii\n"


def test_header_injection_is_refused():
    message = OutboxMessage(subject="Hi\nBcc: victim@example.se", body="x", to=["kim@example.se"])
    with pytest.raises(BadHeaderError):
        message.message()


def test_an_address_with_a_newline_is_refused():
    with pytest.raises(ValueError, match=r"."):
        envelope_address("kim@example.se\nBcc: victim@example.se")


def test_an_inline_image_travels_beside_the_html_that_shows_it():
    """The HTML and its image form a multipart/related part inside the alternative, the
    image carries its Content-ID and inline disposition, and other files stay in the mixed
    envelope around it."""
    png = b"\x89PNG\r\n\x1a\n\x00\xff" * 40
    message = OutboxMessage(
        subject="Test",
        body="Din kod: ABCD2345",
        from_email="noreply@samverkan.example.se",
        to=["kim@example.se"],
    )
    message.attach_alternative(
        '<p><img src="cid:qr@example.se" alt="QR"> ABCD2345</p>', "text/html"
    )
    message.attach_inline("incheckning.png", png, "image/png", "qr@example.se")
    message.attach("möte.ics", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar")
    parsed = parse(message)

    assert parsed.get_content_type() == "multipart/mixed"
    alternative, calendar = parsed.get_payload()
    assert alternative.get_content_type() == "multipart/alternative"
    text, related = alternative.get_payload()
    assert content(text) == "Din kod: ABCD2345"
    assert related.get_content_type() == "multipart/related"
    assert related.get_param("type") == "text/html"
    html, image = related.get_payload()
    assert 'src="cid:qr@example.se"' in content(html)
    assert image.get_content_type() == "image/png"
    assert image["Content-ID"] == "<qr@example.se>"
    assert image.get_content_disposition() == "inline"
    assert image.get_filename() == "incheckning.png"
    assert image.get_content() == png
    assert calendar.get_filename() == "möte.ics"


def test_an_inline_image_without_html_is_an_ordinary_attachment():
    message = OutboxMessage(
        subject="Test", body="Hej", from_email="noreply@samverkan.example.se", to=["kim@example.se"]
    )
    message.attach_inline("qr.png", b"\x89PNG", "image/png", "qr@example.se")
    text, image = parse(message).get_payload()

    assert content(text) == "Hej"
    assert image.get_content_disposition() == "attachment"
    assert image.get_content() == b"\x89PNG"


def test_a_content_id_with_a_newline_is_refused():
    message = OutboxMessage(
        subject="Test", body="Hej", from_email="noreply@samverkan.example.se", to=["kim@example.se"]
    )
    message.attach_alternative("<p>Hej</p>", "text/html")
    message.attach_inline("qr.png", b"\x89PNG", "image/png", "qr>\r\nBcc: x@example.se")
    with pytest.raises(BadHeaderError):
        message.message()
