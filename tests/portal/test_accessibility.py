"""Every public page passes axe-core (WCAG 2.0/2.1 A and AA) in a real Chromium.

PUBLIC_PAGES is the one list of public pages; each feature appends its pages here.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from tests.accessibility import axe_violations, describe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# (url name, args) of every public page.
PUBLIC_PAGES: list[tuple[str, tuple]] = [
    ("portal:home", ()),
    ("portal:about", ()),
    ("portal:accessibility", ()),
    ("portal:privacy", ()),
    ("account_login", ()),
    ("account_signup", ()),
    ("account_reset_password", ()),
    ("account_reset_password_done", ()),
    ("account_email_verification_sent", ()),
    ("dialogues:meeting_list", ()),
    ("dialogues:meeting_archive", ()),
    ("dialogues:meeting_detail", ("kulturskapares-arbetsvillkor",)),
    ("dialogues:meeting_detail", ("civilsamhallet-varen",)),
    ("dialogues:summary_list", ()),
    ("dialogues:summary_detail", ("civilsamhallets-vardialog",)),
    ("dialogues:insight_list", ()),
    ("dialogues:insight_acted_list", ()),
    ("dialogues:municipality_list", ()),
    ("dialogues:municipality_detail", ("sodertalje",)),
    ("dialogues:municipality_detail", ("norrtalje",)),
    ("stockholmstinget:edition_current", ()),
    ("stockholmstinget:edition_archive", ()),
    ("stockholmstinget:edition_detail", (2019,)),
    ("stockholmstinget:programme", (2027,)),
    # Held, with its documentation: recordings per session.
    ("stockholmstinget:programme", (2019,)),
    ("stockholmstinget:proposal_list", (2027,)),
]


@pytest.fixture(autouse=True)
def demo_data(transactional_db):
    """Pages with arguments need rows to show: the demo data provides them."""
    call_command("seed_demo")


def _url(name: str, args: tuple, language: str) -> str:
    with translation.override(language):
        return reverse(name, args=args)


@pytest.mark.parametrize("language", ["sv", "en"])
def test_public_pages_have_no_axe_violations(page, language):
    """Every public page answers 200 in the right language and axe-core finds no WCAG A/AA
    violation on it.

    One walk over all the pages per language, on one seeding of the demo data: the pages only
    read it. Every page is checked even when an earlier one fails, and the failure names each
    page with its violations.
    """
    failures = []
    for name, args in PUBLIC_PAGES:
        url = _url(name, args, language)
        response = page.goto(url)
        if response is None or response.status != 200:
            failures.append(f"{url}: status {response.status if response else None}")
            continue
        if page.locator("html").get_attribute("lang") != language:
            failures.append(f"{url}: not in {language}")
        violations = axe_violations(page)
        if violations:
            failures.append(f"{url}:\n{describe(violations)}")
    assert failures == [], "\n\n".join(failures)


def test_skip_link_is_first_and_moves_focus_to_main(page):
    """Keyboard users reach the skip link with the first Tab and land in the main content."""
    page.goto(_url("portal:home", (), "sv"))
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Hoppa till innehållet"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_navigation_and_language_switch_work(page):
    """A visitor follows the header navigation and switches to English on the same page."""
    page.goto(_url("portal:home", (), "sv"))
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Om").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Om regional samverkan"
    page.get_by_role("link", name="English").click()
    assert page.url.endswith("/en/om/")
    assert page.get_by_role("heading", level=1).inner_text() == "About regional cooperation"


def _focus_ring(page) -> dict:
    return page.evaluate(
        """() => {
            const style = getComputedStyle(document.activeElement);
            return {style: style.outlineStyle, width: style.outlineWidth,
                    color: style.outlineColor, text: document.activeElement.textContent.trim()};
        }"""
    )


def test_one_clear_focus_ring_on_the_header_buttons_and_fields(page):
    """Keyboard focus shows a 3 px ring everywhere: yellow on the navy header, navy on the
    page, on links, buttons and fields alike (WCAG 2.4.7, 1.4.11)."""
    page.goto(_url("dialogues:meeting_list", (), "sv"))
    yellow, navy = "rgb(245, 180, 0)", "rgb(11, 45, 79)"
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Dialogmöten").focus()
    page.keyboard.press("Tab")
    page.keyboard.press("Shift+Tab")
    ring = _focus_ring(page)
    assert ring == {"style": "solid", "width": "3px", "color": yellow, "text": "Dialogmöten"}

    page.get_by_role("button", name="Visa möten").focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    assert _focus_ring(page) == {
        "style": "solid",
        "width": "3px",
        "color": navy,
        "text": "Visa möten",
    }
    page.get_by_role("combobox", name="Format").focus()
    ring = _focus_ring(page)
    assert (ring["style"], ring["width"], ring["color"]) == ("solid", "3px", navy)
