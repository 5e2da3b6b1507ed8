"""The part of every registration form that is the same for every kind of event."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class RegistrationDetailsForm(forms.Form):
    """What a person tells the organisers, and whether they may be listed as attending."""

    accessibility_needs = forms.CharField(
        label=_("Accessibility needs"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example sign language interpreter, hearing loop or step-free access."),
    )
    dietary_needs = forms.CharField(
        label=_("Dietary needs"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    message = forms.CharField(
        label=_("Message to the organisers"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    consent_to_be_listed = forms.BooleanField(
        label=_("My name and organisation may be shown on the public list of attendees"),
        required=False,
    )
