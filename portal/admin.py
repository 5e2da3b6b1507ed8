from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ERROR_FLAG, PAGE_VAR
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.constants import LOOKUP_SEP
from django.utils.text import capfirst

from .models import Municipality, Theme

# Imported so that the admin finds the outbox's MailOut and OutgoingEmail pages.
from .outbox import admin as outbox_admin  # noqa: F401

if TYPE_CHECKING:
    from django.contrib.admin.options import BaseModelAdmin

    # The mixins are mixed into these classes: the checker sees their attributes and their
    # super() methods, while at run time the mixins derive from object as before.
    _AutocompleteSelectBase = AutocompleteSelect
    _BaseModelAdminBase = BaseModelAdmin[Any]
    _ModelAdminBase = admin.ModelAdmin[Any]
else:
    _AutocompleteSelectBase = _BaseModelAdminBase = _ModelAdminBase = object


class HttpsLinksMixin:
    """Links typed without a scheme are taken as https, not http."""

    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


class ValidKeysMixin(_AutocompleteSelectBase):
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


class AutocompleteFilter(admin.SimpleListFilter):
    """A list filter on a foreign key to a table with thousands of rows (meetings): the
    admin's autocomplete widget, searching the target's admin, instead of a link per row.

    Subclass with `field_name` (a foreign key of the model) and `title`. The parameter is the
    one the admin's own filter would use (`meeting__id__exact`), so links to a filtered list
    keep working. The form also works without scripts: choose, then "Filter". The ModelAdmin
    takes the widget's scripts with AutocompleteFilterMixin.
    """

    field_name = ""
    template = "admin/autocomplete_filter.html"

    def __init__(self, request, params, model, model_admin):
        self.field = model._meta.get_field(self.field_name)
        self.parameter_name = f"{self.field_name}__{self.field.target_field.name}__exact"
        self.admin_site = model_admin.admin_site
        super().__init__(request, params, model, model_admin)

    @classmethod
    def widget_media(cls, model, admin_site):
        field = model._meta.get_field(cls.field_name)
        # Named after jQuery and its admin alias, so the merged media load it after them.
        return ValidKeysAutocompleteSelect(field, admin_site).media + forms.Media(
            js=[
                "admin/js/vendor/jquery/jquery.min.js",
                "admin/js/jquery.init.js",
                "js/autocomplete_filter.js",
            ]
        )

    def has_output(self) -> bool:
        return True

    def lookups(self, request, model_admin):
        return ()

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        try:
            key = self.field.target_field.clean(value, None)
        except ValidationError as error:
            raise IncorrectLookupParameters(error) from error
        return queryset.filter(**{self.field.attname: key})

    def choices(self, changelist):
        # The widget labels the chosen value through a form field's choices.
        widget = forms.ModelChoiceField(
            queryset=self.field.remote_field.model._default_manager.all(),
            widget=ValidKeysAutocompleteSelect(self.field, self.admin_site),
            required=False,
        ).widget
        widget_id = f"filter-{self.parameter_name}"
        # The other filters and the search stay as they are.
        kept = [
            (name, value)
            for name, values in changelist.params.items()
            if name not in (self.parameter_name, PAGE_VAR, ERROR_FLAG)
            for value in (values if isinstance(values, list) else [values])
        ]
        yield {
            "selected": bool(self.value()),
            "widget_id": widget_id,
            "widget": widget.render(
                self.parameter_name, self.value() or "", attrs={"id": widget_id}
            ),
            "kept": kept,
            "query_string": changelist.get_query_string(remove=[self.parameter_name, PAGE_VAR]),
        }


class AutocompleteFilterMixin(_ModelAdminBase):
    """Adds the scripts of the ModelAdmin's AutocompleteFilters to its pages."""

    @property
    def media(self):
        media = super().media
        for list_filter in self.list_filter:
            if isinstance(list_filter, type) and issubclass(list_filter, AutocompleteFilter):
                media += list_filter.widget_media(self.model, self.admin_site)
        return media


class StaffInputMixin(_BaseModelAdminBase):
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
