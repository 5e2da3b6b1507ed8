"""allauth's hooks: mail through the outbox in the person's language, profile at sign-up."""

from __future__ import annotations

import hashlib
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.core.internal.httpkit import clean_client_ip
from django.contrib.sites.shortcuts import get_current_site
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from .models import User
from .services import mail_language_for, profile_apply

# Context values that make one allauth message different from the next one of its kind. A reset
# link's token is its "key"; "password_reset_url" alone is the plain reset page that the
# "account already exists" mail points to, the same in every such mail, so it is no token.
_TOKEN_KEYS = ("key", "code", "activate_url")
KEY_MAX_LENGTH = 255


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:20]


def allauth_mail_key(template_prefix: str, email: str, context: dict[str, Any]) -> str:
    """The outbox key of one allauth message.

    A message that carries a token (confirmation key, code, reset link) is identified by it, so
    the same link is never mailed twice, while a second verification request (a new key) is a
    new message. Notifications carry no token and are identified by the moment they were made.
    The token itself never lands in the key (staff can read keys in the admin), only a digest.
    """
    tokens = [str(context[name]) for name in _TOKEN_KEYS if context.get(name)]
    if tokens:
        marker = _digest("|".join(tokens))
    else:
        moment = context.get("timestamp") or timezone.now()
        marker = moment.isoformat() if hasattr(moment, "isoformat") else str(moment)
    address = email.lower()
    key = f"allauth:{template_prefix}:{address}:{marker}"
    if len(key) > KEY_MAX_LENGTH:
        key = f"allauth:{template_prefix}:{_digest(address)}:{marker}"
    return key


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Render allauth's message in the recipient's language and hand it to the outbox."""
        from portal.outbox.enqueue import email_enqueue

        request = allauth_context.request
        language = mail_language_for(email, default=translation.get_language())
        with translation.override(language):
            ctx = {"email": email, "current_site": get_current_site(request), **context}
            subject = render_to_string(f"{template_prefix}_subject.txt", ctx)
            subject = self.format_email_subject(" ".join(subject.splitlines()).strip())
            body = render_to_string(f"{template_prefix}_message.txt", ctx).strip()
        email_enqueue(
            key=allauth_mail_key(template_prefix, email, context),
            to=email,
            template="accounts/email/allauth",
            context={"subject": subject, "body": body},
            language=language,
        )

    def get_client_ip(self, request: HttpRequest) -> str:
        """The visitor's address that every per-IP rate limit counts (ALLAUTH_TRUSTED_PROXY_COUNT).

        allauth takes it from X-Forwarded-For, counting the trusted proxies from the right, and
        gives up (a 500) when the header has fewer entries than that: the request skipped an
        outer proxy. The first entry is then the address the inner proxy saw, so it counts.
        """
        try:
            return super().get_client_ip(request)
        except ImproperlyConfigured:
            first = request.headers.get("x-forwarded-for", "").split(",")[0]
            return clean_client_ip(first) or request.META["REMOTE_ADDR"]

    def save_user(self, request: HttpRequest, user: User, form, commit: bool = True) -> User:
        """Store the account and the profile from the sign-up form in one save."""
        user = super().save_user(request, user, form, commit=False)
        profile = getattr(form, "profile_data", None)
        if profile is not None:
            profile_apply(user=user, data=profile())
        else:
            user.preferred_language = translation.get_language() or user.preferred_language
        if commit:
            user.save()
        return user

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        """People who have not completed their profile do that first."""
        if not request.user.profile_is_complete:
            return reverse("accounts:profile_complete")
        return super().get_login_redirect_url(request)
