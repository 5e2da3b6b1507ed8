"""The portal's URLs plus a page that fails, for the 500 page's tests."""

from django.conf.urls.i18n import i18n_patterns
from django.urls import path

from portal.urls import handler400, handler500  # noqa: F401 - the resolver looks them up here
from portal.urls import urlpatterns as portal_urlpatterns


def broken(request):
    raise RuntimeError("a bug")


urlpatterns = [
    *i18n_patterns(path("trasig/", broken), prefix_default_language=False),
    *portal_urlpatterns,
]
