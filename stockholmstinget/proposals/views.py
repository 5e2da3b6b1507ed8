"""The call for sessions on the public site: the call, and a person's own proposals."""

from __future__ import annotations

from django.contrib import messages
from django.forms import BaseForm, BaseFormSet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from accounts.decorators import profile_required
from portal.errors import RefusalError

from ..models import Edition
from .forms import ProposalForm, SpeakerFormSet
from .models import CallForSessions, Proposal, ProposalStatus
from .services import proposal_save


def _call(year: int) -> CallForSessions:
    edition = get_object_or_404(Edition.objects.public(), year=year)
    try:
        return edition.call
    except CallForSessions.DoesNotExist:
        raise Http404 from None


@never_cache
@require_safe
def proposal_list(request, year: int):
    """The call, and (for the person logged in) their own proposals to it."""
    call = _call(year)
    mine = []
    if request.user.is_authenticated:
        mine = list(
            Proposal.objects.filter(call=call, proposer=request.user).select_related("format")
        )
    return render(
        request,
        "stockholmstinget/proposal_list.html",
        {"call": call, "edition": call.edition, "proposals": mine, "is_open": call.is_open()},
    )


def _speaker_initial(proposal: Proposal | None) -> list[dict]:
    if proposal is None:
        return []
    return [
        {
            "name": s.name,
            "role": s.role,
            "bio": s.bio,
            "consent_to_publish": s.consent_to_publish,
        }
        for s in proposal.speakers.all()
    ]


@never_cache
@profile_required
@require_http_methods(["GET", "POST"])
def proposal_form(request, year: int, pk: int | None = None):
    """Write a proposal: save it as a draft at any time, submit it when it is complete; both
    until the deadline. What was typed comes back with the errors beside their fields."""
    call = _call(year)
    proposal = None
    if pk is not None:
        # Somebody else's proposal does not exist, as far as this page is concerned.
        proposal = get_object_or_404(Proposal, pk=pk, call=call, proposer=request.user)
    editable = call.is_open() and (proposal is None or proposal.is_editable)
    # A submitted proposal stays complete: every change to it is checked as a submission.
    submitting = request.POST.get("action") == "submit" or (
        proposal is not None and proposal.status == ProposalStatus.SUBMITTED
    )
    if request.method == "POST" and editable:
        form = ProposalForm(request.POST, instance=proposal, call=call, submitting=submitting)
        speakers = SpeakerFormSet(request.POST, prefix="speakers", submitting=submitting)
        saved = _proposal_save(
            request, call=call, proposal=proposal, form=form, speakers=speakers, submit=submitting
        )
        if saved is not None:
            return redirect(saved.get_absolute_url())
    else:
        form = ProposalForm(instance=proposal, call=call, submitting=False)
        speakers = SpeakerFormSet(
            initial=_speaker_initial(proposal), prefix="speakers", submitting=False
        )
    if not editable:
        _forms_disable(form, *speakers)
    return render(
        request,
        "stockholmstinget/proposal_form.html",
        {
            "call": call,
            "edition": call.edition,
            "proposal": proposal,
            "form": form,
            "speakers": speakers,
            "editable": editable,
        },
    )


def _proposal_save(
    request: HttpRequest,
    *,
    call: CallForSessions,
    proposal: Proposal | None,
    form: ProposalForm,
    speakers: BaseFormSet,
    submit: bool,
) -> Proposal | None:
    """Save what the forms hold through the service; None when a form or the service refuses
    (the errors are then on the forms)."""
    if not (form.is_valid() and speakers.is_valid()):
        return None
    try:
        saved = proposal_save(
            call=call,
            proposer=request.user,
            proposal=proposal,
            fields=form.cleaned_data,
            speakers=speakers.speakers(),
            submit=submit,
        )
    except RefusalError as error:
        form.add_error(None, error.message)
        return None
    if submit:
        messages.success(
            request, _("Your proposal is submitted. You can change it until the deadline.")
        )
    else:
        messages.success(request, _("Your draft is saved."))
    return saved


def _forms_disable(*forms: BaseForm) -> None:
    """After the deadline the page shows the proposal as it stands, read-only."""
    for form in forms:
        for field in form.fields.values():
            field.disabled = True
