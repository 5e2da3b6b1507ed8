from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

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
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]

# Swedish without a prefix, English under /en/; the paths themselves stay Swedish.
urlpatterns += i18n_patterns(
    path("", include("portal.urls_public")),
    path("konto/", include("accounts.urls_allauth")),
    path("mina-sidor/", include("accounts.urls")),
    path("", include("dialogues.urls")),
    path("stockholmstinget/", include("stockholmstinget.urls")),
    prefix_default_language=False,
)

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
