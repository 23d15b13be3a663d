"""What progress reports keep in memory with a shared cache (courses/lesson_rules.py) never
outlives a change: a member who left cannot report, an unpublished lesson is refused, and
newly published rules or a re-converted deck count from the next report. Also the Redis
round trip that carries the throttle count and the versions (elearn/cache.py)."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from courses import lesson_rules
from courses.models import Enrolment, LecturePage, LessonProgress, SlideDeck
from elearn import cache as shared_cache

from .conftest import REDIS_URL

pytestmark = pytest.mark.django_db


@pytest.fixture
def lecture(demo):
    return LecturePage.objects.get(pk=demo["video_lecture"].pk)  # 39 s video and the deck


def post(client, lesson, body):
    return client.post(f"/progress/{lesson.pk}/", json.dumps(body), content_type="application/json")


def test_a_kept_lesson_and_enrolment_spare_their_queries(shared, member_client, lecture):
    assert post(member_client, lecture, {"slides": [1]}).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert post(member_client, lecture, {"slides": [2]}).status_code == 200
    sql = " ".join(query["sql"] for query in queries.captured_queries)
    assert "wagtailcore_page" not in sql and "courses_enrolment" not in sql
    assert "courses_slide" not in sql


def test_a_member_who_left_cannot_report(
    shared, member_client, demo, lecture, django_capture_on_commit_callbacks
):
    assert post(member_client, lecture, {"slides": [1]}).status_code == 200
    assert post(member_client, lecture, {"slides": [2]}).status_code == 200  # remembered
    enrolment = Enrolment.objects.get(user=demo["users"]["member"], course=lecture.course)
    with django_capture_on_commit_callbacks(execute=True):
        enrolment.status = Enrolment.Status.WITHDRAWN
        enrolment.save()
    answer = post(member_client, lecture, {"slides": [3]})
    assert answer.status_code == 403
    assert LessonProgress.objects.get(page=lecture).slides_seen == [1, 2]


def test_a_report_racing_a_withdrawal_cannot_remember_the_member(shared, demo, lecture):
    member = demo["users"]["member"]
    # The withdrawal is saved (not yet committed) while a report still sees the old state.
    lesson_rules.enrolment_changed(member.pk, lecture.course.pk)
    lesson_rules.remember_enrolled(member, lecture.course)
    from django.core.cache import cache

    assert cache.get(lesson_rules.enrolled_key(member.pk, lecture.course.pk)) == 0


def test_an_unpublished_lesson_is_refused(
    shared, member_client, lecture, django_capture_on_commit_callbacks
):
    assert post(member_client, lecture, {"slides": [1]}).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        lecture.unpublish()
    assert post(member_client, lecture, {"slides": [2]}).status_code == 404


def test_published_rules_count_from_the_next_report(
    shared, member_client, lecture, django_capture_on_commit_callbacks
):
    assert lecture.completion_rule != LecturePage.CompletionRule.SLIDES
    assert post(member_client, lecture, {"slides": [1]}).json()["complete"] is False
    with django_capture_on_commit_callbacks(execute=True):
        lecture.completion_rule = LecturePage.CompletionRule.SLIDES
        lecture.completion_threshold = 1
        lecture.save_revision().publish()
    assert post(member_client, lecture, {"slides": [2]}).json()["complete"] is True


def test_a_reconverted_deck_counts_its_new_slides(
    shared, member_client, lecture, django_capture_on_commit_callbacks
):
    visible = sorted(lesson_rules.visible_slides(lecture))
    answer = post(member_client, lecture, {"slides": [visible[-1]]}).json()
    assert answer["slides_seen"] == [visible[-1]]
    deck = SlideDeck.objects.get(pk=lecture.deck_id)
    with django_capture_on_commit_callbacks(execute=True):
        deck.slides.filter(number=visible[0]).delete()  # in bulk: no signal
        deck.mark(SlideDeck.Status.READY)
    answer = post(member_client, lecture, {"slides": [visible[0]]}).json()
    assert answer["slides_seen"] == [visible[-1]]  # that slide is gone
    stored = LessonProgress.objects.get(page=lecture)
    assert stored.slides_coverage == pytest.approx(1 / (len(visible) - 1))


def test_without_a_shared_cache_nothing_is_kept(settings, member_client, lecture):
    settings.ELEARN_CACHE_SHARED = False
    lesson_rules._kept.clear()
    assert post(member_client, lecture, {"slides": [1]}).status_code == 200
    assert lesson_rules._kept == {}


@pytest.fixture
def redis_cache(redis_db, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "elearn.cache.KeptClientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "lesson-rules-test",
        }
    }
    return redis_db


def test_one_redis_round_trip_counts_and_reads(redis_cache):
    from django.core.cache import cache

    cache.set("some-version", 7, timeout=None)
    assert shared_cache.count_and_read("counter", 60, ["some-version", "missing"]) == (
        1,
        [7, None],
    )
    assert shared_cache.count_and_read("counter", 60, []) == (2, [])
    assert cache.get("counter") == 2  # Django's cache reads what the pipeline wrote
    assert 0 < redis_cache.ttl(cache.make_key("counter")) <= 60
    shared_cache.bump("some-version")
    assert cache.get("some-version") == 8


def test_reports_through_redis(redis_cache, shared, member_client, lecture, settings):
    settings.ELEARN_PROGRESS_REPORTS_PER_MINUTE = 3
    codes = [post(member_client, lecture, {"slides": [1]}).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
