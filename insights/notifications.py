"""Every email elearn sends to its members and trainers about their courses.

Each kind of email has a switch in the member's preferences (``NotificationPreferences``);
each is written in the recipient's own language, and ends with a link that stops that kind
(and one to all their email settings), also offered to mail programs as a one-click
``List-Unsubscribe`` header (RFC 8058). The functions here compose and send; background
tasks (``insights.tasks``) call them, so no request waits for a mail server.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.core import signing
from django.core.mail import get_connection
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from courses.addresses import absolute, page_address, site_address
from courses.mail import preferred_language, send_template
from courses.models import Enrolment, LessonProgress
from courses.progress import course_lessons, required_lessons

from .models import NotificationPreferences, Reminder

logger = logging.getLogger(__name__)

SALT = "insights.unsubscribe"
ALL = "all"
FOOTER = "insights/email/footer.txt"


class Kind:
    """The kinds of email, named as the preference fields that switch them."""

    ENROLMENT = "enrolment"
    REQUESTS = "requests"
    NEW_LESSONS = "new_lessons"
    ANNOUNCEMENTS = "announcements"
    COMPLETION = "completion"
    REMINDERS = "reminders"
    CONVERSIONS = "conversions"


def kind_label(kind: str) -> str:
    """What a kind of email is about, in the active language ("new lessons")."""
    if kind == ALL:
        from django.utils.translation import gettext

        return gettext("your courses")
    return str(NotificationPreferences._meta.get_field(kind).verbose_name)


# Unsubscribe links ------------------------------------------------------------------------


def unsubscribe_token(user, kind: str) -> str:
    """A signed token naming the member and the kind of email: the link works without
    logging in (mail is read on other devices), and cannot be made for someone else."""
    return signing.dumps({"u": user.pk, "k": kind}, salt=SALT, compress=True)


def read_unsubscribe_token(token: str) -> tuple[int, str]:
    """``(user id, kind)``; raises signing.BadSignature for a forged or damaged token."""
    data = signing.loads(token, salt=SALT)
    kind = data.get("k")
    if kind != ALL and kind not in NotificationPreferences.KINDS:
        raise signing.BadSignature("unknown kind")
    return int(data["u"]), kind


def unsubscribe_url(user, kind: str) -> str:
    """The absolute link that stops ``kind`` of email (or ``ALL``) for ``user``."""
    return absolute(reverse("notification_unsubscribe", args=[unsubscribe_token(user, kind)]))


def unsubscribe(user, kind: str) -> NotificationPreferences:
    """Switch off one kind of email, or all of them."""
    preferences = NotificationPreferences.for_user(user)
    for field in NotificationPreferences.KINDS if kind == ALL else [kind]:
        setattr(preferences, field, False)
    preferences.save()
    return preferences


def wants(user, kind: str) -> bool:
    """Whether ``user`` has that kind of email switched on (the defaults when never set)."""
    return bool(getattr(NotificationPreferences.for_user(user), kind))


# Sending ----------------------------------------------------------------------------------


def notify(user, kind: str, template: str, context: dict, *, connection=None) -> bool:
    """Email ``user`` about ``kind`` if they have an address and want it; True when sent."""
    if not (user.email and user.is_active and wants(user, kind)):
        return False
    with override(preferred_language(user)):
        link = unsubscribe_url(user, kind)
        context = {
            **context,
            "user": user,
            "unsubscribe_url": link,
            "unsubscribe_all_url": unsubscribe_url(user, ALL),
            "preferences_url": absolute(reverse("notification_preferences")),
            "kind_label": kind_label(kind),
        }
        return send_template(
            [user.email],
            template,
            context,
            footer=FOOTER,
            headers={
                "List-Unsubscribe": f"<{link}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
            connection=connection,
        )


def course_url(course) -> str:
    """The course page's absolute address, for emails."""
    return page_address(course) or site_address()


def members_of(course):
    """The course's active members (the recipients of its announcements and new lessons)."""
    return [
        e.user
        for e in Enrolment.objects.active()
        .filter(course=course, user__is_active=True)
        .select_related("user")
    ]


def notify_member_of_decision(enrolment: Enrolment, reason: str = "") -> bool:
    """Tell the member their request to join was approved or declined, and why it was
    declined when the trainer said."""
    return notify(
        enrolment.user,
        Kind.ENROLMENT,
        "courses/email/enrolment_decision.txt",
        {"enrolment": enrolment, "course": enrolment.course, "reason": reason},
    )


def notify_member_enrolled(enrolment: Enrolment) -> bool:
    """Tell a member a trainer or an admin enrolled them (one by one, with a group or from a
    CSV file), with the link to start."""
    return notify(
        enrolment.user,
        Kind.ENROLMENT,
        "courses/email/enrolled.txt",
        {
            "enrolment": enrolment,
            "course": enrolment.course,
            "course_url": course_url(enrolment.course),
        },
    )


def notify_trainers_of_request(enrolment: Enrolment) -> int:
    """Tell each of the course's trainers that someone asked to join; returns how many."""
    sent = 0
    for trainer in enrolment.course.trainers.all():
        sent += notify(
            trainer,
            Kind.REQUESTS,
            "courses/email/enrolment_request.txt",
            {"enrolment": enrolment, "course": enrolment.course},
        )
    return sent


