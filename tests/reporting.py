"""A course with known answers for the report tests: six members in two groups at fixed
points of a four-lesson course (one lesson optional, one with a 100-second video).

    lesson:        A1        L2 (video)          A3 (optional)  A4
    m1 North       done      done [0,100]        done           done    completed after 4 days
    m2 North       done      done [0,60]+[70,100] —             done    completed after 10 days
    m3 North+South done      50% [0,50]          —              —       stops at L2
    m4 South       done      —                   —              —       stops at L2
    m5 South       —         —                   —              —       not started
    m6 (no group)  reading   —                   —              —       stops at A1
    m7 North       withdrawn, with progress: counted nowhere
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from courses.models import (
    ArticlePage,
    Certificate,
    CourseIndexPage,
    CoursePage,
    Enrolment,
    LecturePage,
    LectureVideo,
    LessonProgress,
)
from courses.roles import MEMBERS, TRAINERS

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday


@dataclass
class Fixture:
    course: CoursePage
    other: CoursePage
    lessons: dict
    members: dict
    groups: dict
    trainer: object
    other_trainer: object


def publish(parent, page):
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


def user(username, *groups, first="", last=""):
    person = get_user_model().objects.create_user(
        username, f"{username}@example.com", "pw", first_name=first, last_name=last
    )
    person.groups.add(Group.objects.get(name=MEMBERS), *groups)
    return person


def build(demo) -> Fixture:
    catalogue = CourseIndexPage.objects.first()
    north = Group.objects.create(name="North branch")
    south = Group.objects.create(name="South branch")
    trainer = demo["users"]["trainer"]
    other_trainer = user("trainer2", Group.objects.get(name=TRAINERS), first="Olga", last="Other")

    course = CoursePage(title="Known answers", slug="known-answers", summary="For the reports.")
    catalogue.add_child(instance=course)
    course.trainers.set([trainer])
    course.save_revision().publish()
    other = CoursePage(title="Someone else's course", slug="other-course", summary="Not yours.")
    catalogue.add_child(instance=other)
    other.trainers.set([other_trainer])
    other.save_revision().publish()

    video = LectureVideo.objects.create(
        title="Known video", file="videos/known.mp4", duration=100, status="ready"
    )
    lessons = {
        "A1": publish(course, ArticlePage(title="A1 Basics", slug="a1")),
        "L2": publish(course, LecturePage(title="L2 The talk", slug="l2", video=video)),
        "A3": publish(course, ArticlePage(title="A3 Extra", slug="a3", optional=True)),
        "A4": publish(course, ArticlePage(title="A4 Wrap-up", slug="a4")),
    }
    publish(other, ArticlePage(title="Other lesson", slug="other-lesson"))

    members = {
        "m1": user("m1", north, first="Ann", last="One"),
        "m2": user("m2", north, first="Bob", last="Two"),
        "m3": user("m3", north, south, first="Cat", last="Three"),
        "m4": user("m4", south, first="Dan", last="Four"),
        "m5": user("m5", south, first="Eve", last="Five"),
        "m6": user("m6", first="Fay", last="Six"),
        "m7": user("m7", north, first="Gus", last="Seven"),
        "o1": user("o1", north, first="Oscar", last="Outsider"),
    }
    starts = {"m5": T0 + timedelta(days=20), "m6": T0 + timedelta(days=20)}
    completed = {"m1": T0 + timedelta(days=4), "m2": T0 + timedelta(days=10)}
    for name in ["m1", "m2", "m3", "m4", "m5", "m6"]:
        start = starts.get(name, T0)
        Enrolment.objects.create(
            user=members[name],
            course=course,
            created_at=start,
            decided_at=start,
            completed_at=completed.get(name),
        )
    Enrolment.objects.create(
        user=members["m7"], course=course, created_at=T0, status=Enrolment.Status.WITHDRAWN
    )
    Enrolment.objects.create(user=members["o1"], course=other, created_at=T0)

    def progress(name, lesson, done_day=None, **fields):
        at = T0 + timedelta(days=done_day if done_day is not None else 1)
        LessonProgress.objects.create(
            user=members[name],
            page=lessons[lesson],
            completed_at=at if done_day is not None else None,
            last_report_at=at,
            **fields,
        )

    full = {"watched": [[0, 100]], "watched_seconds": 100, "video_coverage": 1.0}
    progress("m1", "A1", 1, marked_done=True)
    progress("m1", "L2", 2, **full)
    progress("m1", "A3", 3, marked_done=True)
    progress("m1", "A4", 4, marked_done=True)
    progress("m2", "A1", 2, marked_done=True)
    progress(
        "m2",
        "L2",
        5,
        watched=[[0, 60], [70, 100]],
        watched_seconds=90,
        video_coverage=0.9,
    )
    progress("m2", "A4", 10, marked_done=True)
    progress("m3", "A1", 3, marked_done=True)
    progress("m3", "L2", watched=[[0, 50]], watched_seconds=50, video_coverage=0.5)
    progress("m4", "A1", 6, marked_done=True)
    progress("m6", "A1", reading_seconds=5)
    progress("m7", "A1", 1, marked_done=True)
    progress("m7", "L2", watched=[[0, 100]], watched_seconds=100, video_coverage=1.0)

    for name in ["m1", "m2"]:
        enrolment = Enrolment.objects.get(user=members[name], course=course)
        Certificate.objects.create(
            enrolment=enrolment,
            member_name=enrolment.user.get_full_name(),
            course_title=course.title,
            trainer_names="Tom Trainer",
            issued_at=completed[name],
        )
    return Fixture(
        course=course,
        other=other,
        lessons=lessons,
        members=members,
        groups={"north": north, "south": south},
        trainer=trainer,
        other_trainer=other_trainer,
    )
