from __future__ import annotations

from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import StakeholderGroup
from portal.models import Municipality
from portal.registrations.forms import RegistrationDetailsForm
from portal.registrations.models import AccessRequest

from .models import AttendanceMode, Edition, EditionRegistration, Sector, Session

DASH = "\u2013"

# The sector a profile most likely means, when the person has not registered before.
SECTOR_FROM_GROUP = {
    StakeholderGroup.MUNICIPALITY: Sector.MUNICIPALITY,
    StakeholderGroup.REGION: Sector.REGION,
    StakeholderGroup.ADULT_EDUCATION: Sector.ADULT_EDUCATION,
    StakeholderGroup.ASSOCIATION: Sector.ASSOCIATIONS,
    StakeholderGroup.PROFESSIONAL_ARTIST: Sector.CULTURE,
}


class SessionChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, session: Session) -> str:
        start = formats.time_format(timezone.localtime(session.starts_at), "H:i")
        end = formats.time_format(timezone.localtime(session.ends_at), "H:i")
        label = f"{start}{DASH}{end} {session.title}"
        if session.track:
            label += f" ({session.track})"
        seats = session.seats_left
        if seats is not None:
            label += f" {DASH} " + (
                ngettext("%(count)s seat left", "%(count)s seats left", seats) % {"count": seats}
                if seats
                else str(_("full: waitlist"))
            )
        if session.in_person_only:
            label += f" {DASH} " + str(_("on site only"))
        return label


class RegistrationForm(RegistrationDetailsForm):
    field_order = ["mode", "sector", "organisation", "municipality", "sessions"]

    mode = forms.ChoiceField(
        label=_("How will you take part?"),
        choices=AttendanceMode.choices,
        widget=forms.RadioSelect,
    )
    sector = forms.ChoiceField(label=_("Sector"), choices=Sector.choices)
    organisation = forms.CharField(label=_("Organisation"), max_length=200, required=False)
    municipality = forms.ModelChoiceField(
        label=_("Municipality"),
        queryset=Municipality.objects.all(),
        required=False,
        empty_label=_("Outside Stockholm County / not applicable"),
    )
    sessions = SessionChoiceField(
        label=_("Sessions"),
        queryset=Session.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Choose at most one session per time slot. A full session has a waitlist."),
    )

    def __init__(
        self,
        *args,
        edition: Edition,
        user,
        registration: EditionRegistration | None = None,
        **kwargs,
    ):
        if registration is not None:
            kwargs.setdefault(
                "initial",
                {
                    "mode": registration.mode,
                    "sector": registration.sector,
                    "organisation": registration.organisation,
                    "municipality": registration.municipality_id,
                    "accessibility_needs": registration.accessibility_needs,
                    "dietary_needs": registration.dietary_needs,
                    "message": registration.message,
                    "consent_to_be_listed": registration.consent_to_be_listed,
                    "sessions": [signup.session_id for signup in registration.signups.active()],
                    **self.access_initial(AccessRequest.objects.for_registration(registration)),
                },
            )
        else:
            sectors = list(getattr(user, "sectors", []) or [])
            kwargs.setdefault(
                "initial",
                {
                    "sector": SECTOR_FROM_GROUP.get(user.stakeholder_group)
                    or (sectors[0] if sectors else ""),
                    "organisation": user.organisation,
                    "municipality": user.municipality_id,
                },
            )
        super().__init__(*args, **kwargs)
        self.edition = edition
        modes = edition.modes()
        self.fields["mode"].choices = [c for c in AttendanceMode.choices if c[0] in modes]
        if len(modes) == 1:
            self.fields["mode"].initial = modes[0]
        self.fields["sessions"].queryset = (
            Session.objects.published()
            .filter(edition=edition)
            .with_seats_taken()
            .order_by("starts_at", "track", "pk")
        )
