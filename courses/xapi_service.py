"""Members' progress as xAPI statements: rows in, the values ``courses/xapi.py`` builds from
out; the course export; forwarding to a Learning Record Store.

Forwarding sends one statement per progress report that changes what the statement says
(``progress.record`` compares ``forward_key`` before and after), and the course's
``completed`` statement with the report that completed the course. Each statement carries the
member's whole state in the lesson, so a queue that fell behind sends only each row's latest
state, and a statement lost to an LRS outage is made good by the member's next report or by
importing the course export.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone

from . import xapi
from .addresses import page_address, public_address, site_address
from .models import ArticlePage, CoursePage, Enrolment, LecturePage, LessonProgress
from .models.videos import VideoPosition
from .names import person_name
from .progress import counts_video, progress_share

logger = logging.getLogger(__name__)

IMMEDIATE_MAX_WAIT_S = 2.0


@dataclass(frozen=True)
class LessonFacts:
    """What every statement about one lesson shares, looked up once per lesson."""

    activity: xapi.Activity
    course: xapi.Activity | None
    video: xapi.VideoFacts | None


def home_page() -> str:
    """The site members have their accounts on: the actor's ``account.homePage``.

    The default site, one address for every statement: accounts belong to the installation,
    not to one of its sites, so a member in courses on two sites is still one person to the
    LRS.
    """
    return site_address()


def page_activity(page, activity_type: str) -> xapi.Activity:
    """A page as an xAPI Activity: its absolute URL at its site's public address, its title
    by language, its type."""
    # A page under no site still gets a stable, absolute IRI.
    url = page_address(page) or f"{public_address()}/admin/pages/{page.pk}/"
    return xapi.Activity(
        url=url,
        names=xapi.language_map(page.title, page.locale.language_code),
        type=activity_type,
        key=f"page:{page.pk}",
    )


def lesson_facts(lesson, course: CoursePage | None = None) -> LessonFacts:
    """The Activity of a lesson and of its course, and its video's facts if progress is the
    video's."""
    course = course if course is not None else lesson.course
    video = None
    if counts_video(lesson):
        video = xapi.VideoFacts(
            length_s=lesson.video.duration,
            completion_threshold=lesson.completion_threshold / 100,
        )
    return LessonFacts(
        activity=page_activity(lesson, xapi.VIDEO_TYPE if video else xapi.LESSON_TYPE),
        course=page_activity(course, xapi.COURSE_TYPE) if course is not None else None,
        video=video,
    )


def lesson_state(progress: LessonProgress, lesson, *, position: float | None = None):
    """The row as the plain values of one report (``position``: the member's resume point)."""
    video = counts_video(lesson)
    return xapi.LessonState(
        share=progress_share(progress, lesson),
        complete=progress.completed_at is not None,
        reported_at=progress.last_report_at or progress.updated_at,
        watched=[list(pair) for pair in progress.watched] if video else [],
        time=position if video else None,
        duration_s=progress.watched_seconds if video else None,
    )


def has_progress(state: xapi.LessonState) -> bool:
    """Opening a lesson and doing nothing it measures makes no statement."""
    return state.complete or state.share > 0 or bool(state.watched)


def forward_key(progress: LessonProgress, lesson) -> tuple:
    """What a statement about this row would say, less its time and position: a report
    that leaves it unchanged is not forwarded."""
    state = lesson_state(progress, lesson, position=0.0)
    if not has_progress(state):
        return ()
    video = counts_video(lesson)
    return (xapi.verb_for(state, video=video), xapi.result_for(state, video=video))


KEY_REVISION = re.compile(r"[0-9a-f]{16}")


