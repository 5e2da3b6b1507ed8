from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.services import staff_account_ensure

DEMO_EMAIL = "personal@demo.samverkan.se"
DEMO_PASSWORD = "demo-samverkan-2026"  # noqa: S105 - development-only login, refused without DEBUG


class Command(BaseCommand):
    help = "Create or refresh the demo staff account (development only) and print its login."

    def handle(self, *args, **options):
        # A known password must never reach a production database.
        if not settings.DEBUG:
            raise CommandError("demo_staff only runs with DJANGO_DEBUG on.")
        staff_account_ensure(email=DEMO_EMAIL, password=DEMO_PASSWORD, name="Demo Personal")
        self.stdout.write(f"Demo staff login: {DEMO_EMAIL} / {DEMO_PASSWORD}")
