from django.db import migrations

# The lead times staff start with; they change them in admin. Interpreters need weeks.
LEAD_DAYS = {
    "sign_language": 21,
    "text_interpreter": 21,
    "hearing_loop": 7,
    "step_free": 7,
    "companion": 3,
    "material": 7,
    "audio_description": 14,
    "diet": 5,
    "other": 7,
}


def kinds_load(apps, schema_editor):
    AccessKind = apps.get_model("registrations", "AccessKind")
    for code, days in LEAD_DAYS.items():
        AccessKind.objects.get_or_create(code=code, defaults={"lead_days": days})


class Migration(migrations.Migration):
    dependencies = [("registrations", "0001_initial")]

    operations = [migrations.RunPython(kinds_load, migrations.RunPython.noop)]
