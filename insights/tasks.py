"""Background tasks that send email (Django Tasks API). Thin: load the row, call
``insights.notifications``. Queued after commit with ``queue``, so a worker never looks for a
row that is not there yet, and a queue that is down never undoes what the member did."""

import logging

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from . import notifications

logger = logging.getLogger(__name__)


def queue(task_function, *args) -> None:
    """Enqueue once the surrounding transaction commits (at once outside one)."""
    transaction.on_commit(lambda: task_function.enqueue(*args), robust=True)


@task()
def enrolment_decision_email_task(enrolment_id: int, reason: str = "") -> str:
    """Tell a member their request to join a course was approved or declined (with the
    trainer's reason for declining, when they gave one)."""
    from courses.models import Enrolment

    enrolment = Enrolment.objects.select_related("user", "course").filter(pk=enrolment_id).first()
    if enrolment is None:
        return "gone"
    return "sent" if notifications.notify_member_of_decision(enrolment, reason) else "skipped"


@task()
def enrolled_email_task(enrolment_id: int) -> str:
    """Tell a member they were enrolled by a trainer or an admin."""
    from courses.models import Enrolment

    enrolment = Enrolment.objects.select_related("user", "course").filter(pk=enrolment_id).first()
    if enrolment is None or enrolment.status != Enrolment.Status.ACTIVE:
        return "gone"
    return "sent" if notifications.notify_member_enrolled(enrolment) else "skipped"


@task()
def invitation_email_task(user_id: int, course_id: int) -> str:
    """Email an account made for someone (a CSV import) the link to choose its password.

    A mail server that refuses it is logged; the members page shows the invitation as not
    accepted, with "Send the invitation again"."""
    from django.contrib.auth import get_user_model

    from courses.enrolments import awaits_password, invite
    from courses.models import CoursePage

    user = get_user_model().objects.filter(pk=user_id).first()
    course = CoursePage.objects.filter(pk=course_id).first()
    if user is None or course is None:
        return "gone"
    if not awaits_password(user):
        return "accepted already"  # they chose a password since it was queued
    return "sent" if invite(user, course) else "failed"


@task()
def enrolment_request_email_task(enrolment_id: int) -> str:
    """Tell a course's trainers that someone asked to join."""
    from courses.models import Enrolment

    enrolment = Enrolment.objects.select_related("user", "course").filter(pk=enrolment_id).first()
    if enrolment is None:
        return "gone"
    return f"sent {notifications.notify_trainers_of_request(enrolment)}"


@task()
def conversion_failed_email_task(model: str, pk: int) -> str:
    """Tell a failed deck's or video's uploader and the trainers whose lectures show it."""
    from courses.models import LectureVideo, SlideDeck

    item = {"slidedeck": SlideDeck, "lecturevideo": LectureVideo}[model].objects.filter(pk=pk)
    item = item.select_related("uploaded_by_user").first()
    if item is None or item.status != item.Status.FAILED:
        return "gone"  # deleted, or converted fine since (uploaded again)
    return f"sent {notifications.notify_conversion_failed(item)}"


def queue_failure_notice(item) -> None:
    """Email a failed deck's or video's uploader and the trainers of lectures showing it, in
    the background once the failure is committed: conversion runs after the upload, often
    after the lecture went live, so nobody is looking at the admin when it fails."""
    queue(conversion_failed_email_task, item._meta.model_name, item.pk)


@task()
def course_completed_email_task(certificate_id: int) -> str:
    """Congratulate a member on completing a course, with the certificate's links."""
    from courses.models import Certificate

    certificate = (
        Certificate.objects.select_related("enrolment__user", "enrolment__course")
        .filter(pk=certificate_id)
        .first()
    )
    if certificate is None:
        return "gone"
    return "sent" if notifications.notify_completion(certificate) else "skipped"


@task()
def new_lesson_email_task(page_id: int) -> str:
    """Tell a course's members (those who opted in) about a lesson published for the first
    time."""
    from wagtail.models import Page

    page = Page.objects.filter(pk=page_id).live().first()
    if page is None:
        return "gone"
    return f"sent {notifications.notify_new_lesson(page.specific)}"


@task()
def announcement_email_task(announcement_id: int) -> str:
    """Email a trainer's announcement to the course's members."""
    from .models import Announcement

    announcement = (
        Announcement.objects.select_related("course", "author")
        .filter(pk=announcement_id, emailed_at__isnull=True)
        .first()
    )
    if announcement is None:
        return "gone or sent already"
    # Marked first: a task run twice (a worker restarted) must not email everyone twice.
    if not Announcement.objects.filter(pk=announcement.pk, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    ):
        return "sent already"
    return f"sent {notifications.notify_announcement(announcement)}"


@task()
def reminder_email_task(enrolment_id: int) -> str:
    """Remind an inactive member of their course."""
    from courses.models import Enrolment

    enrolment = (
        Enrolment.objects.active()
        .filter(pk=enrolment_id, completed_at__isnull=True)
        .select_related("user", "course")
        .first()
    )
    if enrolment is None:
        return "gone"
    return "sent" if notifications.notify_reminder(enrolment) else "skipped"
