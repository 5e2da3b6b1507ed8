from django.urls import path

from . import views
from .proposals import views as proposal_views

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
    path("<int:year>/forslag/", proposal_views.proposal_list, name="proposal_list"),
    path("<int:year>/forslag/nytt/", proposal_views.proposal_form, name="proposal_create"),
    path("<int:year>/forslag/<int:pk>/", proposal_views.proposal_form, name="proposal_edit"),
]
