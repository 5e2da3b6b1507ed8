"""{{ data|json_ld }}: a schema.org JSON-LD block, escaped as Django's json_script escapes.

A `<script type="application/ld+json">` is a data block: browsers never run it, so the
Content-Security-Policy (script-src 'self', no nonce) has nothing to allow. What matters is
that no text in it can close the element: `<`, `>` and `&` are written as JSON escapes.
"""

import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()

_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.filter
def json_ld(value) -> str:
    if not value:
        return ""
    text = json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))  # noqa: S308
