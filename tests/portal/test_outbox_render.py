"""A mail-out's messages rendered once per language and personalised: the same bytes as each
recipient's own rendering."""

from __future__ import annotations

from unittest import mock

import pytest

from portal.outbox import render
from portal.outbox.render import MailoutRenderer, email_render

NAMES = [
    "Anna Svensson",
    "Åsa <b>Öberg</b> & \"Co\" 'kultur'",
    "O'Brien & <Söner>",
    'Lee "The" <Smith>',
    "Tom   Två  Mellanslag",
    # Not plain text for a placeholder: rendered in full.
    "B. Nilsson",
    "anna@example.se",
    " Kant ",
    "",
]

NOTICE = {
    "heading": "Inbjudan: Dialog <om> kultur & idrott",
    "body": "Välkommen till vårens dialogmöte.\n\nOm tillgången till kultur i länet.",
    "link": "https://samverkan.example.se/dialogmoten/civilsamhallet-maj/",
}
DOCUMENTATION = {
    "edition": {"title": 'Stockholmstinget 2026 <&> "vår"'},
    "edition_url": "https://samverkan.example.se/stockholmstinget/2026/",
}


@pytest.mark.parametrize(
    ("template", "shared"),
    [
        ("portal/email/notice", NOTICE),
        # No HTML template: the HTML part is the text part, urlized.
        ("stockholmstinget/email/documentation_published", DOCUMENTATION),
    ],
)
@pytest.mark.parametrize("language", ["sv", "en"])
def test_personalised_render_is_each_recipients_own(template, shared, language):
    renderer = MailoutRenderer(template=template, shared=shared)
    for name in NAMES * 2:
        context = {"recipient_name": name}
        expected = email_render(template=template, context={**shared, **context}, language=language)
        assert renderer.render(context=context, language=language) == expected, name


def test_a_name_in_the_subject_is_escaped_in_the_html_title():
    shared = {**NOTICE, "body": "Hej."}
    renderer = MailoutRenderer(template="portal/email/notice", shared=shared)
    # The subject template prints the heading, so a personal heading is in the subject.
    for heading in ['Till <Åsa> & "Bo"', "Till O'Brien", "Till   Anna"]:
        context = {"heading": heading, "recipient_name": "Åsa <b>"}
        expected = email_render(
            template="portal/email/notice", context={**shared, **context}, language="sv"
        )
        rendered = renderer.render(context=context, language="sv")
        assert rendered == expected
    assert rendered.subject == "Till Anna"


def test_the_templates_are_rendered_once_per_language():
    renderer = MailoutRenderer(template="portal/email/notice", shared=NOTICE)
    with mock.patch.object(render, "email_render", wraps=render.email_render) as spy:
        for n in range(40):
            renderer.render(
                context={"recipient_name": f"Deltagare <{n}>"}, language="en" if n % 4 else "sv"
            )
    # The first recipient of each language is rendered in full, to compare with.
    assert spy.call_count == 2


def test_a_value_that_is_not_text_is_rendered_in_full():
    renderer = MailoutRenderer(template="portal/email/notice", shared=NOTICE)
    context = {"recipient_name": 42}
    expected = email_render(
        template="portal/email/notice", context={**NOTICE, **context}, language="sv"
    )
    assert renderer.render(context=context, language="sv") == expected
