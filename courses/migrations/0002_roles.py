"""Create the three roles as groups: Members, Trainers, Admins.

Trainers get admin access and the shared image and document libraries; their rights over
pages come per course (courses.roles.sync_course_trainers). Admins get the whole page tree,
users, collections, images, documents and settings.
"""

from django.db import migrations

ADMIN_PAGE_PERMISSIONS = [
    "add_page", "change_page", "publish_page", "bulk_delete_page", "lock_page", "unlock_page",
]
COLLECTION_PERMISSIONS = {
    "wagtailimages": ["add_image", "change_image", "choose_image"],
    "wagtaildocs": ["add_document", "change_document", "choose_document"],
}
ADMIN_COLLECTION_PERMISSIONS = {
    "wagtailimages": [*COLLECTION_PERMISSIONS["wagtailimages"], "delete_image"],
    "wagtaildocs": [*COLLECTION_PERMISSIONS["wagtaildocs"], "delete_document"],
}


def ensure_permissions(apps):
    # Permissions are normally made after all migrations; make them now so we can grant them.
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None


def create_roles(apps, schema_editor):
    ensure_permissions(apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Page = apps.get_model("wagtailcore", "Page")
    Collection = apps.get_model("wagtailcore", "Collection")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")

    def perm(app_label, codename):
        return Permission.objects.get(content_type__app_label=app_label, codename=codename)

    Group.objects.get_or_create(name="Members")
    trainers, _ = Group.objects.get_or_create(name="Trainers")
    admins, _ = Group.objects.get_or_create(name="Admins")

    access_admin = perm("wagtailadmin", "access_admin")
    trainers.permissions.add(access_admin)
    admins.permissions.add(
        access_admin,
        *Permission.objects.filter(
            content_type__app_label="auth", content_type__model__in=["user", "group"]
        ),
        *Permission.objects.filter(content_type__app_label="courses", content_type__model="organisationsettings"),
        *Permission.objects.filter(
            content_type__app_label="wagtailcore", codename__in=["add_collection", "change_collection", "delete_collection"]
        ),
    )

    root_collection = Collection.objects.filter(depth=1).first()
    if root_collection:
        grants = [(trainers, COLLECTION_PERMISSIONS), (admins, ADMIN_COLLECTION_PERMISSIONS)]
        for group, by_app in grants:
            for app_label, codenames in by_app.items():
                for codename in codenames:
                    GroupCollectionPermission.objects.get_or_create(
                        group=group, collection=root_collection, permission=perm(app_label, codename)
                    )
    root_page = Page.objects.filter(depth=1).first()
    if root_page:
        for codename in ADMIN_PAGE_PERMISSIONS:
            GroupPagePermission.objects.get_or_create(
                group=admins, page=root_page, permission=perm("wagtailcore", codename)
            )


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
