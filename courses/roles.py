"""The roles (Members, Trainers, Admins; Contributors and Reviewers) and the page rights
that come with them.

Trainers edit only the courses they train: each course gets a group holding Wagtail page
permissions on that course's subtree, and its trainers are that group's members. The sync
runs when a course is published, since that is when its trainer list takes effect.

Contributors (a branch's information officer, say) draft pages only in the sections they are
given, the same way: a group "Contributors of page <id>" holds add and edit rights, never
publish, on that page's subtree (``grant_contributor``, or ``manage.py grant_contributor``).
What they submit goes to the Reviewers through the "Peer review" workflow
(``courses.peer_review``).
"""

from django.apps import apps as global_apps
from django.contrib.auth.models import Group, Permission
from django.utils.translation import gettext_lazy as _
from wagtail.models import GroupPagePermission

MEMBERS = "Members"
TRAINERS = "Trainers"
ADMINS = "Admins"
CONTRIBUTORS = "Contributors"
REVIEWERS = "Reviewers"
ROLE_LABELS = {
    MEMBERS: _("Member"),
    TRAINERS: _("Trainer"),
    ADMINS: _("Administrator"),
    CONTRIBUTORS: _("Contributor"),
    REVIEWERS: _("Reviewer"),
}

TRAINER_PAGE_PERMISSIONS = ["add_page", "change_page", "publish_page"]
# Drafting only: publishing is the Reviewers' decision, through the workflow.
CONTRIBUTOR_PAGE_PERMISSIONS = ["add_page", "change_page"]
CONTRIBUTOR_GROUP_PREFIX = "Contributors of page "


def course_group_name(course) -> str:
    return f"Trainers of course {course.pk}"


def sync_course_trainers(course) -> Group:
    """Make the course's trainer group hold exactly its trainers, with page rights on it."""
    group, _ = Group.objects.get_or_create(name=course_group_name(course))
    for codename in TRAINER_PAGE_PERMISSIONS:
        GroupPagePermission.objects.get_or_create(
            group=group,
            page=course.page_ptr if hasattr(course, "page_ptr") else course,
            permission=Permission.objects.get(
                content_type__app_label="wagtailcore", codename=codename
            ),
        )
    trainers = list(course.trainers.all())
    group.user_set.set(trainers)
    # Admin access and the shared image/document rights come with the Trainers role.
    trainers_role = Group.objects.filter(name=TRAINERS).first()
    if trainers_role:
        trainers_role.user_set.add(*trainers)
    return group


def contributor_group_name(page) -> str:
    return f"{CONTRIBUTOR_GROUP_PREFIX}{page.pk}"


def grant_contributor(user, page) -> Group:
    """Let ``user`` draft and submit pages in ``page``'s subtree (a course, a section, the
    library), without publishing; safe to run again."""
    group, _ = Group.objects.get_or_create(name=contributor_group_name(page))
    for codename in CONTRIBUTOR_PAGE_PERMISSIONS:
        GroupPagePermission.objects.get_or_create(
            group=group,
            page_id=page.pk,
            permission=Permission.objects.get(
                content_type__app_label="wagtailcore", codename=codename
            ),
        )
    user.groups.add(group)
    # Admin access and the shared image/document rights come with the Contributors role.
    role = Group.objects.filter(name=CONTRIBUTORS).first()
    if role:
        user.groups.add(role)
    return group


def revoke_contributor(user, page) -> None:
    """Take ``page``'s subtree back from ``user``; the Contributors role goes with the last one."""
    user.groups.remove(*Group.objects.filter(name=contributor_group_name(page)))
    if not user.groups.filter(name__startswith=CONTRIBUTOR_GROUP_PREFIX).exists():
        user.groups.remove(*Group.objects.filter(name=CONTRIBUTORS))


def add_member(user) -> None:
    """Put a newly signed-up person in the Members role."""
    group = Group.objects.filter(name=MEMBERS).first()
    if group:
        user.groups.add(group)


ADMIN_PAGE_PERMISSIONS = [
    "add_page",
    "change_page",
    "publish_page",
    "bulk_delete_page",
    "lock_page",
    "unlock_page",
]
COLLECTION_PERMISSIONS = {
    "wagtailimages": ["add_image", "change_image", "choose_image"],
    "wagtaildocs": ["add_document", "change_document", "choose_document"],
}
ADMIN_COLLECTION_PERMISSIONS = {
    "wagtailimages": [*COLLECTION_PERMISSIONS["wagtailimages"], "delete_image"],
    "wagtaildocs": [*COLLECTION_PERMISSIONS["wagtaildocs"], "delete_document"],
}


