"""Give the roles their slide deck permissions, now that the model exists."""

from django.db import migrations


def grant(apps, schema_editor):
    from courses.roles import ensure_roles

    ensure_roles(apps)


class Migration(migrations.Migration):
    dependencies = [("courses", "0004_slide_decks")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
