import pytest
from portal.models import OutgoingEmail
pytestmark = pytest.mark.django_db
def test_show(client):
    client.post("/konto/signup/", {"email": "a@example.se", "password1": "fika-och-kultur-2026", "password2": "fika-och-kultur-2026", "display_name": "A", "stakeholder_group": "other", "preferred_language": "sv"})
    r = OutgoingEmail.objects.get()
    print("SUBJECT:", r.subject); print(r.body_text); print(r.body_html[:3000])
