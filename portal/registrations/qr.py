"""The check-in code as a QR code: a PNG for mail, an SVG for pages.

The QR code holds the bare code and nothing else, so a scanner at the door reads exactly what a
person would type, and a photo of someone's code tells nobody who they are.
"""

from __future__ import annotations

import io

import segno
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

# The Content-ID of the QR image in a mail; the HTML part shows it as <img src="cid:…">.
CHECK_IN_QR_CID = "check-in-qr@samverkansportalen"


def _qr(code: str) -> segno.QRCode:
    # Medium error correction survives a cracked screen or a folded printout.
    return segno.make_qr(code, error="m")


def check_in_qr_png(code: str) -> bytes:
    """A PNG of the code, large enough for a phone camera from arm's length."""
    buffer = io.BytesIO()
    _qr(code).save(buffer, kind="png", scale=8, border=4)
    return buffer.getvalue()


def check_in_qr_alt(code: str) -> str:
    return _("QR code with your check-in code %(code)s") % {"code": code}


def check_in_qr_svg(code: str) -> SafeString:
    """An inline SVG of the code, named for screen readers (the code stays beside it in text)."""
    svg = _qr(code).svg_inline(scale=6, border=4, svgclass="check-in-qr", lineclass=None)
    # segno writes only its own markup (paths and sizes) around the code's matrix.
    return format_html(
        '<span role="img" aria-label="{}" class="check-in-qr-figure">{}</span>',
        check_in_qr_alt(code),
        mark_safe(svg),  # noqa: S308
    )
