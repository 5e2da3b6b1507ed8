from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse, translate_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, get_language_info


def portal(request):
    """Site-wide template context: links to this page in every language."""
    current = get_language()
    language_links = [
        {
            "code": code,
            "name": get_language_info(code)["name_local"],
            "url": translate_url(request.get_full_path(), code),
            "current": code == current,
        }
        for code, _name in settings.LANGUAGES
    ]
    return {
        "language_links": language_links,
        "SITE_URL": settings.SITE_URL,
        "account_next_query": _account_next_query(request),
    }


def _account_next_query(request) -> str:
    """The "?next=…" the header's log-in and sign-up links carry, so nobody loses their place.

    On the account pages themselves the page's own "next" is passed on (a newcomer sent to the
    log-in page from "Register" keeps the meeting as the destination); elsewhere it is the page.
    """
    account_prefix = reverse("account_login").rsplit("/", 2)[0] + "/"
    if request.path.startswith(account_prefix):
        target = request.GET.get("next", "")
    else:
        target = request.get_full_path()
    # Only a path on this site (no host at all): the error pages render this for requests
    # whose Host header is refused, so the host is not asked for.
    if not target or not url_has_allowed_host_and_scheme(target, allowed_hosts=set()):
        return ""
    return "?" + urlencode({"next": target})
