"""Recording what members watched, saw and read, and deciding when a lesson is complete.

Every report is merged into the member's row for the lesson and stored only if no other
report changed the row meanwhile (else merged again), or under a row lock (see ``record``), so
two tabs, retries and out-of-order reports all end in the same state (merging is idempotent).
"""

from __future__ import annotations

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone

from elearn.sql import (
    fetch_one,
    saved_values,
    update_columns,
    update_sql,
    update_where,
    upsert_sql,
)

from . import progress_core as core
from .models import ArticlePage, LecturePage, LessonProgress

MAX_SLIDE_NUMBER = 100_000


def _lock(user_id: int, page_id: int) -> LessonProgress | None:
    """The member's row for the lesson, locked until the transaction ends (on databases with
    row locks; SQLite takes the whole database for writing instead), or None."""
    return fetch_one(LessonProgress, {"user_id": user_id, "page_id": page_id}, for_update=True)


def _row(user, lesson) -> LessonProgress:
    """The member's row for the lesson, locked until the transaction ends; made if missing.

    The row nearly always exists: lock it straight away (one query). The first report makes
    it with an INSERT that does nothing when a racing report has just made it too, and then
    locks it.
    """
    progress = _lock(user.pk, lesson.pk)
    if progress is not None:
        return progress
    LessonProgress.objects.bulk_create(
        [LessonProgress(user_id=user.pk, page_id=lesson.pk)], ignore_conflicts=True
    )
    return _lock(user.pk, lesson.pk)


def record(user, lesson, report: dict, *, now=None) -> LessonProgress:
    """Merge one report (already parsed JSON) into the member's progress for ``lesson``.

    Raises core.BadReport for a malformed report; nothing is stored then.

    Most reports (a member watching, every 10 s) change a row that exists and complete
    nothing: they are stored without a transaction or a lock, by one statement that changes
    the row only if nobody else did since it was read (``_store_unless_changed``); a report
    that loses such a race is merged again. The first report, the one that completes the
    lesson, and every report while statements go to an LRS take the row lock instead
    (``_record_locked``): completion issues a certificate exactly once.

    The report that completes the lesson leaves the member's enrolment in the course, as it
    stands after it, on ``progress.course_enrolment`` (completed or not; None outside a course).
    """
    if not isinstance(report, dict):
        raise core.BadReport("the report is a JSON object")
    now = now or timezone.now()
    if not settings.ELEARN_XAPI_LRS_URL:
        for _attempt in range(OPTIMISTIC_ATTEMPTS):
            progress = fetch_one(LessonProgress, {"user_id": user.pk, "page_id": lesson.pk})
            if progress is None:
                break
            seen = progress.updated_at
            changed, position = _merge(progress, lesson, report, now)
            if progress.completed_at is None and is_complete(progress, lesson):
                break
            if _store_unless_changed(progress, changed, seen, user, lesson, position, now):
                return progress
    return _record_locked(user, lesson, report, now)


# Reports racing for one row (two tabs, a retry) are rare: after this many lost races the
# report waits for the row lock like the first one.
OPTIMISTIC_ATTEMPTS = 3


def _record_locked(user, lesson, report: dict, now) -> LessonProgress:
    forwarding = bool(settings.ELEARN_XAPI_LRS_URL)
    with transaction.atomic():
        progress = _row(user, lesson)
        if forwarding:
            from .xapi_service import forward_key

            before = forward_key(progress, lesson)
        changed, position = _merge(progress, lesson, report, now)
        if position is not None:
            connection = connections[DEFAULT_DB_ALIAS]
            with connection.cursor() as cursor:
                cursor.execute(*_position_upsert(user, lesson, position, now, connection))
        newly_complete = progress.completed_at is None and is_complete(progress, lesson)
        if newly_complete:
            progress.completed_at = now
            changed.append("completed_at")
        # Only what this report touched: a smaller UPDATE, and the course's completion is
        # looked at only when this lesson has just been completed. LessonProgress has no save
        # signals to skip.
        update_columns(progress, changed)
        if newly_complete:
            user.__dict__.pop("_elearn_done", None)
            # The member is told at once when this completed the course (the answer).
            progress.course_enrolment = update_course_completion(user, lesson, now=now)
        # Only reports that change what a statement says go to the LRS: an open lecture
        # tab reports its reading time every 10 s, and that is not in the statement.
        if forwarding and (after := forward_key(progress, lesson)) != before:
            from .tasks import queue_xapi_forward
            from .xapi_service import key_revision

            queue_xapi_forward(progress, key_revision(after))
    return progress


