"""The proposal form and its speakers: a draft needs only a title, a submission everything."""

from __future__ import annotations

from django import forms
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from .models import CallForSessions, Proposal
from .services import PROPOSAL_FIELDS, SpeakerData

# Needed before a proposal can be submitted (a draft needs only its title).
REQUIRED_TO_SUBMIT = ("format", "abstract", "audience", "organisation", "sector")
MAX_SPEAKERS = 6


class ProposalForm(forms.ModelForm):
    class Meta:
        model = Proposal
        fields = PROPOSAL_FIELDS
        widgets = {
            "abstract": forms.Textarea(attrs={"rows": 6, "maxlength": 3000}),
            "accessibility": forms.Textarea(attrs={"rows": 3, "maxlength": 1500}),
            "needs": forms.Textarea(attrs={"rows": 3, "maxlength": 1500}),
        }
        help_texts = {
            "abstract": _(
                "What happens in the session and why it matters (at most 3,000 characters)."
            ),
            "audience": _("Who the session is for, e.g. culture officers in the municipalities."),
            "accessibility": _(
                "How the session is accessible, e.g. sign language, captions, step-free stage."
            ),
            "needs": _("Room, equipment, technical needs."),
        }

    def __init__(self, *args, call: CallForSessions, submitting: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.submitting = submitting
        self.fields["format"].queryset = call.formats.all()
        self.fields["format"].empty_label = _("Choose a format")
        for name, limit in {"abstract": 3000, "accessibility": 1500, "needs": 1500}.items():
            self.fields[name].max_length = limit
            self.fields[name].validators.append(MaxLengthValidator(limit))
        for name in REQUIRED_TO_SUBMIT:
            self.fields[name].help_text = self.fields[name].help_text or _("Needed to submit.")

    def clean(self):
        data = super().clean()
        if self.submitting:
            for name in REQUIRED_TO_SUBMIT:
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, _("Fill this in to submit the proposal."))
        return data


class SpeakerForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150, required=False)
    role = forms.CharField(label=_("Role and organisation"), max_length=200, required=False)
    bio = forms.CharField(
        label=_("Short bio"),
        max_length=1500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 1500}),
    )
    consent_to_publish = forms.BooleanField(
        label=_("The speaker agrees to be named in the published programme"), required=False
    )

    def clean(self):
        data = super().clean()
        if not data.get("name") and (data.get("role") or data.get("bio")):
            self.add_error("name", _("Give the speaker's name."))
        return data


class BaseSpeakerFormSet(forms.BaseFormSet):
    def __init__(self, *args, submitting: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.submitting = submitting

    def clean(self):
        if any(self.errors):
            return
        if self.submitting and not self.speakers():
            raise forms.ValidationError(_("Name at least one speaker to submit the proposal."))

    def speakers(self) -> list[SpeakerData]:
        return [
            SpeakerData(
                name=form.cleaned_data["name"],
                role=form.cleaned_data.get("role", ""),
                bio=form.cleaned_data.get("bio", ""),
                consent_to_publish=form.cleaned_data.get("consent_to_publish", False),
            )
            for form in self.forms
            if form.cleaned_data.get("name")
        ]


SpeakerFormSet = forms.formset_factory(
    SpeakerForm,
    formset=BaseSpeakerFormSet,
    extra=0,
    min_num=3,
    max_num=MAX_SPEAKERS,
    absolute_max=MAX_SPEAKERS,
    validate_max=True,
)
