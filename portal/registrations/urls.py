from django.urls import path

from . import views

app_name = "registrations"

urlpatterns = [
    path("intyg/<slug:kind>/<int:pk>/", views.certificate, name="certificate"),
    path("utvardering/<str:token>/", views.survey, name="survey"),
]