def key_revision(key: tuple) -> str:
    """``forward_key`` as a short string for the queue: a task is superseded only when a later
    report changed what the statement says, not by reports that left it as it was (an
    open tab's reading time), which queue nothing of their own."""
    text = json.dumps(key, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def member_of(user) -> xapi.Member:
    return xapi.Member(user_id=user.pk, name=person_name(user), email=user.email)


def statement_for(
    progress: LessonProgress,
    lesson,
    facts: LessonFacts,
    *,
    home: str,
    position: float | None = None,
) -> dict | None:
    """The statement for one row, or None when the row holds nothing a statement would say."""
    state = lesson_state(progress, lesson, position=position)
    if not has_progress(state):
        return None
    registration = None
    if facts.course is not None:
        registration = xapi.registration_id(home, progress.user_id, facts.course.key)
    return xapi.progress_statement(
        member=member_of(progress.user),
        lesson=facts.activity,
        course=facts.course,
        state=state,
        home_page=home,
        video=facts.video,
        registration=registration,
        use_mbox=settings.ELEARN_XAPI_ACTOR == "mbox",
    )


def course_completed_statement(user, course: xapi.Activity, completed_at, *, home: str) -> dict:
    """The statement that ``user`` completed the course at ``completed_at`` (the enrolment's
    ``completed_at``, when the certificate was issued)."""
    return xapi.course_completed_statement(
        member=member_of(user),
        course=course,
        completed_at=completed_at,
        home_page=home,
        registration=xapi.registration_id(home, user.pk, course.key),
        use_mbox=settings.ELEARN_XAPI_ACTOR == "mbox",
    )


def course_statements(course: CoursePage) -> Iterator[dict]:
    """Every statement of the course's members' progress in its live lessons, one row at a
    time: one query for the rows (with each member's video position), read in chunks, so
    memory stays flat however many members there are; then one ``completed`` statement for
    the course per member who completed it, after the lessons that led there.

    Members are everyone with an enrolment in the course, former members included (their
    progress is history); trainers' and admins' own visits are left out.
    """
    lessons = {lesson.pk: lesson for lesson in course.get_lessons()}
    facts = {pk: lesson_facts(lesson, course) for pk, lesson in lessons.items()}
    home = home_page()
    position = VideoPosition.objects.filter(
        user=OuterRef("user"), video=OuterRef("page__lecturepage__video")
    ).values("position")[:1]
    rows = (
        LessonProgress.objects.filter(page_id__in=list(lessons))
        .filter(Exists(Enrolment.objects.filter(course=course, user=OuterRef("user"))))
        .select_related("user")
        .annotate(video_position=Subquery(position))
        .order_by("user_id", "page_id")
    )
    for row in rows.iterator(chunk_size=500):
        statement = statement_for(
            row, lessons[row.page_id], facts[row.page_id], home=home, position=row.video_position
        )
        if statement is not None:
            yield statement
    course_activity = page_activity(course, xapi.COURSE_TYPE)
    completions = (
        Enrolment.objects.filter(course=course, completed_at__isnull=False)
        .select_related("user")
        .order_by("user_id")
    )
    for enrolment in completions.iterator(chunk_size=500):
        yield course_completed_statement(
            enrolment.user, course_activity, enrolment.completed_at, home=home
        )


def forward(progress_id: int, *, revision: str = "", attempt: int = 1) -> str:
    """Send the row's current state to the LRS; the body of ``forward_xapi_task``.

    Returns what happened: "sent", "off", "gone", "not a member", "nothing", "superseded"
    (a newer report is queued and will send it), "retry" or "failed". Never raises for the
    LRS's sake.
    """
    url = settings.ELEARN_XAPI_LRS_URL
    if not url:
        return "off"
    progress = LessonProgress.objects.select_related("user").filter(pk=progress_id).first()
    if progress is None:
        return "gone"
    lesson = progress.page.specific
    if not isinstance(lesson, LecturePage | ArticlePage):
        return "gone"
    # A revision that is not a key (a task queued by an earlier version, which named the
    # report's time) is sent: it cannot tell, and a statement sent twice is kept once.
    if KEY_REVISION.fullmatch(revision) and key_revision(forward_key(progress, lesson)) != revision:
        return "superseded"
    course = lesson.course
    # Members' learning goes to the LRS, as in the export: not trainers' and admins' looks
    # at a course they are not enrolled in. Lessons outside any course are everyone's.
    enrolment = None
    if course is not None:
        enrolment = (
            Enrolment.objects.filter(user_id=progress.user_id, course=course)
            .only("completed_at")
            .first()
        )
        if enrolment is None:
            return "not a member"
    position = None
    if counts_video(lesson):
        position = (
            VideoPosition.objects.filter(user_id=progress.user_id, video_id=lesson.video_id)
            .values_list("position", flat=True)
            .first()
        )
    home = home_page()
    facts = lesson_facts(lesson, course)
    statement = statement_for(progress, lesson, facts, home=home, position=position)
    if statement is None:
        return "nothing"
    statements = [statement]
    # The report that completes a course's last required lesson completes the course in the
    # same transaction, and queues only this lesson's forward: the course's statement goes
    # with it. It goes with every later forward of a completed lesson too (the same id each
    # time, so the LRS keeps one), which makes good a course statement an outage lost.
    if progress.completed_at is not None and enrolment is not None and enrolment.completed_at:
        statements.append(
            course_completed_statement(
                progress.user, facts.course, enrolment.completed_at, home=home
            )
        )
    for item in statements:
        # One POST each: LRSs that refuse a whole batch with 409 when they hold one of its
        # ids would otherwise count a new lesson statement as delivered along with the old
        # course statement. A retry sends both again, harmless for the same reason.
        try:
            xapi.send_statements(
                url,
                settings.ELEARN_XAPI_LRS_KEY,
                settings.ELEARN_XAPI_LRS_SECRET,
                [item],
                timeout=settings.ELEARN_XAPI_TIMEOUT_SECONDS,
            )
        except xapi.LrsError as exc:
            return _failed(progress, lesson, revision, attempt, exc)
    return "sent"


def _failed(progress, lesson, revision: str, attempt: int, exc: xapi.LrsError) -> str:
    if not exc.retry or attempt >= settings.ELEARN_XAPI_MAX_ATTEMPTS:
        logger.error(
            "xAPI statement of the report at %s (progress %s) not delivered after %s "
            "attempt(s): %s",
            xapi.revision(progress.last_report_at),
            progress.pk,
            attempt,
            exc,
        )
        return "failed"
    delay = settings.ELEARN_XAPI_RETRY_SECONDS * 2 ** (attempt - 1)
    logger.warning(
        "xAPI: progress %s, attempt %s failed (%s); trying again in %.0f s",
        progress.pk,
        attempt,
        exc,
        delay,
    )
    from .tasks import forward_xapi_task

    revision = revision or key_revision(forward_key(progress, lesson))
    if forward_xapi_task.get_backend().supports_defer:
        # A queue that can wait frees its worker; the row may have moved on by then.
        forward_xapi_task.using(run_after=timezone.now() + timedelta(seconds=delay)).enqueue(
            progress.pk, revision, attempt + 1
        )
        return "retry"
    # The immediate backend runs tasks inside the member's request and cannot wait in the
    # queue: wait here, briefly, so the request is not held for minutes.
    time.sleep(min(delay, IMMEDIATE_MAX_WAIT_S))
    return forward(progress.pk, revision=revision, attempt=attempt + 1)
