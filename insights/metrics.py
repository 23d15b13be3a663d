"""The numbers behind the reports and charts, with their definitions in one place.

Counted over *active* enrolments (members now in the course; a completed member stays
active). For one enrolment:

- **started** when the member has any progress in a lesson of the course;
- **completed** when the enrolment has ``completed_at`` (every required lesson done);
- **in progress**: started, not completed; **not started**: the rest;
- **days to complete**: from the enrolment (its approval, else its request) to completion;
- **progress**: the share of the course's required lessons completed (1 once completed).

The ORM does the counting per course (a grouped query each); the pure functions below
(``summarise``, ``retention_curve``, ``week_starts``) do the rest and are tested on their own.
"""

from __future__ import annotations

import bisect
import statistics
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import NamedTuple

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Value,
    When,
)
from django.db.models.functions import TruncDate
from django.utils import timezone

from courses.models import CoursePage, Enrolment, LessonProgress
from courses.progress import counts_video, course_lessons, lesson_state, required_lessons

from .models import PageViewDay

# A member's progress rows for the report are fetched in batches of this many members: a
# page of the report is one batch, an export streams batch after batch.
BATCH = 500


@dataclass
class EnrolmentFact:
    """What the summaries need to know about one active enrolment."""

    enrolment_id: int
    user_id: int
    course_id: int
    enrolled_at: datetime
    completed_at: datetime | None
    done: int  # required lessons completed
    required: int
    started: bool
    last_activity: datetime | None = None

    @property
    def progress(self) -> float:
        if self.completed_at is not None:
            return 1.0
        return min(1.0, self.done / self.required) if self.required else 0.0


@dataclass
class Summary:
    """Counts and rates for a set of enrolments (a course, a group, …)."""

    enrolled: int = 0
    not_started: int = 0
    in_progress: int = 0
    completed: int = 0
    completion_rate: float | None = None  # 0–1; None when nobody is enrolled
    median_days: float | None = None  # None when nobody completed
    mean_progress: float | None = None  # 0–1

    @property
    def completion_percent(self) -> int | None:
        return None if self.completion_rate is None else round(self.completion_rate * 100)

    @property
    def progress_percent(self) -> int | None:
        return None if self.mean_progress is None else round(self.mean_progress * 100)


def summarise(facts: Iterable[EnrolmentFact]) -> Summary:
    """Counts, completion rate, median days to complete and mean progress of ``facts``."""
    facts = list(facts)
    summary = Summary(enrolled=len(facts))
    days = []
    for fact in facts:
        if fact.completed_at is not None:
            summary.completed += 1
            days.append((fact.completed_at - fact.enrolled_at).total_seconds() / 86400)
        elif fact.started:
            summary.in_progress += 1
        else:
            summary.not_started += 1
    if facts:
        summary.completion_rate = summary.completed / len(facts)
        summary.mean_progress = sum(fact.progress for fact in facts) / len(facts)
    if days:
        summary.median_days = round(statistics.median(days), 1)
    return summary


def active(enrolments):
    """Members now in the course (a completed member stays active)."""
    return enrolments.filter(status=Enrolment.Status.ACTIVE)


def members_progress(courses, enrolments):
    """The progress rows in the lessons of ``courses`` of members whose enrolment in that
    lesson's course is active, among ``enrolments``: one query, however many courses.

    A member who left a course keeps their progress rows, and may still be active in another
    course of the report: matching on the member alone would count the lessons of the course
    they left."""
    lessons = {course.pk: [lesson.pk for lesson in course_lessons(course)] for course in courses}
    lesson_ids = [pk for ids in lessons.values() for pk in ids]
    if not lesson_ids:
        return LessonProgress.objects.none()
    # Which course each row's lesson is in, so the member is matched with that course.
    lesson_course = Case(
        *[When(page_id__in=ids, then=Value(pk)) for pk, ids in lessons.items() if ids],
        output_field=IntegerField(),
    )
    member = active(enrolments).filter(
        user_id=OuterRef("user_id"), course_id=OuterRef("lesson_course")
    )
    return (
        LessonProgress.objects.filter(page_id__in=lesson_ids)
        .annotate(lesson_course=lesson_course)
        .filter(Exists(member))
    )


