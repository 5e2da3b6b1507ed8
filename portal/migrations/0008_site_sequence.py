"""Move the sites table's id sequence past the Site that 0003 created with an explicit id.

0003 runs before django.contrib.sites creates its default Site, which would otherwise reset the
sequence; without this the next Site added in the admin collides with id 1.
"""

from django.core.management.color import no_style
from django.db import migrations


def reset_sequence(apps, schema_editor):
    Site = apps.get_model("sites", "Site")
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), [Site]):
            cursor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("portal", "0007_outgoingemail_pending_render")]

    operations = [migrations.RunPython(reset_sequence, migrations.RunPython.noop)]
