"""The pages of the registration core: the certificate of attendance."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .certificates import certificate_build, certificate_pdf, certificate_registration


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
    response = HttpResponse(certificate_pdf(document), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{document.filename}"'
    return response
