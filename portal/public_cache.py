"""Whole public pages for visitors without a session, served from the shared cache.

A visitor who is not logged in (no session cookie, no pending messages) and asks a public page
with GET or HEAD gets the page as the last such visitor got it, without a view, a template or
a query. Only what anybody may see is stored: the request carried no session, the response is a
200 that sets no cookie and used no CSRF token (a form's token belongs to one visitor), and the
path is not an account, admin or health page. A logged-in person therefore never gets a stored
page, and a stored page never holds anybody's own data.

Freshness: every key carries the public-content version, which goes up when a transaction that
saved or deleted public content commits (meetings, summaries, editions, registrations: any row
of the apps in PUBLIC_APPS, and the reference data), so an edit, a publication or a
cancellation shows at once. Seats left may lag by at most PUBLIC_CACHE_SECONDS, the lifetime of
an entry: a registration does bump the version, but pages rendered while a burst runs may be
stored a moment later. Registration itself is always decided under the event's lock.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db import connections, transaction
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest, HttpResponse
from django.utils.cache import set_response_etag
from django.utils.translation import get_language_from_request

logger = logging.getLogger(__name__)

VERSION_KEY = "public-content-version"
# Rows of these apps (and these models) are what public pages show.
PUBLIC_APPS = {"dialogues", "stockholmstinget", "registrations"}
PUBLIC_MODELS = {"portal.theme", "portal.municipality", "accounts.user"}
# Never stored: pages about a person, staff pages, and the health check.
PRIVATE_PREFIXES = ("/admin", "/konto", "/mina-sidor", "/healthz", "/en/konto", "/en/mina-sidor")
# Headers that belong to one response, not to the page.
UNSTORED_HEADERS = {"set-cookie", "date"}


def content_version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, 1, timeout=None)
        version = cache.get(VERSION_KEY, 1)
    return version


def _version_bump() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.add(VERSION_KEY, 2, timeout=None)
    except Exception:
        # A cache that is down (or not created yet, during migrate) must not fail a commit;
        # stored pages then age out within PUBLIC_CACHE_SECONDS.
        logger.warning("Could not move the public-content version", exc_info=True)


def content_changed(using: str = "default") -> None:
    """Public content changed: every stored page is stale once the transaction commits.

    Once per transaction, however many rows it writes.
    """
    connection = connections[using]
    pending = getattr(connection, "run_on_commit", [])
    if any(callback is _version_bump for _sids, callback, *_rest in pending):
        return
    transaction.on_commit(_version_bump, using=using)


# Saves of only these fields change nothing a public page shows (a login stamps last_login).
UNSHOWN_FIELDS = {"last_login"}


def _on_save_or_delete(
    sender, using: str = "default", raw: bool = False, update_fields=None, **kwargs
) -> None:
    meta = getattr(sender, "_meta", None)
    # Migrations save through historical models (module "__fake__"); fixtures load raw.
    if raw or meta is None or sender.__module__ == "__fake__":
        return
    if update_fields and set(update_fields) <= UNSHOWN_FIELDS:
        return
    if meta.app_label in PUBLIC_APPS or meta.label_lower in PUBLIC_MODELS:
        content_changed(using)


def signals_connect() -> None:
    """Watch every model's saves and deletes (portal's AppConfig.ready)."""
    post_save.connect(_on_save_or_delete, dispatch_uid="public-cache-save")
    post_delete.connect(_on_save_or_delete, dispatch_uid="public-cache-delete")


def _storable_request(request: HttpRequest) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
        and not request.path.startswith(PRIVATE_PREFIXES)
    )


def _key(request: HttpRequest) -> str:
    query = urlencode(sorted(request.GET.lists()), doseq=True)
    language = get_language_from_request(request, check_path=True)
    return f"public-page:{content_version()}:{language}:{request.path}?{query}"


class PublicCacheMiddleware:
    """Serve and store public pages for visitors without a session (see the module)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not settings.PUBLIC_CACHE_SECONDS or not _storable_request(request):
            return self.get_response(request)
        key = _key(request)
        stored = cache.get(key)
        if stored is not None:
            content, headers = stored
            response = HttpResponse(b"" if request.method == "HEAD" else content)
            for name, value in headers:
                response[name] = value
            response["X-Public-Cache"] = "hit"
            return response
        response = self.get_response(request)
        if self._storable(request, response):
            # Hashed once when stored, not by ConditionalGetMiddleware on every hit.
            set_response_etag(response)
            headers = [
                (name, value)
                for name, value in response.items()
                if name.lower() not in UNSTORED_HEADERS
            ]
            cache.set(key, (response.content, headers), settings.PUBLIC_CACHE_SECONDS)
            response["X-Public-Cache"] = "miss"
        return response

    @staticmethod
    def _storable(request: HttpRequest, response: HttpResponse) -> bool:
        return (
            request.method == "GET"
            and response.status_code == 200
            and not response.streaming
            and not response.cookies
            # A page that used a CSRF token holds one visitor's token.
            and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
            and "private" not in response.get("Cache-Control", "")
            and "no-store" not in response.get("Cache-Control", "")
            and "no-cache" not in response.get("Cache-Control", "")
        )
