"""Create the three roles as groups: Members, Trainers, Admins.

Trainers get admin access and the shared image and document libraries; their rights over
pages come per course (courses.roles.sync_course_trainers). Admins get the whole page tree,
users, collections, images, documents and settings.
"""

from django.db import migrations

def create_roles(apps, schema_editor):
    from courses.roles import ensure_roles

    ensure_roles(apps)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["Members", "Trainers", "Admins"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0001_initial"),
        ("wagtailadmin", "0006_formstate"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailimages", "0027_image_description"),
        ("wagtaildocs", "0014_alter_document_file_size"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
