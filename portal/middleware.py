"""Request and response middleware of the whole site."""

from __future__ import annotations

from django.core.exceptions import BadRequest, SuspiciousOperation
from django.http import HttpRequest, QueryDict
from django.http.multipartparser import MultiPartParserError


class RequestDecodingMiddleware:
    """Answer 400 for a request whose query string or form data cannot be read.

    Django refuses a form body declaring another charset than UTF-8 (and one it cannot decode,
    or too many fields) where the body is first read, but leaves it unread. Its 400 handler
    then reads it again for the CSRF check, fails the same way, and the second error escapes
    as the server's bare 500. Reading both here, and leaving them empty when they cannot be
    read, makes such a request end on the site's own 400 page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        try:
            request.GET  # noqa: B018 - parsed here on purpose
        except (SuspiciousOperation, UnicodeError) as error:
            request.GET = QueryDict()
            raise BadRequest("The query string cannot be read.") from error
        try:
            request.POST  # noqa: B018
            request.FILES  # noqa: B018
        except (BadRequest, SuspiciousOperation, MultiPartParserError, UnicodeError) as error:
            # What Django itself does after a multipart error: later reads get empty data.
            request._mark_post_parse_error()
            raise BadRequest("The request body cannot be read.") from error
        return self.get_response(request)
