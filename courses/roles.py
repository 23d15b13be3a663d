"""The three roles (Members, Trainers, Admins) and trainers' rights over their own courses.

Trainers edit only the courses they train: each course gets a group holding Wagtail page
permissions on that course's subtree, and its trainers are that group's members. The sync
runs when a course is published, since that is when its trainer list takes effect.
"""

from django.contrib.auth.models import Group, Permission
from django.utils.translation import gettext_lazy as _
from wagtail.models import GroupPagePermission

MEMBERS = "Members"
TRAINERS = "Trainers"
ADMINS = "Admins"
ROLE_LABELS = {MEMBERS: _("Member"), TRAINERS: _("Trainer"), ADMINS: _("Administrator")}

TRAINER_PAGE_PERMISSIONS = ["add_page", "change_page", "publish_page"]


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


def add_member(user) -> None:
    """Put a newly signed-up person in the Members role."""
    group = Group.objects.filter(name=MEMBERS).first()
    if group:
        user.groups.add(group)
