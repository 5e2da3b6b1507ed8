from django.urls import path

from . import views

app_name = "dialogues"

urlpatterns = [
    path("dialogmoten/", views.meeting_list, name="meeting_list"),
    path("sammanfattningar/", views.summary_list, name="summary_list"),
]
