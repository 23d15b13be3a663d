"""My learning: the member's courses with their progress, where to pick up, and what they
have completed."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from ..models import Enrolment, LecturePage, LessonProgress, VideoPosition
from ..progress import required_lessons


def _resume_link(user, course, lessons) -> tuple[object, str] | None:
    """The lesson to continue and its address: the last one touched if unfinished (at the
    video moment where the member stopped), else the first not done."""
    if not lessons:
        return None
    ids = [lesson.pk for lesson in lessons]
    last = (
        LessonProgress.objects.filter(user=user, page_id__in=ids, completed_at__isnull=True)
        .order_by("-updated_at")
        .first()
    )
    by_id = {lesson.pk: lesson for lesson in lessons}
    lesson = by_id.get(last.page_id) if last else None
    if lesson is None:
        lesson = next((item for item in lessons if item.progress_state["state"] != "done"), None)
    if lesson is None:
        return None
    url = lesson.url
    if isinstance(lesson, LecturePage) and lesson.video_id:
        position = VideoPosition.objects.filter(user=user, video_id=lesson.video_id).first()
        if position and position.position > 1:
            url += f"#t={int(position.position)}"
    return lesson, url


@login_required
def my_learning(request):
    enrolments = (
        Enrolment.objects.filter(user=request.user)
        .exclude(status__in=[Enrolment.Status.DECLINED, Enrolment.Status.WITHDRAWN])
        .select_related("course", "certificate")
        .order_by("-created_at")
    )
    current, completed, pending = [], [], []
    for enrolment in enrolments:
        course = enrolment.course
        if not course.live:
            continue
        if enrolment.status == Enrolment.Status.PENDING:
            pending.append(enrolment)
            continue
        lessons = list(course.get_lessons())
        share = course.attach_progress(request.user, lessons)
        required = required_lessons(lessons)
        item = {
            "enrolment": enrolment,
            "course": course,
            "percent": int(share * 100),
            "done": sum(1 for lesson in required if lesson.progress_state["state"] == "done"),
            "total": len(required),
            "resume": _resume_link(request.user, course, lessons),
            "certificate": getattr(enrolment, "certificate", None),
        }
        (completed if enrolment.completed_at else current).append(item)
    return render(
        request,
        "courses/my_learning.html",
        {"current": current, "completed": completed, "pending": pending},
    )
