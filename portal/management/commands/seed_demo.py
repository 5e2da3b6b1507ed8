from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

# The order matters: later apps refer to the rows of earlier ones.
DEMO_APPS = ["portal", "accounts", "dialogues", "stockholmstinget", "registrations"]


class Command(BaseCommand):
    help = "Load demo data. Idempotent: running it again changes nothing."

    @transaction.atomic
    def handle(self, *args, **options):
        for label in DEMO_APPS:
            module_name = f"{apps.get_app_config(label).name}.demo"
            try:
                module = import_module(module_name)
            except ModuleNotFoundError as exc:
                if exc.name != module_name:
                    raise
                continue
            module.seed()
        self.stdout.write(self.style.SUCCESS("Demo data is in place."))
