"""Members enrol in a course and leave it, from the course page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _

from ..enrolments import EnrolmentRefused, enrol, withdraw
from ..models import CoursePage, Enrolment
from .accounts import safe_next_url


def _course(course_id: int) -> CoursePage:
    return get_object_or_404(CoursePage.objects.live().public(), pk=course_id)


@login_required
def enrol_view(request, course_id: int):
    course = _course(course_id)
    if request.method != "POST":
        # The address opened as a page (a link passed on, the login page's way back): the
        # course page, whose button asks, rather than a bare "method not allowed".
        return redirect(course.url)
    try:
        enrolment = enrol(request.user, course)
    except EnrolmentRefused as refused:
        messages.error(request, refused.message)
        return redirect(course.url)
    if enrolment.status == Enrolment.Status.PENDING:
        messages.info(
            request,
            _(
                "Your request to join “%(course)s” was sent. You will get an email when a trainer has decided."
            )
            % {"course": course.title},
        )
    else:
        messages.success(request, _("You are enrolled in “%(course)s”.") % {"course": course.title})
    # Back to the lesson the member enrolled from (a free preview, a locked lesson).
    return redirect(safe_next_url(request) or course.url)


@login_required
def withdraw_view(request, course_id: int):
    course = _course(course_id)
    if request.method != "POST":
        return redirect(course.url)  # leaving takes the course page's button, never a link
    if withdraw(request.user, course):
        messages.info(
            request,
            _("You left “%(course)s”. Your progress is kept if you enrol again.")
            % {"course": course.title},
        )
    return redirect(course.url)
