from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.constants import LOOKUP_SEP
from django.utils.text import capfirst

from .models import Municipality, Theme

# Imported so that the admin finds the outbox's MailOut and OutgoingEmail pages.
from .outbox import admin as outbox_admin  # noqa: F401


class HttpsLinksMixin:
    """Links typed without a scheme are taken as https, not http."""

    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


class ValidKeysMixin:
    """Django's autocomplete widget puts every submitted value (or one given in the add
    form's query string) into a query, and a value that is no key, such as `abc`, fails the
    page instead of the field. Only valid keys are looked up; the field still reports the
    rest as an invalid choice."""

    # Labels of every row of a small table, set by `labels_preload` when the widget is on
    # each form of an inline: one query for the page instead of one per form.
    labels: dict[str, str] | None = None

    def optgroups(self, name, value, attr=None):
        remote = self.field.remote_field
        # A foreign key may point at another unique field; a many-to-many at the key.
        opts = remote.model._meta
        target = opts.get_field(getattr(remote, "field_name", None) or opts.pk.name)
        valid = []
        for item in value:
            try:
                target.clean(item, None)
            except ValidationError:
                continue
            valid.append(item)
        if self.labels is None:
            return super().optgroups(name, valid, attr)
        options = []
        if not self.is_required and not self.allow_multiple_selected:
            options.append(self.create_option(name, "", "", False, 0))
        selected = {str(item) for item in valid}
        for key, label in self.labels.items():
            if key in selected:
                options.append(self.create_option(name, key, label, True, len(options)))
        return [(None, options, 0)]


def labels_preload(formfield) -> None:
    """Give an autocomplete field's widget the labels of all its rows (see ValidKeysMixin)."""
    widget = getattr(formfield.widget, "widget", formfield.widget)
    widget.labels = {str(obj.pk): formfield.label_from_instance(obj) for obj in formfield.queryset}


def choices_once(formfield) -> None:
    """Read a choice field's options once for every form of a formset.

    Each form of an inline gets a copy of the field, and a model choice field reads its
    options from the database again for each copy; a fixed list is copied instead.
    """
    choices = list(formfield.choices)
    formfield.choices = choices
    widget = formfield.widget
    while hasattr(widget, "widget"):  # the admin's wrapper with the "+" link
        widget = widget.widget
        widget.choices = choices


class ValidKeysAutocompleteSelect(ValidKeysMixin, AutocompleteSelect):
    pass


class ValidKeysAutocompleteSelectMultiple(ValidKeysMixin, AutocompleteSelectMultiple):
    pass


class StaffInputMixin:
    """Bad input from staff is a field error or a 400, never a 500.

    - Autocomplete fields look up only valid keys (see ValidKeysMixin).
    - Arrays of choices (sectors, audience groups) are checkboxes: the admin's default text
      field for them formats its error message twice and fails on a `%` in the value.
    - The changelist takes no raw lookups on those arrays (`?audience_groups=%`): the database
      rejects such a value only when the page is rendered.
    """

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, ArrayField) and db_field.base_field.choices:
            return forms.MultipleChoiceField(
                label=capfirst(db_field.verbose_name),
                choices=db_field.base_field.choices,
                required=not db_field.blank,
                widget=forms.CheckboxSelectMultiple,
                help_text=db_field.help_text,
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = ValidKeysAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = ValidKeysAutocompleteSelectMultiple(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def lookup_allowed(self, lookup, value, request):
        name = lookup.split(LOOKUP_SEP)[0]
        fields = {field.name: field for field in self.model._meta.get_fields()}
        if isinstance(fields.get(name), ArrayField):
            return False
        return super().lookup_allowed(lookup, value, request)


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
