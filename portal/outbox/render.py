"""Rendering a message from its templates, and the template context as stored JSON."""

from __future__ import annotations

import datetime
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import models
from django.template import Context, TemplateDoesNotExist
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.html import escape as html_escape

PORTAL_NAME = "Samverkansportalen"


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    body_text: str
    body_html: str


@dataclass(frozen=True)
class MailPreview:
    """What a bulk send would do, shown before staff send: how many new addresses get mail,
    how many were mailed before (and get nothing), and the mail as they read it."""

    new: int
    already: int
    subject: str
    body_text: str


def email_render(*, template: str, context: dict[str, Any], language: str) -> RenderedEmail:
    """Subject, text and HTML of `template` in `language` (see the package docstring)."""
    with translation.override(language):
        full = _full_context(context, language)
        subject = _subject_tidy(_render_text(f"{template}_subject.txt", full))
        full["subject"] = subject
        body_text, body_html = _render_bodies(template, full)
    return RenderedEmail(subject=subject, body_text=body_text, body_html=body_html)


def _full_context(context: dict[str, Any], language: str) -> dict[str, Any]:
    return {
        "portal_name": PORTAL_NAME,
        "site_url": settings.SITE_URL,
        "my_pages_url": settings.SITE_URL + reverse("accounts:my_pages"),
        "language": language,
        **context,
    }


def _subject_tidy(subject: str) -> str:
    return " ".join(subject.split())[:255]


def _render_bodies(template: str, full: dict[str, Any]) -> tuple[str, str]:
    body_html: str
    body_text = _tidy_text(_render_text(f"{template}.txt", full))
    try:
        html_template = get_template(f"{template}.html")
    except TemplateDoesNotExist:
        part = {**full, "email_part": "content"}
        body_html = render_to_string(
            "email/text_as_html.html",
            {
                **full,
                "text_content": _tidy_text(_render_text(f"{template}.txt", part)).strip(),
                "text_reason": _tidy_text(
                    _render_text(f"{template}.txt", {**full, "email_part": "reason"})
                ).strip(),
            },
        )
    else:
        body_html = html_template.render(full)
    return body_text, body_html


# Keys the renderer sets itself; a recipient's context that sets them is rendered in full.
_RESERVED_KEYS = frozenset(
    {"portal_name", "site_url", "my_pages_url", "language", "subject", "email_part"}
    | {"text_content", "text_reason"}
)
# Characters that urlize, linebreaks or the text tidying act on: a value holding one could
# render differently from a placeholder standing in its place.
_NOT_INERT = frozenset(".@:/\\")


def _inert(value: Any) -> bool:
    """Whether `value` renders the same wherever a placeholder of letters and digits does."""
    return (
        isinstance(value, str)
        and value != ""
        and value == value.strip()
        and value.isprintable()
        and _NOT_INERT.isdisjoint(value)
    )


class MailoutRenderer:
    """email_render for the many recipients of one mail-out, rendering each language once.

    Recipients differ only in their own context, which is usually a name or two: the templates
    are rendered once per language and set of personal keys with a placeholder token for each
    personal value, and each recipient's message is that rendering with their values put in
    (HTML-escaped in the HTML part). The first recipient of each such group is also rendered
    in full and compared; if the two differ (a template that tests or filters a personal value
    rather than printing it) the group is rendered in full, as are recipients whose values are
    not plain text (`_inert`). Either way the bytes are those of `email_render`.
    """

    def __init__(self, *, template: str, shared: dict[str, Any]):
        self.template = template
        self.shared = shared
        self._plans: dict[tuple[str, tuple[str, ...]], _Personalised | None] = {}

    def render(self, *, context: dict[str, Any], language: str) -> RenderedEmail:
        if not context or not all(
            key not in _RESERVED_KEYS and _inert(value) for key, value in context.items()
        ):
            return self._plain(context, language)
        group = (language, tuple(sorted(context)))
        if group not in self._plans:
            plain = self._plain(context, language)
            self._plans[group] = self._trusted(group, context, plain)
            return plain
        plan = self._plans[group]
        if plan is None:
            return self._plain(context, language)
        return plan.render(context) or self._plain(context, language)

    def _trusted(
        self, group: tuple[str, tuple[str, ...]], context: dict[str, Any], plain: RenderedEmail
    ) -> _Personalised | None:
        """The group's placeholder rendering if it gives `plain` for this recipient."""
        try:
            plan = _Personalised(self.template, self.shared, *group)
            return plan if plan.render(context) == plain else None
        except Exception:
            return None

    def _plain(self, context: dict[str, Any], language: str) -> RenderedEmail:
        return email_render(
            template=self.template, context={**self.shared, **context}, language=language
        )