def _merge(progress: LessonProgress, lesson, report: dict, now) -> tuple[list[str], float | None]:
    """Merge ``report`` into ``progress`` in memory: (the fields it changed, the resume
    position to keep or None). Raises core.BadReport before anything is stored."""
    wall = (now - progress.last_report_at).total_seconds() if progress.last_report_at else None
    changed = ["last_report_at", "updated_at"]
    video = getattr(lesson, "video", None) if isinstance(lesson, LecturePage) else None
    if "segments" in report:
        duration = video.duration if video is not None else None
        segments = core.clean_segments(report["segments"], duration)
        if wall is None:
            # First report: judge it against the longest a page could have played.
            wall = settings.ELEARN_PROGRESS_FIRST_REPORT_S
        segments = core.clip_to_wall_clock(segments, wall)
        watched = core.merge([tuple(pair) for pair in progress.watched] + segments)
        progress.watched = [[round(s, 2), round(e, 2)] for s, e in watched]
        progress.watched_seconds = core.total(watched)
        progress.video_coverage = core.coverage(watched, duration)
        changed += ["watched", "watched_seconds", "video_coverage"]
    if "slides" in report:
        seen = report["slides"]
        if not isinstance(seen, list) or not all(
            isinstance(n, int) and not isinstance(n, bool) and 0 < n < MAX_SLIDE_NUMBER
            for n in seen
        ):
            raise core.BadReport("slides is a list of slide numbers")
        visible = _visible_slides(lesson)
        numbers = sorted(set(progress.slides_seen) | (set(seen) & visible))
        progress.slides_seen = numbers
        progress.slides_coverage = len(numbers) / len(visible) if visible else 0.0
        changed += ["slides_seen", "slides_coverage"]
    if "reading_seconds" in report:
        seconds = report["reading_seconds"]
        if not core.is_seconds(seconds):
            raise core.BadReport("reading_seconds is a number of seconds")
        # Time on the page can only grow as fast as the clock.
        allowed = (wall if wall is not None else seconds) + core.SLACK_S
        progress.reading_seconds += min(float(seconds), allowed)
        changed.append("reading_seconds")
    position = None
    if "position" in report:
        # Where the player is, sent with the report it makes anyway rather than as a request
        # of its own: kept apart from what was watched (the resume position, per video). A
        # lecture whose video has gone keeps nothing, and the rest of the report still counts.
        if not core.is_seconds(report["position"]):
            raise core.BadReport("position is a number of seconds")
        if video is not None:
            position = float(report["position"])
            if video.duration:
                position = min(position, video.duration)  # players overshoot the end a little
    if report.get("reached_end") is True:
        progress.reached_end = True
        changed.append("reached_end")
    if report.get("done") is True and isinstance(lesson, ArticlePage):
        progress.marked_done = True
        changed.append("marked_done")
    progress.last_report_at = now
    return changed, position


def _position_upsert(
    user, lesson, position: float, now, connection, *, only_if: str = ""
) -> tuple[str, list]:
    """The statement keeping the member's resume position in this lesson's video, and its
    parameters (the row is made by the first report that carries a position)."""
    from .models import VideoPosition

    keep = {"user": user.pk, "video": lesson.video_id, "position": position, "updated_at": now}
    return upsert_sql(VideoPosition, keep, ["user", "video"], connection, only_if=only_if)


def _store_unless_changed(progress, changed, seen, user, lesson, position, now) -> bool:
    """Write ``changed`` fields of ``progress`` (and the resume position) only if its row is
    still as it was read (``updated_at`` is still ``seen``); False when another report
    changed it first. On PostgreSQL one statement does it all: no BEGIN, lock or COMMIT."""
    values = saved_values(progress, changed)
    where = {"id": progress.pk, "updated_at": seen}
    connection = connections[DEFAULT_DB_ALIAS]
    if position is None:
        return update_where(LessonProgress, values, where) == 1
    update, update_params = update_sql(LessonProgress, values, where, connection)
    if connection.vendor == "postgresql":
        # The position is kept only if the progress row was: both or neither.
        upsert, upsert_params = _position_upsert(
            user, lesson, position, now, connection, only_if="EXISTS (SELECT 1 FROM stored)"
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH stored AS ({update} RETURNING 1) {upsert}", [*update_params, *upsert_params]
            )
            return cursor.rowcount == 1
    upsert, upsert_params = _position_upsert(user, lesson, position, now, connection)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(update, update_params)
        if cursor.rowcount != 1:
            return False
        cursor.execute(upsert, upsert_params)
        return True


def course_lessons(course) -> list:
    """The course's live lessons in order (specific pages), fetched once per course object."""
    lessons = getattr(course, "_elearn_lessons", None)
    if lessons is None:
        lessons = course._elearn_lessons = list(course.get_lessons())
    return lessons


def required_lessons(lessons) -> list:
    """The lessons that count towards completing the course: all but the optional ones (a
    course whose every lesson is optional is complete once every lesson is)."""
    return [lesson for lesson in lessons if not lesson.optional] or list(lessons)


