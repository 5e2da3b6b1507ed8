"""Forms of the summary list, the insights register and summary alerts."""

from __future__ import annotations

from typing import ClassVar

from crispy_forms.helper import FormHelper
from django import forms
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from portal.forms import ListFilterForm
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


class SummaryFilterForm(ListFilterForm):
    """Search and filters of the summary list (the search, `q`, is the views' own)."""

    lookups: ClassVar = {
        # Through the listings (see SummaryListing), which `NEWEST_IN_MUNICIPALITY` orders by.
        "kommun": "listings__municipality",
        "tema": "themes",
        "serie": "meeting__series",
        # The summary's own copy of the year: see Summary.meeting_year.
        "ar": "meeting_year",
    }

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


class InsightFilterForm(SummaryFilterForm):
    """The register's filters: the summary list's four, plus `typ` (opportunity or obstacle)
    and `status` (what became of it); no search."""

    lookups: ClassVar = {
        "kommun": "municipalities",
        "tema": "theme",
        "serie": "summary__meeting__series",
        "ar": "summary__meeting_year",
        "typ": "kind",
        "status": "status",
    }
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
