"""Where a `next` parameter may send a person: a path on this site, nothing else."""

from __future__ import annotations

import unicodedata

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def next_url(request: HttpRequest, value: str | None) -> str | None:
    """`value` when it is a path on this site, else None.

    Only absolute paths pass: a bare word such as `foo` would be taken by `redirect()` for a
    URL name, and control characters cannot go into a Location header.
    """
    if not value or not value.startswith("/"):
        return None
    if any(unicodedata.category(char)[0] in "CZ" and char != " " for char in value):
        return None
    if not url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return None
    return value
