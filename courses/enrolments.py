"""Enrolling, leaving, approving and declining: the rules in one place, used by the course
page, the admin, group and CSV enrolment, and the command line.

Every change is one transaction with the course row locked, so two people taking the last
place at once cannot both get it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import override

from .addresses import absolute
from .mail import preferred_language, send_template
from .models import CoursePage, Enrolment

logger = logging.getLogger(__name__)


class EnrolmentRefused(Exception):
    """The member cannot enrol now; ``message`` says why, for them."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def places_left(course: CoursePage) -> int | None:
    """Free places, or None when the course has no limit."""
    if course.capacity is None:
        return None
    return max(0, course.capacity - course.enrolments.active().count())


def self_enrol_problem(course: CoursePage, now=None) -> str | None:
    """Why members cannot enrol themselves right now, or None if they can."""
    now = now or timezone.now()
    if course.enrolment == CoursePage.Enrolment.CLOSED:
        return _("Members are enrolled in this course by its trainers or the administrators.")
    if course.enrolment_opens and now < course.enrolment_opens:
        return _("Enrolment opens on %(date)s.") % {
            "date": timezone.localtime(course.enrolment_opens).strftime("%Y-%m-%d %H:%M")
        }
    if course.enrolment_closes and now >= course.enrolment_closes:
        return _("Enrolment for this course has closed.")
    return None


def _locked(course: CoursePage) -> CoursePage:
    # PostgreSQL takes a row lock; SQLite serialises writers anyway.
    return CoursePage.objects.select_for_update().get(pk=course.pk)


def enrol(
    user,
    course: CoursePage,
    *,
    source: str = Enrolment.Source.SELF,
    by=None,
    now=None,
    tell: bool = True,
) -> Enrolment:
    """Enrol ``user``: at once for open courses and for admins' enrolments, as a request on
    approval courses. Raises EnrolmentRefused (closed, outside the window, full).

    Someone enrolled by a trainer or an admin is told by email (unless ``tell`` is False: a
    new account's invitation names the course already)."""
    now = now or timezone.now()
    by_member = source == Enrolment.Source.SELF
    with transaction.atomic():
        course = _locked(course)
        enrolment = Enrolment.objects.filter(user=user, course=course).first()
        if enrolment and enrolment.status == Enrolment.Status.PENDING and not by_member:
            # An admin or trainer enrolling someone who asked to join: their request is
            # approved (refused when the course is full), not left waiting.
            approved = decide(enrolment, approve=True, by=by)
            _forget_access(user)
            return approved
        if enrolment and enrolment.status in (Enrolment.Status.ACTIVE, Enrolment.Status.PENDING):
            return enrolment
        if by_member:
            problem = self_enrol_problem(course, now)
            if problem:
                raise EnrolmentRefused(problem)
        approval = by_member and course.enrolment == CoursePage.Enrolment.APPROVAL
        if not approval and places_left(course) == 0:
            raise EnrolmentRefused(_("This course is full."))
        enrolment = enrolment or Enrolment(user=user, course=course)
        enrolment.status = Enrolment.Status.PENDING if approval else Enrolment.Status.ACTIVE
        enrolment.source = source
        enrolment.created_at = now
        enrolment.decided_at = None if approval else now
        enrolment.decided_by = None if by_member else by
        enrolment.save()
    _forget_access(user)
    if approval:
        from insights.tasks import enrolment_request_email_task, queue

        queue(enrolment_request_email_task, enrolment.pk)
    elif not by_member and tell:
        from insights.tasks import enrolled_email_task, queue

        queue(enrolled_email_task, enrolment.pk)
    return enrolment


@dataclass
class GroupEnrolment:
    """What enrolling a group did, person by person, so the admin can be told truthfully."""

    enrolled: list = field(default_factory=list)  # new, or their waiting request approved
    already: list = field(default_factory=list)
    declined: list = field(default_factory=list)  # left out: their request had been declined


