"""Forms and form fields that more than one app uses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from crispy_forms.helper import FormHelper
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Q, QuerySet
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


class ListFilterForm(forms.Form):
    """The filters of a public list, read from its query string (a GET form: no CSRF token).

    `lookups` says what each filter narrows, by its parameter in the query string: a field
    lookup, or a function of the value that returns a `Q`. A value that does not fit is
    reported at its field and ignored, so one bad value does not empty the list.
    """

    lookups: ClassVar[dict[str, str | Callable[[Any], Q]]] = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    def filters(self) -> dict:
        """The valid values only, by parameter."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {name: data[name] for name in self.fields if data.get(name)}

    @classmethod
    def apply(cls, queryset: QuerySet, filters: dict) -> QuerySet:
        """`queryset` narrowed by each given filter in turn; they combine with AND."""
        for name, lookup in cls.lookups.items():
            value = filters.get(name)
            if value:
                queryset = queryset.filter(
                    lookup(value) if callable(lookup) else Q(**{lookup: value})
                )
        return queryset
