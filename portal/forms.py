"""Form fields that more than one app uses."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _


class EmailListField(forms.CharField):
    """Addresses pasted by staff: one per line, or separated by commas or semicolons.

    Cleans to a list in the order given. Every address that is not one is named in a single
    error, so staff can fix the list at once instead of one address per submit.
    """

    widget = forms.Textarea(attrs={"rows": 6})

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", _("One per line, or separated by commas or semicolons."))
        super().__init__(**kwargs)

    def to_python(self, value) -> list[str]:
        text = super().to_python(value)
        return [
            part.strip()
            for part in text.replace(",", "\n").replace(";", "\n").splitlines()
            if part.strip()
        ]

    def validate(self, value: list[str]) -> None:
        super().validate(value)
        bad = []
        for address in value:
            try:
                validate_email(address)
            except ValidationError:
                bad.append(address)
        if bad:
            raise ValidationError(
                _("These are not email addresses: %(addresses)s"),
                params={"addresses": ", ".join(bad)},
                code="invalid",
            )
