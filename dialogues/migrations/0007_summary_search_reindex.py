"""Rebuild every summary's search vector: it now also holds the words as written (for prefix
matching) and the names of its themes, municipalities and series."""

from django.db import migrations


def reindex(apps, schema_editor):
    # The vector's recipe is the code's own (summary_index), so this uses the current models;
    # on a database without summaries it does nothing. The check goes through the historical
    # model: the current one may select columns later migrations add (a fresh database, such
    # as the test suite's, runs this before them).
    if not apps.get_model("dialogues", "Summary").objects.exists():
        return
    from dialogues.summaries.models import Summary
    from dialogues.summaries.services import summary_index

    for summary in Summary.objects.select_related("meeting__series").iterator():
        summary_index(summary=summary)


class Migration(migrations.Migration):
    dependencies = [("dialogues", "0006_insight_follow_up")]

    operations = [migrations.RunPython(reindex, migrations.RunPython.noop)]
