import pytest

from accounts import admin_site
from tests.accounts.factories import UserFactory


@pytest.fixture
def staff_client(client, monkeypatch):
    # The second factor is under test in tests/accounts; here only staff status matters.
    monkeypatch.setattr(admin_site, "staff_may_use_admin", lambda request: request.user.is_staff)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client
