"""The part of every registration form that is the same for every kind of event."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar

from django import forms
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .access import AccessWish
from .models import AccessKindCode

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

    from .models import AccessRequest


class AccessRequestsField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple


class AccessRequestsForm(forms.Form):
    """What a person needs to take part, as structured requests staff can plan for.

    Diet and "other" need a word on what exactly; the rest is the kind alone.
    """

    access_kinds = AccessRequestsField(
        label=_("What do you need to take part?"),
        required=False,
        choices=AccessKindCode.choices,
        help_text=_(
            "Tick all that apply. Interpreters are booked weeks ahead: ask in good time. A late "
            "request is still passed on at once."
        ),
    )
    access_diet = forms.CharField(
        label=_("Diet and allergies: what should we know?"),
        required=False,
        max_length=500,
    )
    access_other = forms.CharField(
        label=_("Other: what do you need?"),
        required=False,
        max_length=500,
    )

    DETAIL_FIELDS: ClassVar[dict[str, str]] = {
        AccessKindCode.DIET: "access_diet",
        AccessKindCode.OTHER: "access_other",
    }

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        kinds = cleaned.get("access_kinds") or []
        for kind, name in self.DETAIL_FIELDS.items():
            if kind in kinds and not (cleaned.get(name) or "").strip():
                self.add_error(
                    name,
                    forms.ValidationError(
                        _("Tell us what you need, or untick “%(kind)s”.")
                        % {"kind": AccessKindCode(kind).label},
                        code="required",
                    ),
                )
        return cleaned

    def access_wishes(self) -> list[AccessWish]:
        kinds = self.cleaned_data.get("access_kinds") or []
        names = self.DETAIL_FIELDS
        return [
            AccessWish(
                kind=kind,
                details=(self.cleaned_data.get(names[kind], "") or "").strip()
                if kind in names
                else "",
            )
            for kind in kinds
        ]

    @classmethod
    def access_initial(cls, requests: Iterable[AccessRequest]) -> dict[str, Any]:
        """The form's initial values from a registration's current requests."""
        initial: dict[str, Any] = {"access_kinds": [request.kind for request in requests]}
        for request in requests:
            if request.kind in cls.DETAIL_FIELDS:
                initial[cls.DETAIL_FIELDS[request.kind]] = request.details
        return initial


class RegistrationDetailsForm(AccessRequestsForm):
    """What a person tells the organisers (what they need, as structured requests, then in
    their own words), and whether they may be listed as attending."""

    accessibility_needs = forms.CharField(
        label=_("Accessibility needs"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Anything about access the choices above do not cover."),
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

    def listing_consent_note(self, user: User | AnonymousUser | None) -> None:
        """Say at the checkbox when the profile's consent is off: both are needed to be listed,
        and a tick that silently does nothing would mislead."""
        if user is None or not user.is_authenticated or user.may_be_listed:
            return
        self.fields["consent_to_be_listed"].help_text = format_html(
            '{} <a href="{}">{}</a>',
            _(
                "Your profile does not allow your name on attendee lists, so you will not be "
                "shown even if you tick this."
            ),
            reverse("accounts:profile_edit"),
            _("Change the consent in your profile"),
        )