def completed_lesson_ids(user, course) -> set[int]:
    """Ids of the course's lessons the member has completed (cached on the user object for
    the request, forgotten when a lesson is completed)."""
    cache = user.__dict__.setdefault("_elearn_done", {})
    if course.pk not in cache:
        ids = [lesson.pk for lesson in course_lessons(course)]
        cache[course.pk] = set(
            LessonProgress.objects.filter(
                user=user, page_id__in=ids, completed_at__isnull=False
            ).values_list("page_id", flat=True)
        )
    return cache[course.pk]


def sequence_locks(lessons, done: set[int]) -> dict:
    """For a course taken in order: ``{lesson id: the required lesson to finish first}`` for
    each lesson still closed. Previews are never closed; optional lessons never block."""
    locks = {}
    blocking = None
    for lesson in lessons:
        if blocking is not None and not lesson.preview:
            locks[lesson.pk] = blocking
        if blocking is None and not lesson.optional and lesson.pk not in done:
            blocking = lesson
    return locks


def first_unfinished_before(user, course, lesson):
    """The first required lesson before ``lesson`` the member has not completed, or None."""
    locks = sequence_locks(course_lessons(course), completed_lesson_ids(user, course))
    return locks.get(lesson.pk)


def update_course_completion(user, lesson, *, now=None):
    """Once every required lesson of the course is done: mark the member's enrolment complete
    and issue the certificate (emailed after the transaction commits)."""
    from .certificates import issue_certificate
    from .models import Enrolment

    course = lesson.course
    if course is None:
        return None
    enrolment = (
        Enrolment.objects.active()
        .select_for_update(of=("self",))
        .filter(user=user, course=course)
        .select_related("user", "course")
        .first()
    )
    if enrolment is None or enrolment.completed_at is not None:
        return enrolment
    required = [item.pk for item in required_lessons(course_lessons(course))]
    done = LessonProgress.objects.filter(
        user=user, page_id__in=required, completed_at__isnull=False
    ).count()
    if required and done == len(required):
        enrolment.completed_at = now or timezone.now()
        enrolment.save(update_fields=["completed_at"])
        issue_certificate(enrolment)
    return enrolment


def _visible_slides(lesson) -> frozenset[int]:
    kept = getattr(lesson, "_elearn_visible_slides", None)  # loaded with the lesson
    if kept is not None:
        return kept
    from .lesson_rules import visible_slides

    return visible_slides(lesson)


def is_complete(progress: LessonProgress, lesson) -> bool:
    """The lesson's own rule: a lecture's video and/or slides, an article read or marked."""
    threshold = lesson.completion_threshold / 100
    if isinstance(lesson, ArticlePage):
        needed = lesson.reading_time * 60 * settings.ELEARN_READING_SHARE
        return progress.marked_done or (progress.reached_end and progress.reading_seconds >= needed)
    has_video = lesson.video_id is not None
    has_slides = lesson.deck_id is not None
    video_done = progress.video_coverage >= threshold - 1e-9
    slides_done = progress.slides_coverage >= threshold - 1e-9
    if has_video and not has_slides:
        return video_done
    if has_slides and not has_video:
        return slides_done
    if not (has_video or has_slides):
        return progress.reached_end
    rule = lesson.completion_rule
    if rule == LecturePage.CompletionRule.SLIDES:
        return slides_done
    if rule == LecturePage.CompletionRule.BOTH:
        return video_done and slides_done
    if rule == LecturePage.CompletionRule.EITHER:
        return video_done or slides_done
    return video_done


def lesson_state(progress: LessonProgress | None, lesson) -> dict:
    """For the course page: not started / in progress with a percentage / done."""
    if progress is None:
        return {"state": "not_started", "percent": 0}
    if progress.completed_at:
        return {"state": "done", "percent": 100}
    return {"state": "in_progress", "percent": min(99, int(progress_share(progress, lesson) * 100))}


def counts_video(lesson) -> bool:
    """Whether the lesson's progress is its video's (a lecture with a video, unless it
    completes by its slides)."""
    return (
        isinstance(lesson, LecturePage)
        and lesson.video_id is not None
        and lesson.completion_rule != LecturePage.CompletionRule.SLIDES
    )


def progress_share(progress: LessonProgress, lesson) -> float:
    """How far into the lesson the member is, 0–1, measured by what completes it: the video
    watched, the slides seen, or the article read (short of its end counts 90% at most)."""
    if isinstance(lesson, LecturePage):
        if counts_video(lesson):
            return progress.video_coverage
        if lesson.deck_id is None:  # neither video nor slides: reaching the end is all
            return 1.0 if progress.reached_end else 0.0
        return progress.slides_coverage
    needed = max(1.0, lesson.reading_time * 60 * settings.ELEARN_READING_SHARE)
    return min(1.0, progress.reading_seconds / needed) * (0.9 if not progress.reached_end else 1)