def notify_conversion_failed(item) -> int:
    """Tell whoever must fix a slide deck or video that failed to convert: its uploader and
    the trainers of every course with a live lecture showing it, since members there now
    meet a lecture without its slides or video (or, for a deck whose new file failed, still
    its previous slides, which the email says). Returns how many were told."""
    from courses.models import LecturePage, SlideDeck

    is_deck = isinstance(item, SlideDeck)
    lectures = list(
        LecturePage.objects.live().filter(**{"deck" if is_deck else "video": item}).order_by("path")
    )
    recipients = {}
    if item.uploaded_by_user is not None:
        recipients[item.uploaded_by_user.pk] = item.uploaded_by_user
    shown = []
    for lecture in lectures:
        course = lecture.course
        shown.append({"lecture": lecture, "course": course, "url": page_address(lecture)})
        if course is not None:
            recipients.update((trainer.pk, trainer) for trainer in course.trainers.all())
    edit = f"wagtailsnippets_courses_{item._meta.model_name}:edit"
    context = {
        "item": item,
        "is_deck": is_deck,
        # A deck that had slides keeps showing them: members do not miss them, yet.
        "keeps_previous": is_deck and item.shows_previous_version,
        "lectures": shown,
        "edit_url": absolute(reverse(edit, args=[item.pk])),
    }
    sent = 0
    for user in recipients.values():
        sent += notify(user, Kind.CONVERSIONS, "courses/email/conversion_failed.txt", context)
    return sent


def notify_completion(certificate) -> bool:
    """Congratulate the member, with links to download and to verify the certificate."""
    from courses.certificates import verify_url

    return notify(
        certificate.enrolment.user,
        Kind.COMPLETION,
        "courses/email/course_completed.txt",
        {
            "certificate": certificate,
            "course": certificate.enrolment.course,
            "download_url": absolute(reverse("certificate_pdf", args=[certificate.code])),
            "verify_url": verify_url(certificate),
        },
    )


def notify_new_lesson(lesson) -> int:
    """Tell the course's members who opted in that a lesson was added."""
    course = lesson.course
    if course is None:
        return 0
    connection = get_connection()
    context = {
        "course": course,
        "lesson": lesson,
        "lesson_url": page_address(lesson) or site_address(),
    }
    return sum(
        notify(
            user, Kind.NEW_LESSONS, "insights/email/new_lesson.txt", context, connection=connection
        )
        for user in members_of(course)
    )


def notify_announcement(announcement) -> int:
    """Email a trainer's announcement to the course's members who want announcements."""
    from courses.names import person_name

    course = announcement.course
    connection = get_connection()
    context = {
        "announcement": announcement,
        "course": course,
        "author": person_name(announcement.author) if announcement.author else "",
        "course_url": course_url(course),
    }
    return sum(
        notify(
            user,
            Kind.ANNOUNCEMENTS,
            "insights/email/announcement.txt",
            context,
            connection=connection,
        )
        for user in members_of(course)
    )


def notify_reminder(enrolment: Enrolment) -> bool:
    """Remind a member who has not continued their course for a while."""
    course = enrolment.course
    required = [lesson.pk for lesson in required_lessons(course_lessons(course))]
    done = LessonProgress.objects.filter(
        user=enrolment.user, page_id__in=required, completed_at__isnull=False
    ).count()
    return notify(
        enrolment.user,
        Kind.REMINDERS,
        "insights/email/reminder.txt",
        {
            "course": course,
            "course_url": course_url(course),
            "done": done,
            "required": len(required),
        },
    )


# Reminders --------------------------------------------------------------------------------


def due_reminders(days: int, *, now=None) -> list[Enrolment]:
    """Active, unfinished enrolments in live courses whose member has done nothing in the
    course for ``days`` days and was not reminded since their last activity: one reminder
    per stretch of inactivity, however often the command runs."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=days)
    enrolments = (
        Enrolment.objects.active()
        .filter(completed_at__isnull=True, course__live=True)
        .select_related("user", "course")
    )
    reminded = dict(
        Reminder.objects.filter(enrolment__in=enrolments)
        .values("enrolment_id")
        .annotate(last=Max("sent_at"))
        .values_list("enrolment_id", "last")
    )
    opted_out = set(
        NotificationPreferences.objects.filter(reminders=False).values_list("user_id", flat=True)
    )
    by_course: dict[int, list[Enrolment]] = {}
    for enrolment in enrolments:
        if enrolment.user_id in opted_out or not enrolment.user.email:
            continue
        by_course.setdefault(enrolment.course_id, []).append(enrolment)
    due = []
    for members in by_course.values():
        course = members[0].course
        last_activity = dict(
            LessonProgress.objects.filter(
                page_id__in=[lesson.pk for lesson in course_lessons(course)],
                user_id__in=[e.user_id for e in members],
            )
            .values("user_id")
            .annotate(last=Max("last_report_at"))
            .values_list("user_id", "last")
        )
        for enrolment in members:
            since = (
                last_activity.get(enrolment.user_id) or enrolment.decided_at or enrolment.created_at
            )
            last_reminder = reminded.get(enrolment.pk)
            if since < cutoff and (last_reminder is None or last_reminder < since):
                due.append(enrolment)
    return due
