"""Forms of the summary list, the insights register and summary alerts."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from django import forms
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from portal.models import Municipality, Theme

from ..models import DialogueSeries
from .models import InsightKind, InsightStatus

# The dialogues began with the first Stockholmstinget in 2019.
FIRST_YEAR = 2019


class ThemeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Theme) -> str:
        return obj.display_name(get_language() or "sv")


def _municipality_field(**kwargs) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=_("Municipality"),
        queryset=Municipality.objects.all(),
        to_field_name="slug",
        required=False,
        **kwargs,
    )


def _theme_field(**kwargs) -> ThemeChoiceField:
    return ThemeChoiceField(
        label=_("Theme"),
        queryset=Theme.objects.filter(is_active=True),
        to_field_name="slug",
        required=False,
        **kwargs,
    )


class SummaryFilterForm(forms.Form):
    """Search and filters of the summary list; a value that does not fit is ignored."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    kommun = _municipality_field(empty_label=_("All municipalities"))
    tema = _theme_field(empty_label=_("All themes"))
    serie = forms.ModelChoiceField(
        label=_("Series"),
        queryset=DialogueSeries.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label=_("All series"),
    )
    ar = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A fixed range, not the years in the data: that would scan every summary per request.
        years = range(timezone.localdate().year, FIRST_YEAR - 1, -1)
        self.fields["ar"].choices = [("", _("All years")), *((y, y) for y in years)]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    def filters(self) -> dict:
        """The valid values only, so one bad value does not empty the list."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {name: data[name] for name in self.fields if data.get(name)}


class InsightFilterForm(SummaryFilterForm):
    typ = forms.ChoiceField(
        label=_("Kind"),
        choices=[("", _("Opportunities and obstacles")), *InsightKind.choices],
        required=False,
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Any status")), *InsightStatus.choices],
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["q"]


class SubscriptionForm(forms.Form):
    """An alert on a municipality, a theme, or both together."""

    kommun = _municipality_field(empty_label=_("Any municipality"))
    tema = _theme_field(empty_label=_("Any theme"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("kommun") and not data.get("tema"):
            raise forms.ValidationError(
                _("Choose a municipality, a theme or both."), code="required"
            )
        return data
