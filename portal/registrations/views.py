"""The pages of the registration core: the certificate of attendance, and the evaluation page a
participant reaches through the personal link in their mail."""

from __future__ import annotations

import logging
import re

from crispy_forms.helper import FormHelper
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from portal.errors import RefusalError

from . import surveys
from .certificates import (
    CertificateUnavailableError,
    certificate_build,
    certificate_pdf,
    certificate_registration,
)
from .forms import QuestionsForm
from .models import QuestionPurpose, SurveyInvitation, linked_registration_models
from .questions import answers_values, questions_asked

# What a token can be (secrets.token_urlsafe); anything else, a NUL byte say, is simply unknown.
logger = logging.getLogger(__name__)

TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")


@never_cache
@require_http_methods(["GET", "POST"])
def survey(request: HttpRequest, token: str) -> HttpResponse:
    """Answer, or change the answers, while the evaluation is open. The link is the key: it
    shows nothing about the person beyond the event and their own answers."""
    related = ["survey"]
    for link, model in linked_registration_models().items():
        related += [f"{link}__user", f"{link}__{model.EVENT_FIELD}"]
    invitation = (
        SurveyInvitation.objects.select_related(*related).filter(token=token).first()
        if TOKEN.fullmatch(token)
        else None
    )
    if invitation is None:
        raise Http404
    registration = invitation.registration
    event = registration.event
    is_open = invitation.survey.is_open()
    if request.method == "POST" and "opt_out" in request.POST:
        surveys.survey_opt_out(user=registration.user)
        messages.success(request, _("You will get no more evaluation emails from us."))
        return redirect(request.path)
    questions = questions_asked(event, purpose=QuestionPurpose.EVALUATION)
    form = QuestionsForm(
        request.POST if request.method == "POST" and is_open else None,
        questions=questions,
        initial=QuestionsForm.answers_initial(questions, answers_values(registration)),
    )
    form.helper = FormHelper()
    form.helper.form_tag = False
    if request.method == "POST" and is_open and form.is_valid():
        try:
            surveys.survey_answer(invitation=invitation, values=form.answer_values())
        except RefusalError as error:
            form.add_error(None, str(error.message))
        else:
            messages.success(
                request, _("Thank you! You can change your answers until the evaluation closes.")
            )
            return redirect(request.path)
    response = render(
        request,
        "registrations/survey_form.html",
        {"invitation": invitation, "event": event, "form": form, "is_open": is_open},
    )
    # A personal link: never in a search engine.
    response["X-Robots-Tag"] = "noindex"
    return response


# never_cache: the PDF is one person's; no shared cache or browser history keeps it.
@never_cache
@login_required
@require_safe
def certificate(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """A checked-in participant's certificate of attendance; 404 for anything else."""
    registration = certificate_registration(kind=kind, pk=pk, user=request.user)
    if registration is None:
        raise Http404
    document = certificate_build(registration=registration)
    try:
        pdf = certificate_pdf(document)
    except CertificateUnavailableError:
        logger.exception("The certificate's PDF library cannot run on this machine")
        return render(request, "registrations/certificate_unavailable.html", status=503)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{document.filename}"'
    return response
