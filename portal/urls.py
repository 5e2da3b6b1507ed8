from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from accounts import views as account_views
from dialogues.summaries import views as summary_views

from . import views

admin.site.site_header = "Samverkansportalen"
admin.site.site_title = "Samverkansportalen"

# Error pages in the site's layout: templates/400.html, 403.html, 404.html and 500.html.
handler400 = "portal.views.bad_request"
handler500 = "portal.views.server_error"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    # Browsers ask for /favicon.ico on pages without an icon link (the admin's, a PDF).
    path("favicon.ico", views.favicon),
    # The open-data catalogue: one address in every language, so harvesters keep finding it.
    path("datasets/dcat", summary_views.catalogue_dcat, name="catalogue_dcat"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]

# The portal's own pages, in the "portal" namespace.
pages = [
    path("", views.home, name="home"),
    path("om/", views.static_page, {"page": "about"}, name="about"),
    path("tillganglighet/", views.static_page, {"page": "accessibility"}, name="accessibility"),
    path("integritet/", views.static_page, {"page": "privacy"}, name="privacy"),
]

# allauth's pages, with the login view that answers 429 when rate limited.
account_pages = [
    path("login/", account_views.login, name="account_login"),
    path("", include("allauth.urls")),
]

# Swedish without a prefix, English under /en/; the paths themselves stay Swedish.
urlpatterns += i18n_patterns(
    path("", include((pages, "portal"))),
    path("konto/", include(account_pages)),
    path("mina-sidor/", include("accounts.urls")),
    # The registration core's pages for a person (certificates): under Mina sidor, so that
    # they are never stored by the public cache (portal/public_cache.py).
    path("mina-sidor/", include("portal.registrations.urls")),
    path("", include("dialogues.urls")),
    path("stockholmstinget/", include("stockholmstinget.urls")),
    prefix_default_language=False,
)

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
