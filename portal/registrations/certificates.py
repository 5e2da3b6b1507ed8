"""Certificates of attendance: the PDF a checked-in participant downloads from Mina sidor.

Every kind of registration that names a `CERTIFICATE_KIND` offers one, at one address
(`/mina-sidor/intyg/<kind>/<registration>/`), to the registered person only and only once they
were checked in at the door. What a kind of event adds to the text comes from its registration
model (`certificate_event_kind`); the rest (name, event, date, hours, issuer) is the same for all.

The PDF is rendered by WeasyPrint from an HTML template as a tagged PDF/UA-1 document: real
text with a structure tree, the document's language and title, so screen readers read it and
its text can be copied and searched.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING

from django.apps import apps
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from .models import Registration

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User


@dataclass(frozen=True)
class Certificate:
    """What a certificate of attendance says; rendered in `language`."""

    language: str
    name: str
    event: str
    event_kind: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    place: str
    issuer: str
    issued_on: dt.date

    @property
    def hours(self) -> Decimal:
        """The event's length in hours, to a tenth (7.5 for a day of 09.00-16.30)."""
        seconds = Decimal((self.ends_at - self.starts_at).total_seconds())
        return (seconds / 3600).quantize(Decimal("0.1"))

    @property
    def hours_plural(self) -> int:
        # For the catalogue's plural form: "1 hour", but "1.5 hours" and "2 hours".
        return 1 if self.hours == 1 else 2

    @property
    def title(self) -> str:
        with translation.override(self.language):
            return _("Certificate of attendance: %(event)s") % {"event": self.event}

    @property
    def filename(self) -> str:
        """ "intyg-<event>.pdf" in Swedish, "certificate-<event>.pdf" in English."""
        with translation.override(self.language):
            prefix = slugify(_("certificate"))
        return f"{prefix}-{slugify(self.event)}.pdf"


@cache
def certificate_models() -> dict[str, type[Registration]]:
    """The registration models that offer a certificate, by the kind in its address."""
    return {
        model.CERTIFICATE_KIND: model
        for model in apps.get_models()
        if issubclass(model, Registration) and model.CERTIFICATE_KIND
    }


def certificate_url(registration: Registration) -> str:
    return reverse(
        "registrations:certificate", args=[type(registration).CERTIFICATE_KIND, registration.pk]
    )


def certificate_registration(
    *, kind: str, pk: int, user: User | AnonymousUser
) -> Registration | None:
    """The person's own registration of that kind, if they were checked in; else None.

    Another person's registration, one not checked in and an unknown kind all give None, so
    the page cannot tell them apart.
    """
    model = certificate_models().get(kind)
    if model is None or not user.is_authenticated:
        return None
    return (
        model.registrations()
        .attended()
        .filter(pk=pk, user=user)
        .select_related(model.EVENT_FIELD, "user")
        .first()
    )


def certificate_build(*, registration: Registration) -> Certificate:
    user = registration.user
    event = registration.event
    language = user.preferred_language
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    with translation.override(language):
        if getattr(event, "has_place", False):
            venue, address = getattr(event, "venue", ""), getattr(event, "address", "")
            place = ", ".join(part for part in (venue, address) if part)
        else:
            place = _("Online")
        return Certificate(
            language=language,
            name=user.display_name or user.email,
            event=str(event),
            event_kind=registration.certificate_event_kind(),
            starts_at=event.starts_at,
            ends_at=event.ends_at,
            place=place,
            issuer=settings.CERTIFICATE_ISSUER,
            issued_on=timezone.localdate(),
        )


class CertificateUnavailableError(Exception):
    """The PDF library cannot run here (Pango missing from the machine)."""


def certificate_pdf(certificate: Certificate) -> bytes:
    """The certificate as a tagged PDF (PDF/UA-1) in the certificate's language.

    Raises CertificateUnavailableError when WeasyPrint cannot load its system libraries: the
    portal runs without them (a developer's machine may lack Pango), the certificate does not.
    """
    # Imported here: loading Pango and the fonts is only worth it when a certificate is made.
    try:
        from weasyprint import HTML
    except OSError as exc:
        raise CertificateUnavailableError(str(exc)) from exc

    with translation.override(certificate.language):
        html = render_to_string("registrations/certificate.html", {"certificate": certificate})
        pdf: bytes = HTML(string=html).write_pdf(pdf_variant="pdf/ua-1")
        return pdf
