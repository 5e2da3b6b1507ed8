from django.urls import path

from . import views
from .summaries import urls as summaries_urls

app_name = "dialogues"

urlpatterns = [
    path("dialogmoten/", views.meeting_list, name="meeting_list"),
    path("dialogmoten/arkiv/", views.meeting_archive, name="meeting_archive"),
    path("dialogmoten/kalender.ics", views.meeting_feed, name="meeting_feed"),
    path("dialogmoten/<slug:slug>.ics", views.meeting_ics, name="meeting_ics"),
    path("dialogmoten/<slug:slug>/", views.meeting_detail, name="meeting_detail"),
    path(
        "dialogmoten/<slug:slug>/anmalan/",
        views.registration_create,
        name="registration_create",
    ),
    path(
        "dialogmoten/<slug:slug>/anmalan/andra/",
        views.registration_update,
        name="registration_update",
    ),
    path("kommuner/", views.municipality_list, name="municipality_list"),
    path("kommuner/<slug:slug>/", views.municipality_detail, name="municipality_detail"),
    path(
        "dialogmoten/<slug:slug>/avanmalan/",
        views.registration_cancel,
        name="registration_cancel",
    ),
]

# Summaries, the insights register and alerts (same namespace).
urlpatterns += summaries_urls.urlpatterns
