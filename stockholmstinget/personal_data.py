"""Anonymising Stockholmstinget registrations once the edition is long over."""

from __future__ import annotations

import datetime as dt

from portal.personal_data import registration_text_anonymise

from .models import EditionRegistration

# What a registrant wrote about themselves; organisation, sector and municipality stay, since
# the edition's statistics are built from them.
EDITION_REGISTRATION_PERSONAL_TEXT_FIELDS = ("needs",)


def edition_registrations_anonymise(*, now: dt.datetime | None = None) -> int:
    """Clear needs REGISTRATION_ANONYMISE_AFTER_DAYS after each edition ended."""
    return registration_text_anonymise(
        registrations=EditionRegistration.objects.all(),
        fields=EDITION_REGISTRATION_PERSONAL_TEXT_FIELDS,
        now=now,
    )