def enrolment_facts(enrolments) -> list[EnrolmentFact]:
    """One fact per active enrolment in ``enrolments`` (a queryset): two queries per course."""
    enrolments = active(enrolments)
    facts: list[EnrolmentFact] = []
    course_ids = set(enrolments.values_list("course_id", flat=True).distinct())
    for course in CoursePage.objects.filter(pk__in=course_ids):
        lessons = course_lessons(course)
        required = {lesson.pk for lesson in required_lessons(lessons)}
        in_course = enrolments.filter(course_id=course.pk)
        per_user = {
            row["user_id"]: row
            for row in LessonProgress.objects.filter(
                page_id__in=[lesson.pk for lesson in lessons],
                user_id__in=in_course.values("user_id"),
            )
            .values("user_id")
            .annotate(
                done=Count("pk", filter=Q(page_id__in=required, completed_at__isnull=False)),
                last=Max("last_report_at"),
            )
        }
        for pk, user_id, created, decided, completed in in_course.values_list(
            "pk", "user_id", "created_at", "decided_at", "completed_at"
        ):
            row = per_user.get(user_id)
            facts.append(
                EnrolmentFact(
                    enrolment_id=pk,
                    user_id=user_id,
                    course_id=course.pk,
                    enrolled_at=decided or created,
                    completed_at=completed,
                    done=row["done"] if row else 0,
                    required=len(required),
                    started=row is not None,
                    last_activity=row["last"] if row else None,
                )
            )
    return facts


# The course progress report: members × lessons ------------------------------------------


@dataclass
class LessonCell:
    """One member's state in one lesson, as the report shows it."""

    state: str  # not_started | in_progress | done
    percent: int  # of what completes the lesson
    video_percent: int | None  # of the video watched; None for lessons without a video


@dataclass
class MemberProgress:
    """A row of the course progress report."""

    enrolment: Enrolment
    groups: str
    cells: dict[int, LessonCell]
    done: int
    required: int
    last_activity: datetime | None

    @property
    def user(self):
        return self.enrolment.user

    @property
    def percent(self) -> int:
        if self.enrolment.completed_at is not None:
            return 100
        return round(100 * self.done / self.required) if self.required else 0


NOT_STARTED = LessonCell("not_started", 0, None)


def has_video(lesson) -> bool:
    """Whether the lesson is a lecture with a video (its report has a "video watched" column)."""
    return getattr(lesson, "video_id", None) is not None


class ProgressRow(NamedTuple):
    """The fields of LessonProgress that decide a lesson's state, without a model instance
    (building 500,000 model instances was most of an export's time)."""

    user_id: int
    page_id: int
    video_coverage: float
    slides_coverage: float
    reading_seconds: float
    reached_end: bool
    completed_at: bool  # only whether it is set: lesson_state asks no more


def member_progress(course, enrolments: list[Enrolment], groups_of: dict) -> list[MemberProgress]:
    """Report rows for a batch of the course's enrolments: two queries for their progress."""
    lessons = course_lessons(course)
    by_id = {lesson.pk: lesson for lesson in lessons}
    required = {lesson.pk for lesson in required_lessons(lessons)}
    user_ids = [e.user_id for e in enrolments]
    rows: dict[int, dict[int, ProgressRow]] = defaultdict(dict)
    progress = (
        LessonProgress.objects.filter(page_id__in=list(by_id), user_id__in=user_ids)
        .annotate(done=ExpressionWrapper(Q(completed_at__isnull=False), BooleanField()))
        .values_list(
            "user_id",
            "page_id",
            "video_coverage",
            "slides_coverage",
            "reading_seconds",
            "reached_end",
            "done",
        )
    )
    for values in progress:
        row = ProgressRow(*values)
        rows[row.user_id][row.page_id] = row
    last_activity = dict(
        LessonProgress.objects.filter(page_id__in=list(by_id), user_id__in=user_ids)
        .values("user_id")
        .annotate(last=Max("last_report_at"))
        .values_list("user_id", "last")
    )
    result = []
    for enrolment in enrolments:
        mine = rows.get(enrolment.user_id, {})
        cells = {}
        for pk, row in mine.items():
            lesson = by_id[pk]
            state = lesson_state(row, lesson)
            cells[pk] = LessonCell(
                state["state"],
                state["percent"],
                int(row.video_coverage * 100) if has_video(lesson) else None,
            )
        result.append(
            MemberProgress(
                enrolment=enrolment,
                groups=", ".join(groups_of.get(enrolment.user_id, ())),
                cells=cells,
                done=sum(1 for pk, row in mine.items() if pk in required and row.completed_at),
                required=len(required),
                last_activity=last_activity.get(enrolment.user_id),
            )
        )
    return result


