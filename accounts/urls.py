from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("", views.my_pages, name="my_pages"),
    path("profil/", views.profile_edit, name="profile_edit"),
    path("komplettera-profil/", views.profile_complete, name="profile_complete"),
    path("mina-uppgifter.json", views.data_export, name="data_export"),
    path("radera-konto/", views.account_delete, name="account_delete"),
]
