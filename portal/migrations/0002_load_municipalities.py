"""Load the 26 municipalities of Stockholm county with their official codes."""

import csv
from pathlib import Path

from django.db import migrations
from django.utils.text import slugify

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "municipalities.csv"


def load(apps, schema_editor):
    Municipality = apps.get_model("portal", "Municipality")
    with DATA_FILE.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            Municipality.objects.update_or_create(
                code=row["code"],
                defaults={"name": row["name"], "slug": slugify(row["name"])},
            )


def unload(apps, schema_editor):
    apps.get_model("portal", "Municipality").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("portal", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
