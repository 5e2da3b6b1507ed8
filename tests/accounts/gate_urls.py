"""The portal's URLs plus one page behind the registration gate, for the gate's tests."""

from django.http import HttpResponse
from django.urls import path
from django.views import View

from accounts.decorators import ProfileRequiredMixin, profile_required
from portal.urls import urlpatterns as portal_urlpatterns


@profile_required
def register(request):
    return HttpResponse("registered")


class RegisterView(ProfileRequiredMixin, View):
    def get(self, request):
        return HttpResponse("registered")


urlpatterns = [
    path("gated/", register, name="gated"),
    path("gated-view/", RegisterView.as_view(), name="gated_view"),
    *portal_urlpatterns,
]
