"""Rendering a message from its templates, and the template context as stored JSON."""

from __future__ import annotations

import datetime
import re
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

PORTAL_NAME = "Samverkansportalen"


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    body_text: str
    body_html: str


def email_render(*, template: str, context: dict[str, Any], language: str) -> RenderedEmail:
    """Subject, text and HTML of `template` in `language` (see the package docstring)."""
    with translation.override(language):
        full = {
            "portal_name": PORTAL_NAME,
            "site_url": settings.SITE_URL,
            "my_pages_url": settings.SITE_URL + reverse("accounts:my_pages"),
            "language": language,
            **context,
        }
        subject = " ".join(_render_text(f"{template}_subject.txt", full).split())[:255]
        full["subject"] = subject
        body_text = _tidy_text(_render_text(f"{template}.txt", full))
        body_html: str
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
    return RenderedEmail(subject=subject, body_text=body_text, body_html=body_html)


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
