from __future__ import annotations

from allauth.account import forms as allauth_forms
from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Fieldset, Layout
from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.utils import formats, translation
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from portal.forms import EmailListField
from portal.models import Municipality

from .models import INTEREST_SECTORS, StakeholderGroup, User
from .services import ProfileData

PROFILE_LAYOUT = [
    Fieldset(
        _("About you"),
        "display_name",
        "organisation",
        "stakeholder_group",
        "municipality",
    ),
    Fieldset(_("Interests and language"), "sectors", "preferred_language"),
    Fieldset(
        _("Consents"),
        # Consent is informed only if the person can read what it covers (GDPR art. 7, 13).
        HTML('{% include "accounts/_consents_privacy_note.html" %}'),
        "invitations_consent",
        "public_listing_consent",
    ),
]


class ProfileForm(forms.Form):
    """The profile and consents, used at sign-up, in the completion step and on Mina sidor."""

    display_name = forms.CharField(
        label=_("Name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    organisation = forms.CharField(
        label=_("Organisation"),
        max_length=200,
        required=False,
        help_text=_("The organisation, association or municipality you represent, if any."),
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    stakeholder_group = forms.ChoiceField(
        label=_("Stakeholder group"),
        choices=[("", _("Choose…")), *StakeholderGroup.choices],
    )
    municipality = forms.ModelChoiceField(
        label=_("Municipality"),
        queryset=Municipality.objects.order_by("name"),
        required=False,
        empty_label=_("Choose…"),
        help_text=_("Required if you work for a municipality."),
    )
    sectors = forms.MultipleChoiceField(
        label=_("Sectors of interest"),
        choices=INTEREST_SECTORS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    preferred_language = forms.ChoiceField(
        label=_("Preferred language"),
        # Each language in its own name, as a person looking for theirs would read it.
        choices=[
            (code, capfirst(translation.get_language_info(code)["name_local"]))
            for code, _name in settings.LANGUAGES
        ],
        help_text=_("Email from the portal is written in this language."),
    )
    invitations_consent = forms.BooleanField(
        label=_("Send me invitations to dialogue meetings and Stockholmstinget"),
        required=False,
        help_text=_("You can withdraw this consent at any time on My pages."),
    )
    public_listing_consent = forms.BooleanField(
        label=_("Show my name and organisation on public attendee lists"),
        required=False,
        help_text=_("Off unless you turn it on. You can change it at any time."),
    )

    def __init__(self, *args, user: User | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["preferred_language"].initial = translation.get_language()
        if user is not None:
            self._fill_from(user)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(*self.layout_items())

    def layout_items(self) -> list:
        return list(PROFILE_LAYOUT)

    def _fill_from(self, user: User) -> None:
        self.initial.update(
            {
                "display_name": user.display_name,
                "organisation": user.organisation,
                "stakeholder_group": user.stakeholder_group,
                "municipality": user.municipality_id,
                "sectors": list(user.sectors),
                "preferred_language": user.preferred_language,
                "invitations_consent": user.wants_invitations,
                "public_listing_consent": user.may_be_listed,
            }
        )
        for name, given_at in (
            ("invitations_consent", user.invitations_consented_at),
            ("public_listing_consent", user.public_listing_consented_at),
        ):
            if given_at is not None:
                when = formats.date_format(given_at, "DATETIME_FORMAT")
                self.fields[name].help_text = _(
                    "Given %(when)s. Untick the box and save to withdraw it."
                ) % {"when": when}

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("stakeholder_group") == StakeholderGroup.MUNICIPALITY
            and not cleaned.get("municipality")
            and "municipality" not in self.errors
        ):
            self.add_error("municipality", _("Choose the municipality you work for."))
        return cleaned

    def profile_data(self) -> ProfileData:
        data = self.cleaned_data
        return ProfileData(
            display_name=data["display_name"],
            organisation=data["organisation"],
            stakeholder_group=data["stakeholder_group"],
            municipality=data["municipality"],
            sectors=list(data["sectors"]),
            preferred_language=data["preferred_language"],
            invitations_consent=data["invitations_consent"],
            public_listing_consent=data["public_listing_consent"],
        )


class SignupForm(allauth_forms.SignupForm, ProfileForm):
    """allauth's sign-up with the profile, so an account never exists without one."""

    def layout_items(self) -> list:
        return [Fieldset(_("Account"), "email", "password1", "password2"), *PROFILE_LAYOUT]


class AccountDeleteForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    confirm = forms.BooleanField(
        label=_("I understand that my account and my details cannot be restored"),
    )

    def __init__(self, *args, user: User, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("The password is not correct."), code="wrong_password")
        return password


class UserCreationForm(auth_forms.BaseUserCreationForm):
    class Meta:
        model = User
        fields = ["email"]


class UserChangeForm(forms.ModelForm):
    """The admin's form for a user: no password hash, no tokens (see UserAdmin)."""

    class Meta:
        model = User
        fields = [
            "email",
            "display_name",
            "organisation",
            "stakeholder_group",
            "municipality",
            "sectors",
            "preferred_language",
            "is_active",
            "is_staff",
            "is_superuser",
            "groups",
            "user_permissions",
        ]


class InvitationSendForm(forms.Form):
    """Staff choose who to invite (admin): profile criteria, pasted addresses, or both."""

    groups = forms.MultipleChoiceField(
        label=_("Stakeholder groups"),
        choices=StakeholderGroup.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    municipalities = forms.ModelMultipleChoiceField(
        label=_("Municipalities"),
        queryset=Municipality.objects.all(),
        required=False,
        # 26 names: ticking them beats ctrl-clicking a multiple select.
        widget=forms.CheckboxSelectMultiple,
    )
    sectors = forms.MultipleChoiceField(
        label=_("Sectors"),
        choices=INTEREST_SECTORS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    emails = EmailListField(label=_("Email addresses"), required=False)

    def clean(self):
        data = super().clean()
        if not any(data.get(name) for name in ("groups", "municipalities", "sectors", "emails")):
            raise forms.ValidationError(_("Choose at least one group or enter addresses."))
        return data
