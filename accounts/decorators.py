"""The gate in front of every registration: logged in, address confirmed, profile complete.

Use it on any view where a person registers (or signs up) for something::

    from accounts.decorators import profile_required

    @profile_required
    def registration_create_view(request, slug): ...

A person who does not pass is redirected, with `next` pointing back at the page they wanted:

- not logged in: to the login page (`account_login`);
- logged in, but the account's address is not confirmed: to the email page (`account_email`),
  where a confirmation can be sent again;
- profile not completed: to the short completion form (`accounts:profile_complete`), which
  returns them to `next` once it is saved.

The gate guards the page; a service that registers people should check the same rule with
`accounts.services.registration_gate_block(user)` (None means "may register"), so that no
other path (an API, an admin action on someone's behalf) slips past it.
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse

from .services import GateBlock, registration_gate_block

_TARGETS = {
    GateBlock.LOGIN: "account_login",
    GateBlock.UNVERIFIED: "account_email",
    GateBlock.PROFILE: "accounts:profile_complete",
}


def gate_redirect(request: HttpRequest) -> HttpResponseRedirect | None:
    """The redirect that stops this request at the gate, or None when it may pass."""
    block = registration_gate_block(request.user)
    if block is None:
        return None
    if block != GateBlock.LOGIN:
        messages.info(request, block.label)
    query = urlencode({REDIRECT_FIELD_NAME: request.get_full_path()})
    return HttpResponseRedirect(f"{reverse(_TARGETS[block])}?{query}")


def profile_required(view_func):
    """Let the view run only for logged-in people with a confirmed address and full profile."""

    @wraps(view_func)
    def _wrapped(request: HttpRequest, *args, **kwargs):
        return gate_redirect(request) or view_func(request, *args, **kwargs)

    return _wrapped
