from urllib.parse import quote

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.services import staff_account_ensure, staff_totp_ensure

DEMO_EMAIL = "personal@demo.samverkan.se"
DEMO_PASSWORD = "demo-samverkan-2026"  # noqa: S105 - development-only login, refused without DEBUG
# The admin wants a second factor, also in development (no bypass exists). A fixed secret lets
# an authenticator app keep its entry across restarts; recovery codes work without any app.
DEMO_TOTP_SECRET = "SAMVERKANDEMOSTAFFTOTPKEY234567A"  # noqa: S105 - as above


class Command(BaseCommand):
    help = (
        "Create or refresh the demo staff account (development only) and print its login, "
        "TOTP secret and recovery codes."
    )

    def handle(self, *args, **options):
        # A known password must never reach a production database.
        if not settings.DEBUG:
            raise CommandError("demo_staff only runs with DJANGO_DEBUG on.")
        user = staff_account_ensure(email=DEMO_EMAIL, password=DEMO_PASSWORD, name="Demo Personal")
        codes = staff_totp_ensure(user=user, secret=DEMO_TOTP_SECRET)
        issuer = quote(settings.MFA_TOTP_ISSUER)
        uri = (
            f"otpauth://totp/{issuer}:{quote(DEMO_EMAIL)}?secret={DEMO_TOTP_SECRET}&issuer={issuer}"
        )
        self.stdout.write(f"Demo staff login: {DEMO_EMAIL} / {DEMO_PASSWORD}")
        self.stdout.write(f"  Second factor: authenticator app with secret {DEMO_TOTP_SECRET}")
        self.stdout.write(f"  ({uri})")
        self.stdout.write(f"  or a recovery code (each works once): {', '.join(codes[:3])}")
