"""Whose numbers each person may see: admins every course, trainers the courses that list
them as trainers, nobody else anything. Every report, chart and export starts here."""

from django.core.exceptions import PermissionDenied

from courses.models import CoursePage
from courses.permissions import is_site_admin


def reportable_courses(user):
    """The courses whose reports ``user`` may read, in tree order (drafts included: a course
    being prepared can already have members)."""
    if not (user and user.is_authenticated):
        return CoursePage.objects.none()
    courses = CoursePage.objects.all()
    if not is_site_admin(user):
        courses = courses.filter(trainers=user)
    return courses.order_by("path")


def can_view_reports(user) -> bool:
    """Admins, and trainers of at least one course (the admin's Reports menu)."""
    if not (user and user.is_authenticated and user.has_perm("wagtailadmin.access_admin")):
        return False
    return is_site_admin(user) or reportable_courses(user).exists()


def check_reports(user) -> None:
    """Raise PermissionDenied unless ``user`` may read reports."""
    if not can_view_reports(user):
        raise PermissionDenied
