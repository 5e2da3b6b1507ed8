"""Every label and legend of the public forms starts with a capital letter, in both languages.

Django capitalises a label it makes from a field's verbose name, but not one a form or a
template writes itself, and a package's catalogue may translate a label lower-case.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import translation

from tests.dialogues.factories import MeetingFactory, RegistrantFactory, SummaryFactory
from tests.stockholmstinget.factories import CallFactory, SessionFactory

pytestmark = pytest.mark.django_db


class _Labels(HTMLParser):
    """The text of each <label> and <legend> of a page."""

    TAGS = ("label", "legend")

    def __init__(self):
        super().__init__()
        self.texts: list[str] = []
        self._open: list[list[str]] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.TAGS:
            self._open.append([])

    def handle_endtag(self, tag):
        if tag in self.TAGS and self._open:
            self.texts.append(" ".join("".join(self._open.pop()).split()))

    def handle_data(self, data):
        for parts in self._open:
            parts.append(data)


def labels(html: str) -> list[str]:
    parser = _Labels()
    parser.feed(html)
    return [text for text in parser.texts if text]


def _lower_case(texts: list[str]) -> list[str]:
    # A label may start with a number ("3 platser"); one that starts with a letter starts with
    # a capital.
    return [text for text in texts if text[0].isalpha() and text[0].islower()]


def _pages() -> list[tuple[str, bool]]:
    """(url name and args, signed in) of every public page with a form."""
    meeting = MeetingFactory(slug="labels-meeting")
    SummaryFactory()
    call = CallFactory()
    # Sessions to choose give the registration form its fieldsets per time slot.
    SessionFactory(edition=call.edition, title="Folkbildning i hela länet", track="A")
    SessionFactory(edition=call.edition, title="Idrott för unga", track="B")
    year = call.edition.year
    return [
        ("account_login", (), False),
        ("account_signup", (), False),
        ("account_reset_password", (), False),
        ("dialogues:meeting_list", (), False),
        ("dialogues:summary_list", (), False),
        ("dialogues:insight_list", (), False),
        ("dialogues:registration_create", (meeting.slug,), True),
        ("accounts:my_pages", (), True),
        ("accounts:profile_edit", (), True),
        ("accounts:account_delete", (), True),
        ("stockholmstinget:registration", (year,), True),
        ("stockholmstinget:proposal_create", (year,), True),
    ]


@pytest.mark.parametrize("language", ["sv", "en"])
def test_every_label_of_the_public_forms_starts_with_a_capital_letter(client, language):
    client.force_login(RegistrantFactory())
    anonymous = type(client)()
    wrong = {}
    for name, args, signed_in in _pages():
        # The request activates its language in this thread; the override puts the one
        # before back afterwards, for the tests that run next.
        with translation.override(language):
            url = reverse(name, args=args)
            response = (client if signed_in else anonymous).get(url)
        assert response.status_code == 200, url
        texts = labels(response.content.decode())
        assert texts, f"{url} has no labels"
        if bad := _lower_case(texts):
            wrong[url] = bad
    assert wrong == {}


def test_a_label_in_lower_case_is_found():
    """The check above finds a label that starts in lower case, also inside markup, and leaves
    alone those that start with a capital or a number."""
    html = (
        "<fieldset><legend>Tid <span>kl. 10.00</span></legend>"
        "<label for='a'><input id='a'> <span>namn</span></label>"
        "<label>3 platser</label><label>E-post*</label></fieldset>"
    )
    assert labels(html) == ["Tid kl. 10.00", "namn", "3 platser", "E-post*"]
    assert _lower_case(labels(html)) == ["namn"]
