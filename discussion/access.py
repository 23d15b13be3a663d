"""Who may read, post in and moderate a lesson's discussion: one place for every decision.

- **Read**: whoever may open the lesson (``courses.permissions.can_view_lesson``), so a
  free-preview lesson's questions are readable by anyone who can see the lesson, as the lesson
  itself is; every other lesson's only by the course's enrolled members, trainers and admins.
- **Post** (ask, reply, report, follow): the course's enrolled members, its trainers and
  admins, on lessons they may open. Preview readers read but do not post.
- **Moderate** (accept an answer, hide, restore, delete, lock): the course's trainers and
  admins.

Every view looks a question up through ``thread_for``, which answers 404 to anyone who may not
read it, so a question's id reveals nothing about other courses.
"""

from django.conf import settings
from django.core.cache import cache
from django.http import Http404
from django.shortcuts import get_object_or_404

from courses.models.pages import ArticlePage, LecturePage
from courses.permissions import can_access_course, can_view_lesson, is_course_staff

from .models import Thread

LESSON_TYPES = (LecturePage, ArticlePage)


def as_lesson(page):
    """The lesson (lecture or article of a course) behind ``page``, or None: library articles
    and other pages have no discussion."""
    page = getattr(page, "specific", page)
    if not isinstance(page, LESSON_TYPES) or page.course is None:
        return None
    return page


def can_read(user, lesson) -> bool:
    return lesson.live and can_view_lesson(user, lesson)


def can_post(user, lesson) -> bool:
    return (
        user.is_authenticated and can_read(user, lesson) and can_access_course(user, lesson.course)
    )


def can_moderate(user, course) -> bool:
    return is_course_staff(user, course)


def thread_for(user, thread_id: int) -> tuple[Thread, object]:
    """The question and its lesson, or 404 unless ``user`` may read it (a hidden question only
    for its moderators)."""
    thread = get_object_or_404(
        Thread.objects.select_related("course", "author", "lesson"), pk=thread_id
    )
    lesson = as_lesson(thread.lesson)
    if lesson is None or not can_read(user, lesson):
        raise Http404
    if thread.hidden and not can_moderate(user, thread.course):
        raise Http404
    return thread, lesson


def allow_post(user, course) -> bool:
    """Count a new question or reply against the member's hourly allowance; False once it is
    used up. Trainers and admins are not counted: answering is their job."""
    if can_moderate(user, course):
        return True
    key = f"elearn:discussion-posts:{user.pk}"
    # A fixed window that starts with the first post of the hour; enough to stop a flood.
    cache.add(key, 0, timeout=3600)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=3600)
        count = 1
    if count > settings.ELEARN_DISCUSSION_POSTS_PER_HOUR:
        cache.decr(key)  # a refused post does not use up the allowance
        return False
    return True


def staff_among(course, user_ids) -> set[int]:
    """Which of ``user_ids`` are the course's trainers or admins (their posts carry a badge)."""
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    from courses.roles import ADMINS

    ids = set(user_ids) - {None}
    trainers = course.trainers.filter(pk__in=ids).values_list("pk", flat=True)
    admins = (
        get_user_model()
        .objects.filter(pk__in=ids)
        .filter(Q(is_superuser=True) | Q(groups__name=ADMINS))
        .values_list("pk", flat=True)
    )
    return set(trainers) | set(admins)
