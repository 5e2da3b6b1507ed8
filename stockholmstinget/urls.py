from django.urls import path

from . import views

app_name = "stockholmstinget"

urlpatterns = [
    path("", views.edition_current, name="edition_current"),
    path("arkiv/", views.edition_archive, name="edition_archive"),
    path("<int:year>/", views.edition_detail, name="edition_detail"),
    path("<int:year>/program/", views.programme, name="programme"),
    path("<int:year>/program.ics", views.programme_ics, name="programme_ics"),
    path("<int:year>/anmalan/", views.registration, name="registration"),
    path("<int:year>/avanmalan/", views.registration_cancel, name="registration_cancel"),
    path("<int:year>/mitt-schema.ics", views.schedule_ics, name="schedule_ics"),
]