def group_names(user_ids, groups) -> dict[int, list[str]]:
    """``{user id: [group names]}`` for the given users, among ``groups`` (one query)."""
    from django.contrib.auth import get_user_model

    through = get_user_model().groups.through
    names: dict[int, list[str]] = defaultdict(list)
    for user_id, name in (
        through.objects.filter(user_id__in=list(user_ids), group__in=groups)
        .order_by("group__name")
        .values_list("user_id", "group__name")
    ):
        names[user_id].append(name)
    return names


def batched(iterable: Iterable, size: int) -> Iterator[list]:
    """Lists of ``size`` items from ``iterable`` (itertools.batched is Python 3.12)."""
    batch = []
    for item in iterable:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def stream_member_progress(course, enrolments, groups) -> Iterator[MemberProgress]:
    """Every row of the report, fetched and built ``BATCH`` members at a time, so an export
    of any size holds one batch in memory."""
    for batch in batched(enrolments.select_related("user").iterator(chunk_size=BATCH), BATCH):
        names = group_names([e.user_id for e in batch], groups)
        yield from member_progress(course, batch, names)


# Lesson drop-off and the completion funnel ----------------------------------------------


@dataclass
class LessonFunnel:
    """How far members got in one lesson of a course."""

    position: int
    lesson: object
    started: int = 0
    completed: int = 0
    stopped_here: int = 0  # started the course, not completed, first unfinished lesson is this
    enrolled: int = 0

    @property
    def optional(self) -> bool:
        return self.lesson.optional

    @property
    def completed_percent(self) -> int | None:
        return round(100 * self.completed / self.enrolled) if self.enrolled else None

    @property
    def has_video(self) -> bool:
        return counts_video(self.lesson) or has_video(self.lesson)


@dataclass
class DropOff:
    """A course's lessons in order with their funnel figures, and the course totals."""

    lessons: list[LessonFunnel] = field(default_factory=list)
    enrolled: int = 0
    started: int = 0
    completed: int = 0


def drop_off(course, enrolments) -> DropOff:
    """Where the members of ``course`` among ``enrolments`` stop.

    A member who started but has not completed the course stops at the first required lesson
    (in course order) they have not completed; members who never started are counted apart.
    Two grouped queries plus one list of (member, completed lesson) pairs.
    """
    enrolments = active(enrolments).filter(course_id=course.pk)
    lessons = course_lessons(course)
    required = [lesson.pk for lesson in required_lessons(lessons)]
    users = enrolments.values("user_id")
    result = DropOff(enrolled=enrolments.count())
    result.completed = enrolments.filter(completed_at__isnull=False).count()
    rows = LessonProgress.objects.filter(page_id__in=[lesson.pk for lesson in lessons])
    rows = rows.filter(user_id__in=users)
    counts = {
        row["page_id"]: row
        for row in rows.values("page_id").annotate(
            started=Count("pk"), completed=Count("pk", filter=Q(completed_at__isnull=False))
        )
    }
    started_users = set(rows.values_list("user_id", flat=True).distinct())
    result.started = len(started_users)
    done: dict[int, set[int]] = defaultdict(set)
    for user_id, page_id in rows.filter(
        completed_at__isnull=False, page_id__in=required
    ).values_list("user_id", "page_id"):
        done[user_id].add(page_id)
    completed_users = set(
        enrolments.filter(completed_at__isnull=False).values_list("user_id", flat=True)
    )
    stops: dict[int, int] = defaultdict(int)
    for user_id in started_users - completed_users:
        mine = done.get(user_id, set())
        stop = next((pk for pk in required if pk not in mine), None)
        if stop is not None:
            stops[stop] += 1
    for position, lesson in enumerate(lessons, start=1):
        count = counts.get(lesson.pk, {})
        result.lessons.append(
            LessonFunnel(
                position=position,
                lesson=lesson,
                started=count.get("started", 0),
                completed=count.get("completed", 0),
                stopped_here=stops.get(lesson.pk, 0),
                enrolled=result.enrolled,
            )
        )
    return result


