"""The wire format of outbox messages, written directly.

`OutboxMessage` is a Django `EmailMultiAlternatives` (so every email backend, `mail.outbox` in
tests and the console in development take it as usual) whose `message()` serialises the one
shape the outbox sends: text, optional HTML alternative, optional attachments, UTF-8. Images
the HTML shows by Content-ID (`attach_inline`) go with it in a multipart/related part, so mail
programs show them in place instead of listing them as files.

Why not Django's `message()` and the standard library's generator: for every message they
parse every address with the email header parser, measure each non-ASCII header in two
encodings character by character, and compile a fresh regular expression to check the random
boundary, which made building the bytes cost more CPU than sending them (docs/BENCHMARKS.md).
Here plain ASCII addresses and headers pass as they are, other addresses go through Django's
`sanitize_address` (cached), other headers become RFC 2047 "B" encoded words, bodies are 8bit
unless a line is too long for SMTP (then quoted-printable), and the boundary is random and
checked against the parts. tests/portal/test_email_smtp.py parses the result back with the
standard library's parser.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
import uuid
from email.parser import BytesHeaderParser
from email.utils import encode_rfc2231, formatdate, parseaddr
from typing import Any, cast

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import BadHeaderError, sanitize_address

CRLF = "\r\n"
# RFC 5321: a line is at most 1000 octets including CRLF.
MAX_LINE = 998
# 42 bytes make 56 base64 characters: with "=?utf-8?b?", "?=" and "Subject: " a line stays
# within 78 characters.
ENCODED_WORD_BYTES = 42
# An address with no display name, quoting or non-ASCII, which needs no encoding.
SIMPLE_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")


class RawMessage:
    """What `message()` returns: the bytes, with the little of Message's API backends use."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def as_bytes(self, unixfrom: bool = False, linesep: str = "\n") -> bytes:
        return self._data if linesep == CRLF else self._data.replace(b"\r\n", linesep.encode())

    def as_string(self, unixfrom: bool = False, linesep: str = "\n") -> str:
        return self.as_bytes(linesep=linesep).decode()

    def __str__(self) -> str:
        return self.as_string()

    def get_charset(self) -> None:
        return None

    def __getitem__(self, name: str) -> str | None:
        value: str | None = BytesHeaderParser().parsebytes(self._data)[name]
        return value


class OutboxMessage(EmailMultiAlternatives):
    _raw: RawMessage | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # (filename, content, mimetype, content_id) of images the HTML part shows in place.
        self.inline: list[tuple[str, bytes, str, str]] = []

    def attach_inline(self, filename: str, content: bytes, mimetype: str, content_id: str) -> None:
        """An image the HTML refers to as `cid:<content_id>`."""
        self.inline.append((filename, content, mimetype, content_id))
        self._raw = None

    def envelope(self) -> tuple[str, list[str]]:
        """MAIL FROM and RCPT TO addresses."""
        return envelope_address(self.from_email), [envelope_address(a) for a in self.recipients()]

    # Not the email.message.EmailMessage Django's returns: the backends only take its bytes.
    def message(self, *, policy: object = None) -> RawMessage:  # type: ignore[override]
        """The message as sent; built once (the outbox builds it before handing it over)."""
        if self._raw is None:
            self._raw = self._build()
        return self._raw

    def _build(self) -> RawMessage:
        headers = {
            "Subject": _header(self.subject),
            "From": _address(self.extra_headers.get("From", self.from_email)),
            "To": ", ".join(_address(to) for to in self.to),
            "Date": formatdate(localtime=settings.EMAIL_USE_LOCALTIME),
            **{
                name: _header(value)
                for name, value in self.extra_headers.items()
                if name not in ("From", "To")
            },
        }
        if self.cc:
            headers["Cc"] = ", ".join(_address(cc) for cc in self.cc)
        if self.reply_to:
            headers["Reply-To"] = ", ".join(_address(r) for r in self.reply_to)
        headers["MIME-Version"] = "1.0"

        body = _text_part("text/plain", str(self.body))
        # The outbox attaches its HTML as text (attach_alternative(row.body_html, ...)).
        html = [
            cast(str, content) for content, mimetype in self.alternatives if mimetype == "text/html"
        ]
        attachments = [_attachment(*a) for a in self.attachments]
        if html:
            html_part = _text_part("text/html", html[0])
            if self.inline:
                html_part = _multipart(
                    "related",
                    [html_part, *(_inline(*i) for i in self.inline)],
                    root_type="text/html",
                )
            body = _multipart("alternative", [body, html_part])
        else:
            # Without HTML nothing shows them in place: they travel as ordinary files.
            attachments += [_attachment(name, data, mime) for name, data, mime, _ in self.inline]
        if attachments:
            body = _multipart("mixed", [body, *attachments])
        head = "".join(f"{name}: {value}{CRLF}" for name, value in headers.items())
        return RawMessage(head.encode("ascii") + body)


