"""/admin/ wants staff status and a second factor; staff log in through allauth's login."""

from __future__ import annotations

import time

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.contrib.auth.models import Group

from accounts.services import staff_totp_ensure
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def _totp_now() -> str:
    return format_hotp_value(hotp_value(SECRET, int(time.time()) // 30))


def _login_with_second_factor(client, email: str) -> None:
    response = client.post("/konto/login/", {"login": email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/konto/2fa/authenticate/"
    response = client.post("/konto/2fa/authenticate/", {"code": _totp_now()})
    assert response.status_code == 302, response.content.decode()[:2000]


def test_admin_login_page_is_not_an_open_door(client):
    """The admin's own login form is gone: it sends people to allauth's login."""
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/konto/login/?next=%2Fadmin%2F"
    response = client.post("/admin/login/", {"username": "x", "password": "y"})
    assert response.status_code == 302
    assert response["Location"].startswith("/konto/login/")


def test_anonymous_visitor_ends_at_allauth_login(client):
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == "/konto/login/?next=%2Fadmin%2F"


def test_non_staff_cannot_reach_admin(client):
    client.force_login(UserFactory())
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403


def test_staff_without_second_factor_is_sent_to_activate_one(client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    response = client.get("/admin/", follow=True)
    chain = [url for url, _status in response.redirect_chain]
    assert "/konto/2fa/totp/activate/" in chain
    assert client.get("/admin/accounts/user/").status_code == 302


def test_staff_with_totp_but_a_session_without_it_must_use_it(client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    staff_totp_ensure(user=staff, secret=SECRET)
    client.force_login(staff)  # a session that never saw the second factor
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == "/konto/2fa/reauthenticate/?next=%2Fadmin%2F"
    response = client.post("/konto/2fa/reauthenticate/?next=%2Fadmin%2F", {"code": _totp_now()})
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_staff_who_logged_in_with_totp_reach_admin(client):
    staff = UserFactory(email="chef@example.se", is_staff=True, is_superuser=True)
    staff_totp_ensure(user=staff, secret=SECRET)
    _login_with_second_factor(client, "chef@example.se")
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/accounts/user/").status_code == 200


def test_recovery_code_also_counts_as_second_factor(client):
    staff = UserFactory(email="chef@example.se", is_staff=True, is_superuser=True)
    codes = staff_totp_ensure(user=staff, secret=SECRET)
    client.post("/konto/login/", {"login": "chef@example.se", "password": DEFAULT_PASSWORD})
    client.post("/konto/2fa/authenticate/", {"code": codes[0]})
    assert client.get("/admin/").status_code == 200


def test_user_admin_searches_filters_and_shows_no_password_hash(client):
    staff = UserFactory(email="chef@example.se", is_staff=True, is_superuser=True)
    staff_totp_ensure(user=staff, secret=SECRET)
    person = UserFactory(
        email="anna@example.se", display_name="Anna Berg", organisation="Folkets Hus Nacka"
    )
    UserFactory(email="bo@example.se", display_name="Bo Lind", organisation="Annat")
    _login_with_second_factor(client, "chef@example.se")

    for term in ("anna@example", "Berg", "Folkets Hus"):
        page = client.get("/admin/accounts/user/", {"q": term}).content.decode()
        assert "anna@example.se" in page
        assert "bo@example.se" not in page
    page = client.get(
        "/admin/accounts/user/", {"stakeholder_group__exact": "civil_society", "consent": "listing"}
    )
    assert page.status_code == 200
    change = client.get(f"/admin/accounts/user/{person.pk}/change/").content.decode()
    assert person.password not in change
    assert person.password.split("$")[-1] not in change
    assert "md5" not in change.lower()
    authenticators = client.get("/admin/mfa/authenticator/").content.decode()
    assert SECRET not in authenticators


def test_staff_groups_exist_with_permissions():
    editor = Group.objects.get(name="Redaktör")
    officer = Group.objects.get(name="Handläggare")
    editor_perms = set(editor.permissions.values_list("codename", flat=True))
    officer_perms = set(officer.permissions.values_list("codename", flat=True))
    assert {"add_meeting", "change_meeting", "view_registration", "change_theme"} <= editor_perms
    assert {"change_registration", "view_meeting"} <= officer_perms
    assert "delete_meeting" not in officer_perms


def test_staff_group_sync_is_idempotent():
    from django.contrib.auth.models import Permission

    from accounts.staff_groups import staff_groups_sync

    before = list(Group.objects.order_by("name").values_list("name", "permissions"))
    staff_groups_sync(group_model=Group, permission_model=Permission)
    staff_groups_sync(group_model=Group, permission_model=Permission)
    after = list(Group.objects.order_by("name").values_list("name", "permissions"))
    assert sorted(before, key=str) == sorted(after, key=str)


def test_demo_staff_gets_into_admin_with_the_printed_second_factor(client, settings):
    """`make run` prints the demo login, TOTP secret and recovery codes; they open /admin/."""
    import io
    import re

    from django.core.management import call_command

    settings.DEBUG = True
    out = io.StringIO()
    call_command("demo_staff", stdout=out)
    call_command("demo_staff", stdout=io.StringIO())  # running it again keeps the same secret
    printed = out.getvalue()
    email, password = re.search(r"Demo staff login: (\S+) / (\S+)", printed).groups()
    secret = re.search(r"secret ([A-Z2-7]+)", printed).group(1)

    client.post("/konto/login/", {"login": email, "password": password})
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    client.post("/konto/2fa/authenticate/", {"code": code})
    assert client.get("/admin/").status_code == 200


def test_demo_staff_refuses_without_debug(settings):
    from django.core.management import CommandError, call_command

    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("demo_staff")


def test_staff_edit_a_user_in_admin_without_touching_the_password(client):
    staff = UserFactory(email="chef@example.se", is_staff=True, is_superuser=True)
    staff_totp_ensure(user=staff, secret=SECRET)
    person = UserFactory(email="anna@example.se", display_name="Anna Berg")
    old_hash = person.password
    _login_with_second_factor(client, "chef@example.se")
    response = client.post(
        f"/admin/accounts/user/{person.pk}/change/",
        {
            "email": "anna@example.se",
            "display_name": "Anna Berg-Lund",
            "organisation": "",
            "stakeholder_group": "civil_society",
            "municipality": "",
            "sectors": "culture",
            "preferred_language": "sv",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    person.refresh_from_db()
    assert person.display_name == "Anna Berg-Lund"
    assert person.sectors == ["culture"]
    assert person.password == old_hash
