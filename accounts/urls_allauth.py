"""allauth's pages under /konto/, with the login view that answers 429 when rate limited."""

from django.urls import include, path

from . import views

urlpatterns = [
    path("login/", views.login, name="account_login"),
    path("", include("allauth.urls")),
]
