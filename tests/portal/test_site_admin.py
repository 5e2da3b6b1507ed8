"""The Site that allauth names in its mails is not the only one staff can keep."""

import pytest
from django.contrib.sites.models import Site

pytestmark = pytest.mark.django_db


def test_staff_can_add_a_site_after_the_one_the_migrations_named(staff_client):
    response = staff_client.post(
        "/admin/sites/site/add/", {"domain": "test.example.se", "name": "Test"}
    )

    assert response.status_code == 302
    assert Site.objects.filter(domain="test.example.se").exists()
