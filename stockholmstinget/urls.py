from django.urls import path

from . import views

app_name = "stockholmstinget"

urlpatterns = [
    path("", views.edition_current, name="edition_current"),
]
