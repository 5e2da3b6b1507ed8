"""Shared form fields."""

from django import forms

from portal.forms import EmailListField


class _Form(forms.Form):
    emails = EmailListField(required=False)


def test_email_list_accepts_lines_commas_and_semicolons_in_order():
    form = _Form({"emails": "a@example.se, b@example.se;c@example.se\n\n  d@example.se  "})
    assert form.is_valid()
    assert form.cleaned_data["emails"] == [
        "a@example.se",
        "b@example.se",
        "c@example.se",
        "d@example.se",
    ]


def test_email_list_names_every_bad_address_at_once():
    form = _Form({"emails": "a@example.se\nfel-adress; också fel"})
    assert not form.is_valid()
    [error] = form.errors["emails"]
    assert "fel-adress" in error
    assert "också fel" in error


def test_an_empty_optional_list_is_an_empty_list():
    form = _Form({"emails": "  \n "})
    assert form.is_valid()
    assert form.cleaned_data["emails"] == []