def _header(value: object) -> str:
    value = str(value)
    if "\n" in value or "\r" in value:
        raise BadHeaderError(f"Header values can't contain newlines (got {value!r})")
    return value if value.isascii() else _encoded_words(value)


def _encoded_words(value: str) -> str:
    """RFC 2047 "B" encoded words of at most 75 characters, one per folded line.

    (email.header.Header chooses between Q and B by measuring the Q form character by
    character, which cost more than everything else in building a message.)
    """
    words: list[str] = []
    chunk: list[str] = []
    size = 0
    for char in value:
        length = len(char.encode())
        if size + length > ENCODED_WORD_BYTES:
            words.append("".join(chunk))
            chunk, size = [], 0
        chunk.append(char)
        size += length
    words.append("".join(chunk))
    return (CRLF + " ").join(
        "=?utf-8?b?" + base64.b64encode(word.encode()).decode("ascii") + "?=" for word in words
    )


def _address(value: str) -> str:
    """The address for a header; plain ASCII addresses as they are, others through Django."""
    if SIMPLE_ADDRESS.fullmatch(value):
        return value
    return _sanitized(value)


@functools.lru_cache(maxsize=1024)
def _sanitized(value: str) -> str:
    folded = sanitize_address(value, settings.DEFAULT_CHARSET)
    # Encoders fold long headers with bare newlines; SMTP wants CRLF.
    return folded.replace("\r\n", "\n").replace("\n", CRLF)


def envelope_address(value: str) -> str:
    """The bare address for SMTP's MAIL FROM and RCPT TO."""
    if SIMPLE_ADDRESS.fullmatch(value):
        return value
    return parseaddr(_sanitized(value))[1]


def _text_part(mimetype: str, text: str) -> bytes:
    data = text.replace("\r\n", "\n").replace("\n", CRLF).encode()
    if any(len(line) > MAX_LINE for line in data.split(b"\r\n")):
        encoding = "quoted-printable"
        data = binascii.b2a_qp(data.replace(b"\r\n", b"\n")).replace(b"\n", b"\r\n")
    else:
        encoding = "8bit" if not data.isascii() else "7bit"
    return (
        f'Content-Type: {mimetype}; charset="utf-8"{CRLF}'
        f"Content-Transfer-Encoding: {encoding}{CRLF}{CRLF}"
    ).encode() + data


def _filename_param(filename: str) -> str:
    if filename.isascii() and '"' not in filename:
        return f'filename="{filename}"'
    return f"filename*={encode_rfc2231(filename, 'utf-8')}"


def _attachment(filename: str, content: str | bytes, mimetype: str) -> bytes:
    if isinstance(content, str):
        content = content.encode()
    charset = '; charset="utf-8"' if mimetype.startswith("text/") else ""
    encoded = base64.encodebytes(content).replace(b"\n", b"\r\n")
    return (
        f"Content-Type: {mimetype}{charset}{CRLF}"
        f"Content-Disposition: attachment; {_filename_param(filename)}{CRLF}"
        f"Content-Transfer-Encoding: base64{CRLF}{CRLF}"
    ).encode() + encoded


def _inline(filename: str, content: bytes, mimetype: str, content_id: str) -> bytes:
    if not re.fullmatch(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~@-]+", content_id):
        raise BadHeaderError(f"Not a Content-ID: {content_id!r}")
    encoded = base64.encodebytes(content).replace(b"\n", b"\r\n")
    return (
        f"Content-Type: {mimetype}{CRLF}"
        f"Content-Disposition: inline; {_filename_param(filename)}{CRLF}"
        f"Content-ID: <{content_id}>{CRLF}"
        f"Content-Transfer-Encoding: base64{CRLF}{CRLF}"
    ).encode() + encoded


def _multipart(subtype: str, parts: list[bytes], root_type: str = "") -> bytes:
    boundary = "=_" + uuid.uuid4().hex
    while any(boundary.encode() in part for part in parts):
        boundary = "=_" + uuid.uuid4().hex
    delimiter = f"{CRLF}--{boundary}{CRLF}".encode()
    # RFC 2387: a multipart/related names the type of its first part, the one shown.
    params = f'; type="{root_type}"' if root_type else ""
    return (
        f"Content-Type: multipart/{subtype}{params};{CRLF}"
        f' boundary="{boundary}"{CRLF}{CRLF}'.encode()
        + b"".join(delimiter + part for part in parts)
        + f"{CRLF}--{boundary}--{CRLF}".encode()
    )
