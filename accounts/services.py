from __future__ import annotations

from allauth.account.models import EmailAddress
from django.db import transaction

from .models import User


@transaction.atomic
def staff_account_ensure(*, email: str, password: str, name: str = "") -> User:
    """Create or refresh a staff superuser with a verified email address."""
    user = User.objects.filter(email__iexact=email).first() or User(email=email)
    user.display_name = name or user.display_name
    user.is_staff = True
    user.is_superuser = True
    user.is_active = True
    user.set_password(password)
    user.save()
    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    return user
