from django.contrib import admin

from .models import Municipality, Theme


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]
    ordering = ["code"]

    # The 26 municipalities are reference data from the official register; staff read them.
    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "slug", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "name_en", "description"]
    prepopulated_fields = {"slug": ["name"]}
