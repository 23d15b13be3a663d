"""Give the roles their enrolment permissions, now that the model exists."""

from django.db import migrations


def grant(apps, schema_editor):
    from courses.roles import ensure_roles

    ensure_roles(apps)


class Migration(migrations.Migration):
    dependencies = [("courses", "0009_enrolment")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
