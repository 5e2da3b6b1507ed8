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
