"""My learning: the member's courses with their progress, where to pick up, and what they
have completed."""

import operator
from functools import reduce

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _

from ..models import Enrolment, LecturePage, LessonProgress, Slide, VideoPosition
from ..permissions import prime_course_access
from ..progress import required_lessons
from ..timecodes import format_clock


def _lessons_by_course(courses) -> dict[int, list]:
    """Each course's lessons (``CoursePage.get_lessons``), fetched for all courses together so
    the page costs the same for two courses as for twenty."""
    if not courses:
        return {}
    by_path = {course.path: [] for course in courses}
    prefix_lengths = {len(path) for path in by_path}
    for lesson in reduce(operator.or_, (course.get_lessons() for course in courses)):
        for length in prefix_lengths:
            if (lessons := by_path.get(lesson.path[:length])) is not None:
                lessons.append(lesson)
                break
    return {course.pk: by_path[course.path] for course in courses}


def _resume_lesson(lessons, rows):
    """The lesson to continue: the last one touched if unfinished, else the first not done."""
    touched = [rows[lesson.pk] for lesson in lessons if lesson.pk in rows]
    unfinished = [row for row in touched if row.completed_at is None]
    if unfinished:
        last = max(unfinished, key=operator.attrgetter("updated_at"))
        return next(lesson for lesson in lessons if lesson.pk == last.page_id)
    return next((item for item in lessons if item.progress_state["state"] != "done"), None)


def _next_slides(lessons, rows) -> dict[int, int]:
    """For lectures followed by their slides, the first slide the member has not seen yet
    (after one they have): ``{lesson id: slide number}``. One query for every deck."""
    lectures = [
        lesson
        for lesson in lessons
        if isinstance(lesson, LecturePage)
        and lesson.deck_id
        and (not lesson.video_id or lesson.completion_rule == LecturePage.CompletionRule.SLIDES)
        and lesson.pk in rows
        and rows[lesson.pk].slides_seen
    ]
    if not lectures:
        return {}
    numbers: dict[int, list[tuple[int, bool]]] = {}
    for deck_id, number, hidden in (
        Slide.objects.filter(deck_id__in={lecture.deck_id for lecture in lectures})
        .order_by("number")
        .values_list("deck_id", "number", "hidden")
    ):
        numbers.setdefault(deck_id, []).append((number, hidden))
    found = {}
    for lecture in lectures:
        seen = set(rows[lecture.pk].slides_seen)
        visible = [
            n
            for n, hidden in numbers.get(lecture.deck_id, [])
            if lecture.show_hidden_slides or not hidden
        ]
        following = [n for n in visible if n > max(seen) and n not in seen]
        unseen = following or [n for n in visible if n not in seen]
        if unseen:
            found[lecture.pk] = unseen[0]
    return found


@login_required
def my_learning(request):
    user = request.user
    enrolments = (
        Enrolment.objects.filter(user=user)
        .exclude(status__in=[Enrolment.Status.DECLINED, Enrolment.Status.WITHDRAWN])
        .select_related("course", "certificate")
        .order_by("-created_at")
    )
    pending, taking = [], []
    for enrolment in enrolments:
        if not enrolment.course.live:
            continue
        (pending if enrolment.status == Enrolment.Status.PENDING else taking).append(enrolment)
    lessons_of = _lessons_by_course([enrolment.course for enrolment in taking])
    # Courses taken in order ask whether the member trains them: once for all courses.
    prime_course_access(user, [enrolment.course_id for enrolment in taking])
    rows = {
        row.page_id: row
        for row in LessonProgress.objects.filter(
            user=user,
            page_id__in=[lesson.pk for lessons in lessons_of.values() for lesson in lessons],
        )
    }
    items = []
    for enrolment in taking:
        course = enrolment.course
        lessons = lessons_of[course.pk]
        share = course.attach_progress(user, lessons, rows=rows)
        required = required_lessons(lessons)
        items.append(
            {
                "enrolment": enrolment,
                "course": course,
                "percent": int(share * 100),
                "done": sum(1 for lesson in required if lesson.progress_state["state"] == "done"),
                "total": len(required),
                "resume": _resume_lesson(lessons, rows),
                "certificate": getattr(enrolment, "certificate", None),
            }
        )
    # Resume a video where the member stopped watching it: one query for all courses.
    videos = {
        item["resume"].video_id
        for item in items
        if isinstance(item["resume"], LecturePage) and item["resume"].video_id
    }
    positions = dict(
        VideoPosition.objects.filter(user=user, video_id__in=videos).values_list(
            "video_id", "position"
        )
    )
    next_slides = _next_slides([item["resume"] for item in items], rows)
    current, completed = [], []
    for item in items:
        lesson = item["resume"]
        if lesson is not None:
            url, where = lesson.get_url(request), ""
            position = positions.get(getattr(lesson, "video_id", None))
            if position is not None and position > 1:
                url += f"#t={int(position)}"
                where = _("at %(time)s") % {"time": format_clock(position)}
            elif lesson.pk in next_slides:
                url += f"slides/{next_slides[lesson.pk]}/"
                where = _("slide %(number)s") % {"number": next_slides[lesson.pk]}
            item["resume"] = (lesson, url, where)
        (completed if item["enrolment"].completed_at else current).append(item)
    return render(
        request,
        "courses/my_learning.html",
        {"current": current, "completed": completed, "pending": pending},
    )
