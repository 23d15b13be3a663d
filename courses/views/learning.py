"""My learning: the member's courses with their progress, where to pick up, and what they
have completed."""

import operator
from functools import reduce

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from ..models import Enrolment, LessonProgress
from ..permissions import prime_course_access
from ..progress import required_lessons
from ..resume import resume_lesson, resume_links


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


@login_required
def my_learning(request):
    user = request.user
    enrolments = (
        Enrolment.objects.filter(user=user)
        .exclude(status=Enrolment.Status.DECLINED)
        .select_related("course", "certificate")
        .order_by("-created_at")
    )
    pending, taking, left = [], [], []
    for enrolment in enrolments:
        if not enrolment.course.live:
            continue
        if enrolment.status == Enrolment.Status.WITHDRAWN:
            # Found again here, not only by searching the catalogue: the progress is kept.
            left.append(enrolment)
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
                "resume": resume_lesson(lessons, rows),
                "certificate": getattr(enrolment, "certificate", None),
            }
        )
    # Where to pick up each course: two queries for all of them.
    links = resume_links(request, user, [item["resume"] for item in items], rows)
    current, completed = [], []
    for item in items:
        if item["resume"] is not None:
            item["resume"] = links[item["resume"].pk]
        (completed if item["enrolment"].completed_at else current).append(item)
    return render(
        request,
        "courses/my_learning.html",
        {"current": current, "completed": completed, "pending": pending, "left": left},
    )
