"""Paths of summaries, the insights register and alerts; added to the `dialogues` namespace."""

from django.urls import path

from . import views
from .feeds import SummaryFeed

urlpatterns = [
    path("sammanfattningar/", views.summary_list, name="summary_list"),
    path("sammanfattningar/flode/", SummaryFeed(), name="summary_feed"),
    path("sammanfattningar/export.csv", views.summary_export_csv, name="summary_export_csv"),
    path("sammanfattningar/export.json", views.summary_export_json, name="summary_export_json"),
    path("sammanfattningar/bevakningar/", views.subscription_create, name="subscription_create"),
    path(
        "sammanfattningar/bevakningar/<int:pk>/ta-bort/",
        views.subscription_delete,
        name="subscription_delete",
    ),
    path("sammanfattningar/<slug:slug>/", views.summary_detail, name="summary_detail"),
    path(
        "sammanfattningar/<slug:slug>/folj/",
        views.insight_follow_create,
        name="insight_follow_create",
    ),
    path(
        "sammanfattningar/<slug:slug>/sluta-folja/",
        views.insight_follow_delete,
        name="insight_follow_delete",
    ),
    path("insikter/", views.insight_list, name="insight_list"),
    path("insikter/vi-gjorde/", views.insight_acted_list, name="insight_acted_list"),
    path("insikter/export.csv", views.insight_export_csv, name="insight_export_csv"),
    path("insikter/export.json", views.insight_export_json, name="insight_export_json"),
]
