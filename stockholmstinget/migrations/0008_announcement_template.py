"""The edition's mail-out to invitees is an announcement now: its mail template is renamed, and
mail-outs and outbox rows written before (still to fan out, redrive or render) follow it."""

from django.db import migrations

OLD = "stockholmstinget/email/invitation"
NEW = "stockholmstinget/email/announcement"


def rename(apps, schema_editor, old=OLD, new=NEW):
    for model in ("MailOut", "OutgoingEmail"):
        apps.get_model("portal", model).objects.filter(template=old).update(template=new)


def unrename(apps, schema_editor):
    rename(apps, schema_editor, old=NEW, new=OLD)


class Migration(migrations.Migration):
    dependencies = [
        ("stockholmstinget", "0007_venue_facts"),
        ("portal", "0007_outgoingemail_pending_render"),
    ]

    operations = [migrations.RunPython(rename, unrename)]
