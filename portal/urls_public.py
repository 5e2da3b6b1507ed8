from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("om/", views.static_page, {"page": "about"}, name="about"),
    path("tillganglighet/", views.static_page, {"page": "accessibility"}, name="accessibility"),
    path("integritet/", views.static_page, {"page": "privacy"}, name="privacy"),
]
