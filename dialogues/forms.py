from __future__ import annotations

import datetime as dt
from typing import ClassVar

from crispy_forms.helper import FormHelper
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.forms import ListFilterForm
from portal.registrations.forms import RegistrationDetailsForm

from .models import DialogueSeries, MeetingFormat


class MeetingFilterForm(ListFilterForm):
    """The meeting list's filters."""

    lookups: ClassVar = {
        "serie": "series",
        "format": "format",
        "manad": lambda month: Q(starts_at__year=month.year, starts_at__month=month.month),
    }

    serie = forms.ModelChoiceField(
        label=_("Series"),
        queryset=DialogueSeries.objects.filter(is_active=True),
        to_field_name="slug",
        required=False,
        empty_label=_("All series"),
    )
    format = forms.ChoiceField(
        label=_("Format"),
        choices=[("", _("All formats")), *MeetingFormat.choices],
        required=False,
    )
    manad = forms.CharField(
        label=_("Month"),
        required=False,
        widget=forms.DateInput(attrs={"type": "month"}),
        help_text=_("For example 2026-03"),
    )

    def clean_manad(self) -> dt.date | None:
        value = self.cleaned_data["manad"].strip()
        if not value:
            return None
        try:
            # A calendar month, not a moment: no time zone is involved.
            return dt.datetime.strptime(value, "%Y-%m").date()  # noqa: DTZ007
        except ValueError:
            raise forms.ValidationError(
                _("Enter a month as year and month, for example 2026-03."), code="invalid"
            ) from None


class RegistrationForm(RegistrationDetailsForm):
    inbjudan = forms.CharField(required=False, widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.listing_consent_note(user)


class RegistrationUpdateForm(RegistrationForm):
    """What a registrant may change later: everything they told the organisers."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["inbjudan"]
