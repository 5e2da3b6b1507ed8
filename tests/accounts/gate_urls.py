"""The portal's URLs plus one page behind the registration gate, for the gate's tests."""

from django.http import HttpResponse
from django.urls import path

from accounts.decorators import profile_required
from portal.urls import urlpatterns as portal_urlpatterns


@profile_required
def register(request):
    return HttpResponse("registered")


urlpatterns = [
    path("gated/", register, name="gated"),
    *portal_urlpatterns,
]