def ensure_contributor_roles(apps=global_apps) -> tuple:
    """Create or complete the Contributors and Reviewers groups; safe to run again.

    Contributors get the admin and the shared images and documents (to illustrate what they
    write); their page rights come per section. Reviewers get the admin only: the workflow
    task lets them open, approve or send back the pages submitted to it.
    """
    ensure_permissions(apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Collection = apps.get_model("wagtailcore", "Collection")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")

    access_admin = Permission.objects.get(
        content_type__app_label="wagtailadmin", codename="access_admin"
    )
    contributors, _ = Group.objects.get_or_create(name=CONTRIBUTORS)
    reviewers, _ = Group.objects.get_or_create(name=REVIEWERS)
    contributors.permissions.add(access_admin)
    reviewers.permissions.add(access_admin)
    root_collection = Collection.objects.filter(depth=1).first()
    if root_collection:
        for app_label, codenames in COLLECTION_PERMISSIONS.items():
            for codename in codenames:
                GroupCollectionPermission.objects.get_or_create(
                    group=contributors,
                    collection=root_collection,
                    permission=Permission.objects.get(
                        content_type__app_label=app_label, codename=codename
                    ),
                )
    return contributors, reviewers


def ensure_permissions(apps):
    # Permissions are normally made after all migrations; make them now so we can grant them.
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        # Historical app configs have no models module, which create_permissions skips.
        original = getattr(app_config, "models_module", None)
        app_config.models_module = original or True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = original


def ensure_roles(apps=global_apps) -> None:
    """Create or complete the three roles and their permissions; safe to run again.

    Takes an app registry so the data migrations can use it with their historical models;
    ``load_demo`` runs it with the live one (tests empty the tables between some runs).
    """
    ensure_permissions(apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Page = apps.get_model("wagtailcore", "Page")
    Collection = apps.get_model("wagtailcore", "Collection")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")

    def perm(app_label, codename):
        return Permission.objects.get(content_type__app_label=app_label, codename=codename)

    # Slide decks and videos: trainers upload and choose them; admins may also delete.
    # Filtered, not fetched one by one: early migrations run this before the models exist.
    deck_permissions = Permission.objects.filter(
        content_type__app_label="courses", content_type__model__in=["slidedeck", "lecturevideo"]
    )

    # Enrolments: trainers manage those of their own courses (the admin filters by course).
    enrolment_permissions = Permission.objects.filter(
        content_type__app_label="courses", content_type__model="enrolment"
    )

    Group.objects.get_or_create(name="Members")
    trainers, _ = Group.objects.get_or_create(name="Trainers")
    admins, _ = Group.objects.get_or_create(name="Admins")

    access_admin = perm("wagtailadmin", "access_admin")
    trainers.permissions.add(
        access_admin,
        *deck_permissions.exclude(codename__startswith="delete_"),
        *enrolment_permissions.exclude(codename__startswith="delete_"),
    )
    admins.permissions.add(
        access_admin,
        *deck_permissions,
        *enrolment_permissions,
        *Permission.objects.filter(
            content_type__app_label="auth", content_type__model__in=["user", "group"]
        ),
        *Permission.objects.filter(
            content_type__app_label="courses", content_type__model="organisationsettings"
        ),
        *Permission.objects.filter(
            content_type__app_label="wagtailcore",
            codename__in=["add_collection", "change_collection", "delete_collection"],
        ),
    )

    root_collection = Collection.objects.filter(depth=1).first()
    if root_collection:
        grants = [(trainers, COLLECTION_PERMISSIONS), (admins, ADMIN_COLLECTION_PERMISSIONS)]
        for group, by_app in grants:
            for app_label, codenames in by_app.items():
                for codename in codenames:
                    GroupCollectionPermission.objects.get_or_create(
                        group=group,
                        collection=root_collection,
                        permission=perm(app_label, codename),
                    )
    root_page = Page.objects.filter(depth=1).first()
    if root_page:
        for codename in ADMIN_PAGE_PERMISSIONS:
            GroupPagePermission.objects.get_or_create(
                group=admins, page=root_page, permission=perm("wagtailcore", codename)
            )
