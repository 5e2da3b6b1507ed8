from __future__ import annotations

import dataclasses
import datetime as dt

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Fieldset, Layout
from django import forms
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import StakeholderGroup
from portal.models import Municipality
from portal.moments import clock_text
from portal.registrations.forms import RegistrationDetailsForm
from portal.registrations.models import AccessRequest
from portal.registrations.questions import answers_values, questions_asked

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


def session_label(session: Session) -> str:
    """Title, track, seats and where it is held, for the session's radio button."""
    label = session.title
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


def time_range(session_or_slot) -> str:
    return f"{clock_text(session_or_slot.starts_at)}{DASH}{clock_text(session_or_slot.ends_at)}"


@dataclasses.dataclass
class Slot:
    """Sessions that overlap, directly or through another: one choice among them never clashes."""

    sessions: list[Session]
    starts_at: dt.datetime
    ends_at: dt.datetime


def session_slots(sessions) -> list[Slot]:
    slots: list[Slot] = []
    for session in sorted(sessions, key=lambda s: (s.starts_at, s.track, s.pk)):
        if slots and session.starts_at < slots[-1].ends_at:
            slot = slots[-1]
            slot.sessions.append(session)
            slot.ends_at = max(slot.ends_at, session.ends_at)
        else:
            slots.append(Slot([session], session.starts_at, session.ends_at))
    return slots


class RegistrationForm(RegistrationDetailsForm):
    field_order = ["mode", "sector", "organisation", "municipality"]

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

    def __init__(
        self,
        *args,
        edition: Edition,
        user,
        registration: EditionRegistration | None = None,
        **kwargs,
    ):
        questions = questions_asked(edition)
        kwargs["questions"] = questions
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
                    **self.access_initial(AccessRequest.objects.for_registration(registration)),
                    **self.answers_initial(questions, answers_values(registration)),
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
        sessions = list(
            Session.objects.published()
            .filter(edition=edition)
            .with_seats_taken()
            .order_by("starts_at", "track", "pk")
        )
        self.plenary = [session for session in sessions if session.plenary]
        self.slots = session_slots(session for session in sessions if not session.plenary)
        chosen = (
            set(registration.signups.active().values_list("session_id", flat=True))
            if registration is not None
            else set()
        )
        self.slot_names = []
        for number, slot in enumerate(self.slots, start=1):
            name = f"slot_{number}"
            self.slot_names.append(name)
            self.fields[name] = forms.ChoiceField(
                label=time_range(slot),
                choices=[("", _("No session"))]
                + [(str(session.pk), session_label(session)) for session in slot.sessions],
                required=False,
                widget=forms.RadioSelect,
            )
            picked = [session.pk for session in slot.sessions if session.pk in chosen]
            self.initial.setdefault(name, str(picked[0]) if picked else "")
        self.helper = FormHelper()
        self.helper.form_tag = False
        details = [name for name in self.fields if name not in self.slot_names]
        self.helper.layout = Layout(
            *details[:4],
            Fieldset(
                _("Sessions"),
                HTML(
                    render_to_string(
                        "stockholmstinget/_session_choice_intro.html",
                        {"plenary": [(time_range(s), s) for s in self.plenary]},
                    )
                ),
                *self.slot_names,
            )
            if self.slots or self.plenary
            else HTML(""),
            *details[4:],
        )

    def clean(self):
        data = super().clean()
        by_pk = {session.pk: session for slot in self.slots for session in slot.sessions}
        chosen = []
        for name in self.slot_names:
            value = data.get(name)
            if not value:
                continue
            session = by_pk[int(value)]
            if session.in_person_only and data.get("mode") == AttendanceMode.DIGITAL:
                self.add_error(
                    name,
                    _("“%(title)s” is only held on site; digital participants cannot choose it.")
                    % {"title": session.title},
                )
            chosen.append(session)
        data["sessions"] = chosen
        return data