class _Personalised:
    """One language's rendering of a template with placeholder tokens for the personal keys."""

    def __init__(self, template: str, shared: dict[str, Any], language: str, keys: tuple[str, ...]):
        salt = secrets.token_hex(6)
        # Lower-case letters and digits: escaping leaves them alone, upper or title would not.
        self.tokens = {key: f"zq{salt}n{index}qz" for index, key in enumerate(keys)}
        self.subject_token = f"zq{salt}sqz"
        with translation.override(language):
            full = _full_context({**shared, **self.tokens}, language)
            self.raw_subject = _render_text(f"{template}_subject.txt", full)
            self.personal_subject = any(token in self.raw_subject for token in self.tokens.values())
            if self.personal_subject:
                full["subject"] = self.subject_token
            else:
                full["subject"] = _subject_tidy(self.raw_subject)
            self.body_text, self.body_html = _render_bodies(template, full)
        self.pattern = re.compile(
            "|".join(re.escape(t) for t in [*self.tokens.values(), self.subject_token])
        )

    def render(self, context: dict[str, Any]) -> RenderedEmail | None:
        """The recipient's message, or None when their subject is not plain text."""
        text = {self.tokens[key]: value for key, value in context.items()}
        if self.personal_subject:
            subject = _subject_tidy(self._put(self.raw_subject, text))
            if not _inert(subject):
                return None
            text[self.subject_token] = subject
        else:
            subject = _subject_tidy(self.raw_subject)
        html = {token: str(html_escape(value)) for token, value in text.items()}
        return RenderedEmail(
            subject=subject,
            body_text=self._put(self.body_text, text),
            body_html=self._put(self.body_html, html),
        )

    def _put(self, rendered: str, values: dict[str, str]) -> str:
        return self.pattern.sub(lambda match: values[match.group()], rendered)


def context_encode(value: Any) -> Any:
    """A template context as JSON: model instances by reference, dates and decimals tagged.

    Raises TypeError for anything else (a lazy translation, say, would be frozen in the
    caller's language: translate in the template instead).
    """
    if isinstance(value, Promise):
        raise TypeError("Translate in the email template, not in the mail-out's context.")
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, models.Model):
        return {"__model__": value._meta.label_lower, "pk": value.pk}
    if isinstance(value, datetime.datetime):
        return {"__datetime__": value.isoformat()}
    if isinstance(value, datetime.date):
        return {"__date__": value.isoformat()}
    if isinstance(value, datetime.time):
        return {"__time__": value.isoformat()}
    if isinstance(value, Decimal):
        return {"__decimal__": str(value)}
    if isinstance(value, list | tuple):
        return [context_encode(item) for item in value]
    if isinstance(value, dict):
        return {str(k): context_encode(v) for k, v in value.items()}
    raise TypeError(f"A mail-out context cannot hold {type(value).__name__} values.")


def context_decode(value: Any) -> Any:
    """The inverse of context_encode; model instances of a whole structure load in bulk."""
    wanted: dict[str, set[Any]] = {}
    _models_wanted(value, wanted)
    loaded = {
        label: apps.get_model(label)._default_manager.in_bulk(list(pks))
        for label, pks in wanted.items()
    }
    return _decoded(value, loaded)


# How context_encode tags the values JSON has no type for, and how each is read back.
_TAGGED: dict[str, Callable[[str], Any]] = {
    "__datetime__": datetime.datetime.fromisoformat,
    "__date__": datetime.date.fromisoformat,
    "__time__": datetime.time.fromisoformat,
    "__decimal__": Decimal,
}


def _models_wanted(item: Any, wanted: dict[str, set[Any]]) -> None:
    """Collect the primary keys of every model instance in `item`, by model label."""
    if isinstance(item, list):
        for element in item:
            _models_wanted(element, wanted)
    elif isinstance(item, dict):
        if "__model__" in item:
            wanted.setdefault(item["__model__"], set()).add(item["pk"])
        else:
            for element in item.values():
                _models_wanted(element, wanted)


def _decoded(item: Any, loaded: dict[str, dict[Any, models.Model]]) -> Any:
    if isinstance(item, list):
        return [_decoded(element, loaded) for element in item]
    if not isinstance(item, dict):
        return item
    if "__model__" in item:
        return loaded[item["__model__"]].get(item["pk"])
    for tag, decode in _TAGGED.items():
        if tag in item:
            return decode(item[tag])
    return {k: _decoded(v, loaded) for k, v in item.items()}


def language_supported(language: str) -> str:
    try:
        return translation.get_supported_language_variant(language or settings.LANGUAGE_CODE)
    except LookupError:
        return settings.LANGUAGE_CODE


def _render_text(name: str, context: dict[str, Any]) -> str:
    """A plain-text template, without HTML escaping ("Kultur & idrott", not "&amp;")."""
    # The Django backend's template, whose render() takes a Context with autoescape off; the
    # stubs type get_template() as the engine-neutral interface, which has no such attribute.
    template = get_template(name).template  # type: ignore[attr-defined]
    text: str = template.render(Context(context, autoescape=False))
    return text


def _tidy_text(text: str) -> str:
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"


def error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]