# Video audience retention -----------------------------------------------------------------


def retention_curve(
    watched: Iterable[list], duration: float, population: int, buckets: int = 100
) -> list[float]:
    """The share (0–1) of ``population`` members who watched each part of a video.

    ``watched`` holds each member's merged ``[[start, end], …]`` seconds (LessonProgress
    keeps them merged, so one member counts once at any moment). The video is cut into
    ``buckets`` equal parts, and a part counts as watched by a member whose segments cover
    its middle. A sweep over the sorted segment ends: O((segments + buckets) log segments).
    """
    if duration <= 0 or population <= 0 or buckets <= 0:
        return [0.0] * max(buckets, 0)
    starts, ends = [], []
    for segments in watched:
        for pair in segments or ():
            start, end = float(pair[0]), float(pair[1])
            if end > start:
                starts.append(start)
                ends.append(end)
    starts.sort()
    ends.sort()
    step = duration / buckets
    curve = []
    for i in range(buckets):
        middle = (i + 0.5) * step
        # Segments that started at or before the middle and have not ended by it.
        watching = bisect.bisect_right(starts, middle) - bisect.bisect_right(ends, middle)
        curve.append(min(1.0, watching / population))
    return curve


def lecture_retention(lecture, enrolments, buckets: int = 100) -> tuple[list[float], int]:
    """``(curve, members)`` for a lecture's video over the course's active members among
    ``enrolments``."""
    course = lecture.course
    members = active(enrolments).filter(course_id=course.pk)
    population = members.count()
    video = lecture.video
    watched = LessonProgress.objects.filter(
        page_id=lecture.pk, user_id__in=members.values("user_id")
    ).values_list("watched", flat=True)
    return retention_curve(watched.iterator(), video.duration or 0, population, buckets), population


# Activity over time -----------------------------------------------------------------------


def week_starts(start: date, end: date) -> list[date]:
    """The Mondays of the weeks from ``start`` to ``end`` (both included)."""
    first = start - timedelta(days=start.weekday())
    weeks = []
    while first <= end:
        weeks.append(first)
        first += timedelta(days=7)
    return weeks


def _per_week(day_counts: Iterable[tuple[date, int]], weeks: list[date]) -> list[int]:
    totals = dict.fromkeys(weeks, 0)
    for day, count in day_counts:
        if day is None:
            continue
        monday = day - timedelta(days=day.weekday())
        if monday in totals:
            totals[monday] += count
    return [totals[week] for week in weeks]


@dataclass
class Activity:
    """Weekly series for the activity chart: ``{series name: [count per week]}``."""

    weeks: list[date]
    series: dict[str, list[int]]


def activity(courses, enrolments, start: date, end: date, *, with_views: bool = True) -> Activity:
    """New enrolments, lessons completed and lesson page views per week, for ``courses``;
    enrolments and completions only by the members in ``enrolments``, and, like every other
    count here, only those whose enrolment in the course is active (``members_progress``):
    a member who left is no longer counted, for the weeks before they left either.

    New enrolments are active ones, by the day they were made (``created_at``, the field the
    reports' "Enrolled" filter reads): the members the summary's "Enrolled" column counts,
    so over the filter's dates the chart adds up to the table. Requests still waiting,
    declined ones and members who left are not enrolments."""
    weeks = week_starts(start, end)
    tz = timezone.get_current_timezone()
    since = timezone.make_aware(datetime.combine(weeks[0], datetime.min.time()), tz)
    until = timezone.make_aware(datetime.combine(end + timedelta(days=1), datetime.min.time()), tz)
    lesson_ids = [lesson.pk for course in courses for lesson in course_lessons(course)]
    new = (
        active(enrolments)
        .filter(created_at__gte=since, created_at__lt=until)
        .annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
    )
    completed = (
        members_progress(courses, enrolments)
        .filter(completed_at__gte=since, completed_at__lt=until)
        .annotate(day=TruncDate("completed_at"))
        .values("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
    )
    series = {"enrolments": _per_week(new, weeks), "completed": _per_week(completed, weeks)}
    if with_views:
        views = PageViewDay.objects.filter(
            page_id__in=lesson_ids, day__gte=weeks[0], day__lte=end
        ).values_list("day", "views")
        series["views"] = _per_week(views.iterator(), weeks)
    return Activity(weeks=weeks, series=series)