def enrol_group(users, course: CoursePage, *, by) -> GroupEnrolment:
    """Enrol everyone in ``users`` or nobody (EnrolmentRefused: a full course refuses the
    whole group).

    Members whose request to join was declined are left out: a trainer said no to them, and
    enrolling a branch should not quietly overturn that. They are listed, so the admin can
    enrol them one by one if that is what they mean."""
    result = GroupEnrolment()
    with transaction.atomic():
        course = _locked(course)  # the statuses read here hold until the enrolments are made
        status_of = dict(
            Enrolment.objects.filter(course=course, user__in=users).values_list("user_id", "status")
        )
        for user in users:
            status = status_of.get(user.pk)
            if status == Enrolment.Status.ACTIVE:
                result.already.append(user)
            elif status == Enrolment.Status.DECLINED:
                result.declined.append(user)
            else:
                enrol(user, course, source=Enrolment.Source.GROUP, by=by)
                result.enrolled.append(user)
    return result


def withdraw(user, course: CoursePage) -> Enrolment | None:
    """The member leaves (or withdraws a request). Progress is kept should they come back."""
    enrolment = Enrolment.objects.filter(
        user=user, course=course, status__in=[Enrolment.Status.ACTIVE, Enrolment.Status.PENDING]
    ).first()
    if enrolment:
        enrolment.status = Enrolment.Status.WITHDRAWN
        enrolment.decided_at = timezone.now()
        enrolment.save(update_fields=["status", "decided_at"])
    _forget_access(user)
    return enrolment


def decide(enrolment: Enrolment, *, approve: bool, by, reason: str = "") -> Enrolment:
    """A trainer approves or declines a request; the member is told by email (a background
    task, queued after commit). ``reason``, when a trainer gives one for declining, goes
    into that email: it is not stored with the enrolment (only in the queued task's
    arguments until the email is sent). Returns the enrolment as it now stands: another
    admin may have decided it first."""
    from insights.tasks import enrolment_decision_email_task, queue

    with transaction.atomic():
        course = _locked(enrolment.course)
        enrolment.refresh_from_db()
        if enrolment.status != Enrolment.Status.PENDING:
            return enrolment
        if approve and places_left(course) == 0:
            raise EnrolmentRefused(_("This course is full."))
        enrolment.status = Enrolment.Status.ACTIVE if approve else Enrolment.Status.DECLINED
        enrolment.decided_at = timezone.now()
        enrolment.decided_by = by
        enrolment.save(update_fields=["status", "decided_at", "decided_by"])
    queue(enrolment_decision_email_task, enrolment.pk, "" if approve else reason.strip())
    return enrolment


def _forget_access(user) -> None:
    user.__dict__.pop("_elearn_course_access", None)


def awaits_password(user) -> bool:
    """An account made for someone (a CSV import) who has not chosen a password yet: their
    invitation may have failed, expired or been lost. Once they choose one, or an admin
    sets one, or they log in another way, it is theirs and no invitation is due."""
    return bool(
        user.is_active and user.email and user.last_login is None and not user.has_usable_password()
    )


def queue_invitation(user, course: CoursePage) -> None:
    """Email the invitation in the background once the account is committed (an import's
    transaction rolled back queues nothing)."""
    from insights.tasks import invitation_email_task, queue

    queue(invitation_email_task, user.pk, course.pk)


def invite(user, course: CoursePage) -> bool:
    """Email a new account a link to choose its password, naming the course it is in and
    until when the link works. False when the mail server refused it (logged)."""
    link = absolute(
        reverse(
            "password_reset_confirm",
            kwargs={
                "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": default_token_generator.make_token(user),
            },
        )
    )
    # The token carries the time it was made; Django refuses it this long after.
    expires = timezone.now() + timezone.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)
    with override(preferred_language(user)):
        return send_template(
            [user.email],
            "courses/email/invitation.txt",
            {
                "user": user,
                "course": course,
                "link": link,
                "expires": expires,
                "reset_url": absolute(reverse("password_reset")),
            },
        )
