from django.db import migrations

from accounts.staff_groups import staff_groups_sync


def create_groups(apps, schema_editor):
    # Grants what permissions exist now; the rest follow after each app's migrations
    # (see accounts/staff_groups.py for why a migration alone cannot do it).
    staff_groups_sync(
        group_model=apps.get_model("auth", "Group"),
        permission_model=apps.get_model("auth", "Permission"),
        using=schema_editor.connection.alias,
    )


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0003_anonymised_at"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
