"""Course, lesson and My learning pages cost a number of database queries that does not grow
with the number of lessons (or of a member's courses).

Each page is rendered for a small and a big course built the same way, and the two counts must
be equal; a failure prints both lists of queries, so the one repeated per lesson stands out.
"""

import itertools
import json
import re

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from courses.models import (
    ArticlePage,
    CoursePage,
    CourseSectionPage,
    Enrolment,
    LecturePage,
    LessonProgress,
    SlideTiming,
    VideoPosition,
)
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

# Lesson kinds in course order; the first three are the pages measured below.
KINDS = ["deck", "video", "article", "both"]
SECTION_SIZE = 4
ROLES = ["visitor", "member", "trainer"]
PAGES = ["course", "deck lecture", "video lecture", "slide", "article"]

_serial = itertools.count()


def add(parent, page):
    parent.add_child(instance=page)
    return page


def build_course(demo, lessons: int, sequential: bool = False) -> dict:
    """A course taught by the demo trainer: one lesson at its top, then sections of four;
    lectures with the demo deck, with the demo video, with both (slides timed), and articles.
    The first video lecture is a free preview, so visitors see an open lesson too."""
    n = next(_serial)
    course = add(
        demo["catalogue"],
        CoursePage(
            title=f"Course {n}",
            slug=f"query-course-{n}",
            summary="For counting.",
            sequential=sequential,
        ),
    )
    course.trainers.set([demo["users"]["trainer"]])
    course.tags.add("query-counts")
    course.save()
    parent, made = course, []
    for i in range(lessons):
        if i % SECTION_SIZE == 1:
            parent = add(course, CourseSectionPage(title=f"Part {i}", slug=f"part-{i}"))
        kind = KINDS[i % len(KINDS)]
        slug = f"lesson-{i}"
        if kind == "article":
            page = ArticlePage(
                title=f"Article {i}",
                slug=slug,
                summary="A summary.",
                body=json.dumps([{"type": "paragraph", "value": "<p>Words, 一些字。</p>"}]),
            )
        else:
            page = LecturePage(
                title=f"Lecture {i}",
                slug=slug,
                intro="An introduction.",
                deck=demo["deck"] if kind in ("deck", "both") else None,
                video=demo["video_lecture"].video if kind == "both" else None,
                preview=i == 1,
            )
            if kind == "video":
                page.video = demo["video"]
        made.append(add(parent, page))
        if kind == "both":
            SlideTiming.objects.bulk_create(
                SlideTiming(lecture=page, slide_number=number, start=3.0 * (number - 1))
                for number in range(1, 4)
            )
    return {"course": course, "lessons": made}


def enrol_with_progress(user, built: dict) -> None:
    """An active enrolment, one lesson done and the next one started (where there is one)."""
    Enrolment.objects.create(user=user, course=built["course"], source=Enrolment.Source.ADMIN)
    lessons = built["lessons"]
    LessonProgress.objects.create(user=user, page=lessons[0], completed_at=timezone.now())
    if len(lessons) > 1:
        LessonProgress.objects.create(user=user, page=lessons[1], video_coverage=0.3)


def page_urls(built: dict) -> dict[str, str]:
    deck, video, article = built["lessons"][:3]
    return {
        "course": built["course"].url,
        "deck lecture": deck.url,
        "video lecture": video.url,
        "slide": deck.url + "slides/2/",
        "article": article.url,
    }


def count_queries(client: Client, url: str) -> tuple[int, list[str]]:
    """Queries of one request with cold caches (so the order of the requests cannot matter)."""
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code in (200, 403), f"{url}: {response.status_code}"
    return len(captured), [query["sql"] for query in captured.captured_queries]


COLUMN_LIST = re.compile(r"^SELECT .*? FROM ")


def brief(sql: str) -> str:
    """A query without its column list, which says nothing here and hides the tables."""
    return COLUMN_LIST.sub("SELECT … FROM ", sql)


def explain(small: list[str], big: list[str]) -> str:
    listing = "\n".join(f"  {i}. {brief(sql)}" for i, sql in enumerate(big, 1))
    return f"{len(small)} queries for the small one, {len(big)} for the big one:\n{listing}"


@pytest.fixture(params=[False, True], ids=["any order", "in order"])
def courses(request, demo):
    """A small and a big course; taken in order, the member's article waits for lesson 2."""
    small, big = (build_course(demo, size, sequential=request.param) for size in (3, 12))
    for built in (small, big):
        enrol_with_progress(demo["users"]["member"], built)
    return small, big


@pytest.mark.parametrize("role", ROLES)
def test_course_and_lesson_pages_cost_the_same_for_3_and_12_lessons(demo, courses, role):
    client = client_for(role, demo)
    small, big = (page_urls(built) for built in courses)
    client.get(small["course"])  # Wagtail makes a trainer's user profile on their first page
    counts = {}
    for page in PAGES:
        small_count, small_sql = count_queries(client, small[page])
        big_count, big_sql = count_queries(client, big[page])
        assert big_count == small_count, f"{page} as {role}: {explain(small_sql, big_sql)}"
        counts[page] = small_count
    print(role, counts)  # noqa: T201 - shown with -s, for the record of absolute counts


def learner_with(demo, courses: int) -> Client:
    """A member enrolled in ``courses`` courses of growing size, every other one taken in
    order, with progress in each (the first one completed, the video lecture where they
    stopped at 6 s of its 12), and a request pending."""
    user = User.objects.create_user(f"learner-{next(_serial)}", password="pw-12345678")
    for i in range(courses):
        built = build_course(demo, 3 + 2 * i, sequential=i % 2 == 1)
        enrol_with_progress(user, built)
        if i == 0:
            Enrolment.objects.filter(user=user, course=built["course"]).update(
                completed_at=timezone.now()
            )
    pending = build_course(demo, 3)["course"]
    Enrolment.objects.create(user=user, course=pending, status=Enrolment.Status.PENDING)
    VideoPosition.objects.create(user=user, video=demo["video"], position=6)
    client = Client()
    client.force_login(user)
    return client


def test_my_learning_costs_the_same_for_2_and_6_courses(demo):
    small, big = learner_with(demo, 2), learner_with(demo, 6)
    small_count, small_sql = count_queries(small, "/learning/")
    big_count, big_sql = count_queries(big, "/learning/")
    assert big_count == small_count, f"My learning: {explain(small_sql, big_sql)}"
    html = big.get("/learning/").content.decode()
    # Five courses in progress, each resumed at the video lecture where the member stopped.
    assert html.count("/lesson-1/#t=6") == 5
    assert "1 of 13 lessons done" in html and "1 of 5 lessons done" in html
    print("my learning", small_count)  # noqa: T201
