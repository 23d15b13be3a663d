"""The progress API as the player and viewers use it: honest video coverage (no credit for
seeking, 2× counts media seconds, over-claims clipped), slides seen, articles read, lesson
completion by each lecture's rule, bad payloads, login, CSRF, throttling and racing reports."""

import json
import re
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from courses.models import ArticlePage, LecturePage, LessonProgress, VideoPosition
from courses.progress import record

from .learning import complete_lesson

pytestmark = pytest.mark.django_db


def post(client, lesson, body):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(f"/progress/{lesson.pk}/", data, content_type="application/json")


def later(progress, seconds):
    """Move the member's last report back in time: as if ``seconds`` passed since."""
    LessonProgress.objects.filter(pk=progress.pk).update(
        last_report_at=timezone.now() - timedelta(seconds=seconds)
    )


def at_once(report, starts) -> list[Exception]:
    """Run ``report(start)`` for each start in threads of their own, released together, each
    with its own database connection; returns what they raised."""
    together = threading.Barrier(len(starts))
    errors = []

    def run(start):
        try:
            together.wait()
            report(start)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(start,)) for start in starts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@pytest.fixture
def video_lecture(demo):
    return LecturePage.objects.get(pk=demo["video_lecture"].pk)  # 39 s video and the deck


def test_watching_the_whole_video_completes_the_lecture(member_client, video_lecture):
    duration = video_lecture.video.duration
    answer = post(member_client, video_lecture, {"segments": [[0, 10]]}).json()
    assert answer["state"] == "in_progress" and answer["complete"] is False
    progress = LessonProgress.objects.get(page=video_lecture)
    for start in range(10, int(duration), 10):
        later(progress, 10)
        answer = post(member_client, video_lecture, {"segments": [[start, start + 10]]}).json()
    assert answer["complete"] is True and answer["state"] == "done"
    assert LessonProgress.objects.get(pk=progress.pk).completed_at is not None


def test_seeking_to_the_end_does_not_complete(member_client, video_lecture):
    duration = video_lecture.video.duration
    answer = post(member_client, video_lecture, {"segments": [[0, 2], [duration - 2, duration]]})
    assert answer.json()["complete"] is False
    assert answer.json()["video_coverage"] == pytest.approx(4 / duration, abs=0.01)


def test_claiming_more_than_the_clock_allows_is_clipped(member_client, video_lecture):
    post(member_client, video_lecture, {"segments": [[0, 1]]})
    progress = LessonProgress.objects.get(page=video_lecture)
    later(progress, 5)  # 5 s later at most 10 media seconds (2×) plus slack can be new
    answer = post(member_client, video_lecture, {"segments": [[1, 39]]}).json()
    progress.refresh_from_db()
    assert progress.watched_seconds <= 1 + 5 * 2 + 5 + 0.5  # the request itself takes a moment
    assert answer["complete"] is False


def test_two_times_speed_counts_media_seconds(member_client, video_lecture):
    post(member_client, video_lecture, {"segments": [[0, 1]]})
    progress = LessonProgress.objects.get(page=video_lecture)
    later(progress, 10)  # 10 wall seconds at 2×: 20 media seconds, all credited
    post(member_client, video_lecture, {"segments": [[1, 21]]})
    progress.refresh_from_db()
    assert progress.watched_seconds == pytest.approx(21)


def test_reports_are_idempotent(member_client, video_lecture):
    for _ in range(3):
        post(member_client, video_lecture, {"segments": [[0, 8]], "slides": [1, 2]})
    progress = LessonProgress.objects.get(page=video_lecture)
    assert progress.watched == [[0, 8]] and progress.slides_seen == [1, 2]


def test_slides_seen_complete_a_deck_lecture(member_client, demo):
    lecture = LecturePage.objects.get(pk=demo["slides_lecture"].pk)  # deck only
    visible = list(lecture.deck.slides.filter(hidden=False).values_list("number", flat=True))
    hidden = lecture.deck.slides.filter(hidden=True).first().number
    answer = post(member_client, lecture, {"slides": [*visible[:-2], hidden, 999]}).json()
    assert answer["complete"] is False  # 11 of 13 is below 90%; hidden and unknown ignored
    assert hidden not in answer["slides_seen"] and 999 not in answer["slides_seen"]
    assert post(member_client, lecture, {"slides": visible}).json()["complete"] is True


def test_lecture_rule_both_needs_video_and_slides(member_client, video_lecture):
    video_lecture.completion_rule = LecturePage.CompletionRule.BOTH
    video_lecture.save_revision().publish()
    lecture = LecturePage.objects.get(pk=video_lecture.pk)
    visible = list(lecture.deck.slides.filter(hidden=False).values_list("number", flat=True))
    user = LessonProgress.objects.model._meta.get_field("user").related_model.objects.get(
        username="member"
    )
    progress = record(user, lecture, {"slides": visible})
    assert progress.completed_at is None
    later(progress, 60)
    progress = record(user, lecture, {"segments": [[0, lecture.video.duration]]})
    assert progress.completed_at is not None


def test_article_is_read_at_its_end_after_enough_time_or_marked(member_client, demo):
    article = ArticlePage.objects.get(slug="records-management")
    answer = post(member_client, article, {"reached_end": True, "reading_seconds": 1}).json()
    assert answer["complete"] is False  # scrolled to the end at once: not read
    progress = LessonProgress.objects.get(page=article)
    later(progress, 40)
    assert post(member_client, article, {"reading_seconds": 40}).json()["complete"] is True
    other = ArticlePage.objects.get(slug="what-is-e-government")
    assert post(member_client, other, {"done": True}).json()["complete"] is True


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "[1, 2]",
        {"segments": "0-10"},
        {"segments": [[10, 5]]},
        {"slides": ["1"]},
        {"reading_seconds": -5},
        '{"reading_seconds": NaN}',
        '{"segments": [[0, Infinity]]}',
        {"segments": [[0, 5]], "position": "5"},
        {"segments": [[0, 5]], "position": -1},
        b"\xff\xfe",
        # Numbers no float holds: 400 digits overflow float(), 5000 are past int()'s limit.
        '{"reading_seconds": ' + "9" * 400 + "}",
        '{"segments": [[0, 5]], "position": ' + "9" * 400 + "}",
        '{"segments": [[0, ' + "9" * 400 + "]]}",
        '{"segments": [[0, 1e400]]}',
        '{"reading_seconds": ' + "9" * 5000 + "}",
        '{"slides": [' + "9" * 5000 + "]}",
        "[" * 3000 + "]" * 3000,  # deeper than the parser recurses
    ],
)
def test_bad_payloads_get_400_and_a_message(member_client, video_lecture, body):
    response = post(member_client, video_lecture, body)
    assert response.status_code == 400
    assert response.json()["error"]
    assert (
        not LessonProgress.objects.filter(page=video_lecture, watched__len__gt=0).exists()
        if connection.vendor == "postgresql"
        else True
    )


def test_the_resume_position_rides_along_with_a_report(member_client, video_lecture):
    position_url = f"/videos/{video_lecture.video_id}/position/"
    assert (
        post(member_client, video_lecture, {"segments": [[0, 8]], "position": 8}).status_code == 200
    )
    assert member_client.get(position_url).json() == {"position": 8}
    # Later reports move it, both ways (the member went back); past the end means the end.
    assert (
        post(member_client, video_lecture, {"segments": [[2, 3]], "position": 3.5}).status_code
        == 200
    )
    assert member_client.get(position_url).json() == {"position": 3.5}
    assert (
        post(member_client, video_lecture, {"segments": [[3, 4]], "position": 1e6}).status_code
        == 200
    )
    assert VideoPosition.objects.get().position == video_lecture.video.duration
    # Kept apart from what was watched, which it never adds to.
    assert LessonProgress.objects.get(page=video_lecture).watched == [[0.0, 8.0]]


def test_a_position_for_a_lesson_without_video_is_ignored_not_refused(member_client, demo):
    article = ArticlePage.objects.get(slug="records-management")
    response = post(member_client, article, {"reading_seconds": 5, "position": 3})
    assert response.status_code == 200
    assert LessonProgress.objects.get(page=article).reading_seconds == 5
    assert not VideoPosition.objects.exists()


def test_login_enrolment_csrf_and_method(client, demo, video_lecture):
    assert post(client, video_lecture, {"segments": [[0, 1]]}).status_code == 401
    from tests.conftest import client_for

    outsider = client_for("member", demo)
    safety = ArticlePage.objects.get(slug="recovery-position")
    assert post(outsider, safety, {"done": True}).status_code == 403  # not enrolled
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(demo["users"]["member"])
    assert post(strict, video_lecture, {"segments": [[0, 1]]}).status_code == 403
    assert outsider.get(f"/progress/{video_lecture.pk}/").status_code == 405
    assert post(outsider, demo["course"], {"done": True}).status_code == 404


def test_a_report_for_a_page_that_is_not_there_is_refused_in_json(member_client):
    response = member_client.post("/progress/999999/", "{}", content_type="application/json")
    assert response.status_code == 404
    assert response.json() == {"error": "This is not a lesson."}


def test_reports_are_throttled(member_client, video_lecture, settings):
    settings.ELEARN_PROGRESS_REPORTS_PER_MINUTE = 3
    codes = [post(member_client, video_lecture, {"slides": [1]}).status_code for _ in range(5)]
    assert codes == [200, 200, 200, 429, 429]


@pytest.mark.django_db(transaction=True)
def test_racing_reports_lose_nothing(demo):
    """Two tabs report different parts at once; both parts end up stored."""
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL's row locks")
    from courses.demo_content import load_demo

    objects = load_demo()
    lecture = LecturePage.objects.get(pk=objects["video_lecture"].pk)
    user = objects["users"]["member"]
    record(user, lecture, {"segments": [[0, 1]]})
    LessonProgress.objects.filter(user=user).update(
        last_report_at=timezone.now() - timedelta(seconds=60)
    )
    errors = at_once(
        lambda start: record(user, lecture, {"segments": [[start, start + 8]]}), (10, 20, 30)
    )
    assert errors == []
    watched = LessonProgress.objects.get(user=user, page=lecture).watched
    racing = [pair for pair in watched if pair[0] >= 10]
    # Every report is kept (no lost update). The first stored had a minute of wall clock
    # behind it; the others, merged again after it, came in the same instant, so the clock
    # clips them to the slack: exactly what the same reports would give one after another.
    assert [start for start, _end in racing] == [10, 20, 30]
    lengths = sorted(end - start for start, end in racing)
    assert lengths[2] == pytest.approx(8) and all(5 <= n < 5.5 for n in lengths[:2])


@pytest.mark.django_db(transaction=True)
def test_first_reports_racing_make_one_row_and_lose_nothing(demo):
    """Three tabs send a member's first report for a lesson at the same moment: one progress
    row and one resume position are made, and every part watched is in it."""
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL's row locks")
    from courses.demo_content import load_demo

    objects = load_demo()
    lecture = LecturePage.objects.get(pk=objects["video_lecture"].pk)
    user = objects["users"]["member"]
    errors = at_once(
        lambda start: record(
            user, lecture, {"segments": [[start, start + 5]], "position": start + 5}
        ),
        (0, 10, 20),
    )
    assert errors == []
    progress = LessonProgress.objects.get(user=user, page=lecture)
    assert progress.watched == [[0.0, 5.0], [10.0, 15.0], [20.0, 25.0]]
    assert VideoPosition.objects.get(user=user).position in {5, 15, 25}


def test_a_report_that_read_the_row_before_another_was_stored_writes_nothing(demo, video_lecture):
    """Reports are stored without a lock, only if the row is still as they read it: the one
    that lost the race changes neither the progress nor the position, and merged again from
    the row as it now is, loses nothing."""
    from courses.progress import _merge, _store_unless_changed

    user, start = demo["users"]["member"], timezone.now()
    record(user, video_lecture, {"segments": [[0, 5]], "position": 5}, now=start)
    stale = LessonProgress.objects.get(user=user, page=video_lecture)
    seen = stale.updated_at
    # Another tab's report is stored after this one read the row.
    record(
        user,
        video_lecture,
        {"segments": [[10, 15]], "position": 15},
        now=start + timedelta(seconds=20),
    )
    late = {"segments": [[20, 25]], "position": 25}
    changed, position = _merge(stale, video_lecture, late, start + timedelta(seconds=40))
    stored = _store_unless_changed(
        stale, changed, seen, user, video_lecture, position, start + timedelta(seconds=40)
    )
    assert stored is False
    assert LessonProgress.objects.get(pk=stale.pk).watched == [[0, 5], [10, 15]]
    assert VideoPosition.objects.get(user=user).position == 15

    record(user, video_lecture, late, now=start + timedelta(seconds=40))
    assert LessonProgress.objects.get(pk=stale.pk).watched == [[0, 5], [10, 15], [20, 25]]
    assert VideoPosition.objects.get(user=user).position == 25


def test_a_report_that_completes_nothing_takes_no_lock(demo, video_lecture):
    """The member watching: one read and, on PostgreSQL, one statement for the progress and
    the position together; the row lock is for the first report and the completing one."""
    from django.test.utils import CaptureQueriesContext

    user, start = demo["users"]["member"], timezone.now()
    record(user, video_lecture, {"segments": [[0, 5]], "position": 5}, now=start)
    with CaptureQueriesContext(connection) as queries:
        record(
            user,
            video_lecture,
            {"segments": [[5, 15]], "position": 15},
            now=start + timedelta(seconds=10),
        )
    sql = [query["sql"] for query in queries]
    assert not any("FOR UPDATE" in statement for statement in sql)
    if connection.vendor == "postgresql":
        assert len(sql) == 2 and sql[1].startswith("WITH stored AS (UPDATE")
    progress = LessonProgress.objects.get(user=user, page=video_lecture)
    assert progress.watched == [[0, 15]] and progress.completed_at is None
    assert VideoPosition.objects.get(user=user).position == 15


def test_course_page_shows_each_lessons_state(member_client, demo, video_lecture):
    post(member_client, video_lecture, {"segments": [[0, 10]]})
    article = ArticlePage.objects.get(slug="what-is-e-government")
    post(member_client, article, {"done": True})
    html = member_client.get("/digital-office/").content.decode()
    assert "Done ✓" in html and "In progress: 25%" in html and "Not started" in html
    lecture_html = member_client.get(video_lecture.url).content.decode()
    assert 'data-progress-url="/progress/' in lecture_html and "In progress: 25%" in lecture_html


def test_a_lesson_just_opened_is_started_not_zero_percent(member_client, demo):
    slides = LecturePage.objects.get(pk=demo["slides_lecture"].pk)
    post(member_client, slides, {"reading_seconds": 3})  # the page's first report: no slide yet
    outline = member_client.get("/digital-office/").content.decode()
    lesson = member_client.get(slides.url).content.decode()
    for html in (outline, lesson):
        assert ">Started</" in html and "In progress: 0%" not in html
    chinese = member_client.get(slides.url, HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert ">已开始</" in chinese


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_playback_in_the_browser_is_reported_honestly(browser, live_server):
    from courses.demo_content import load_demo
    from tests.browser import log_in

    objects = load_demo()
    lecture = LecturePage.objects.get(pk=objects["video_lecture"].pk)
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(page, live_server.url, "member")
    position_posts = []
    page.on(
        "request",
        lambda r: "/position/" in r.url and r.method == "POST" and position_posts.append(1),
    )
    page.goto(live_server.url + lecture.url)
    video = "document.querySelector('[data-video]')"
    page.wait_for_function(f"{video}.readyState >= 1")
    page.wait_for_timeout(2500)  # the first slide stays on screen 2 s: seen
    page.evaluate(f"{video}.muted = true; {video}.playbackRate = 2; {video}.play()")
    page.wait_for_function(f"{video}.currentTime > 6")
    # Jump far ahead: the skipped part must not count.
    page.evaluate(f"{video}.currentTime = 30")
    page.wait_for_function(f"{video}.currentTime > 32")
    # While it played, the resume position went with the reports, not on requests of its own
    # (the jump of 30 s would have made the player save it).
    assert position_posts == []
    # Its answer, not just the request: the report is stored by then (CI once read the row
    # 300 ms after the request, before the server had committed it).
    with page.expect_response(lambda r: "/progress/" in r.url) as reported:
        page.evaluate(f"{video}.pause()")
    stopped_at = page.evaluate(f"{video}.currentTime")
    sent = json.loads(reported.value.request.post_data)
    assert sent["position"] == pytest.approx(stopped_at, abs=0.5)
    progress = LessonProgress.objects.get(user__username="member", page=lecture)
    watched = progress.watched
    assert watched[0][0] == pytest.approx(0, abs=0.6)
    assert 5 <= watched[0][1] <= 9  # up to the jump
    assert watched[-1][0] >= 29 and watched[-1][1] <= 34
    assert progress.watched_seconds < 15  # not the 33 s the position suggests
    # Slide 1 was on screen for 2 s; at 2× the next ones passed in 1.5 s each: not seen.
    assert progress.slides_seen[:1] == [1] and 2 not in progress.slides_seen
    assert progress.completed_at is None


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_stall_while_playing_loses_nothing_watched(browser, live_server):
    """A video that stalls for data fires "waiting" and then "playing" with no pause between;
    what was watched before the stall still counts (the player once started its segment again
    at "playing", and a member who watched every second stayed at 68%)."""
    from courses.demo_content import load_demo
    from tests.browser import log_in

    objects = load_demo()
    lecture = LecturePage.objects.get(pk=objects["video_lecture"].pk)
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(page, live_server.url, "member")
    page.goto(live_server.url + lecture.url)
    video = "document.querySelector('[data-video]')"
    page.wait_for_function(f"{video}.readyState >= 1")
    page.evaluate(f"{video}.muted = true; {video}.playbackRate = 2; {video}.play()")
    page.wait_for_function(f"{video}.currentTime > 4")
    # The events a browser fires around a stall: the data runs out, then it comes.
    page.evaluate(
        f"{video}.dispatchEvent(new Event('waiting')); {video}.dispatchEvent(new Event('playing'))"
    )
    page.wait_for_function(f"{video}.currentTime > 8")
    with page.expect_response(lambda r: "/progress/" in r.url):
        page.evaluate(f"{video}.pause()")
    stopped_at = page.evaluate(f"{video}.currentTime")
    progress = LessonProgress.objects.get(user__username="member", page=lecture)
    assert len(progress.watched) == 1
    assert progress.watched[0][0] == pytest.approx(0, abs=0.6)
    assert progress.watched[0][1] == pytest.approx(stopped_at, abs=0.6)


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_slide_seen_shows_in_the_progress_at_once(browser, live_server):
    """Stepping through a deck, the member sees their progress move with each slide, not
    with the next 10 s report."""
    from courses.demo_content import load_demo
    from tests.browser import log_in

    objects = load_demo()
    lecture = LecturePage.objects.get(pk=objects["slides_lecture"].pk)
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(page, live_server.url, "member")
    with page.expect_response(lambda r: "/progress/" in r.url, timeout=6000) as reported:
        page.goto(live_server.url + lecture.url)  # slide 1 counts after 2 s on screen
    assert json.loads(reported.value.request.post_data)["slides"] == [1]
    state = page.locator("[data-progress-state]")
    page.wait_for_function(
        "document.querySelector('[data-progress-state]').textContent.includes('In progress')",
        timeout=2000,
    )
    assert "%" in state.inner_text()


def test_my_learning_shows_progress_and_where_to_continue(member_client, demo, video_lecture):
    post(member_client, video_lecture, {"segments": [[0, 10]]})
    VideoPosition.objects.create(
        user=demo["users"]["member"], video=video_lecture.video, position=10.4
    )
    html = member_client.get("/learning/").content.decode()
    assert "加强机关信息化建设，提高工作效率" in html
    assert "0 of 5 lessons done" in html
    assert f'href="{video_lecture.url}#t=10"' in html  # the exact moment to pick up
    assert "(at 0:10)" in html  # and the button says so
    zh = member_client.get("/learning/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert "（看到 0:10）" in zh
    assert "First aid basics" not in html  # not enrolled there
    assert Client().get("/learning/").status_code == 302


def test_stopped_at_the_end_unfinished_continues_at_the_first_stretch_not_watched(
    member_client, demo, video_lecture
):
    video = video_lecture.video
    near_end = video.duration - 1
    post(member_client, video_lecture, {"segments": [[0, 12]]})
    # The member skipped from 12 s to 24 s, then watched to the end.
    LessonProgress.objects.filter(page=video_lecture).update(
        watched=[[0, 12], [24, video.duration]]
    )
    VideoPosition.objects.update_or_create(
        user=demo["users"]["member"], video=video, defaults={"position": near_end}
    )
    html = member_client.get("/learning/").content.decode()
    assert f'href="{video_lecture.url}#t=12"' in html and "(at 0:12)" in html
    # The course page says the same; a gap under a second between reports is no stretch.
    LessonProgress.objects.filter(page=video_lecture).update(watched=[[0, 2], [2.5, 10]])
    VideoPosition.objects.filter(video=video).update(position=video.duration)
    html = member_client.get("/digital-office/").content.decode()
    assert f'href="{video_lecture.url}#t=10"' in html and "(at 0:10)" in html


def test_the_course_page_shows_the_members_progress_and_where_to_continue(
    member_client, trainer_client, demo, video_lecture
):
    # Nothing begun yet: the button starts the course with its first lesson.
    html = member_client.get("/digital-office/").content.decode()
    assert ">Start: 什么是电子政务</a>" in html and "Continue" not in html
    zh = member_client.get("/digital-office/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert ">开始学习：什么是电子政务</a>" in zh  # a full-width colon, no space
    post(member_client, video_lecture, {"segments": [[0, 10]], "position": 10.4})
    html = member_client.get("/digital-office/").content.decode()
    assert "Start:" not in html
    assert "0 of 5 lessons done" in html and 'aria-valuenow="0"' in html
    assert f'href="{video_lecture.url}#t=10"' in html and "(at 0:10)" in html
    # A trainer opens every lesson but takes no course: nothing to continue.
    html = trainer_client.get("/digital-office/").content.decode()
    assert "lessons done" not in html and "Continue" not in html


def test_finishing_every_lesson_completes_the_course(member_client, demo):
    from courses.models import Enrolment

    user = demo["users"]["member"]
    course = demo["course"]
    for lesson in course.get_lessons():
        complete_lesson(user, lesson)
    enrolment = Enrolment.objects.get(user=user, course=course)
    assert enrolment.completed_at is not None
    html = member_client.get("/learning/").content.decode()
    assert '<h2 id="completed-heading">Completed</h2>' in html
    zh = member_client.get("/learning/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert '<h2 id="completed-heading">已完成</h2>' in zh  # the courses, not "completion time"


def test_the_report_that_completes_the_course_says_so_with_the_certificate(member_client, demo):
    from courses.models import Certificate, Enrolment

    user = demo["users"]["member"]
    course = demo["course"]
    *others, last = list(course.get_lessons().specific())
    for lesson in others:
        complete_lesson(user, lesson)
    assert isinstance(last, ArticlePage)  # the last lesson of the demo course
    answer = post(member_client, last, {"reading_seconds": 5}).json()
    assert "course_complete" not in answer  # not yet done

    answer = post(member_client, last, {"done": True}).json()
    assert answer["state"] == "done" and answer["course_complete"] is True
    certificate = Certificate.objects.get(enrolment__user=user, enrolment__course=course)
    assert answer["certificate_url"] == f"/certificates/{certificate.code}/"
    assert member_client.get(answer["certificate_url"]).status_code == 200

    # Later reports on the finished lesson answer its state only.
    assert "course_complete" not in post(member_client, last, {"reading_seconds": 5}).json()
    assert Enrolment.objects.get(user=user, course=course).completed_at is not None


def test_a_completed_lesson_that_leaves_the_course_unfinished_says_nothing_of_it(
    member_client, demo
):
    first = (
        demo["course"]
        .get_lessons()
        .specific()
        .filter(pk__in=ArticlePage.objects.values("pk"))
        .first()
    )
    answer = post(member_client, first, {"done": True}).json()
    assert answer["state"] == "done" and "course_complete" not in answer


def test_a_course_of_one_lesson_counts_it_in_the_singular(member_client, demo):
    from courses.models import Enrolment

    course = demo["safety_course"]
    Enrolment.objects.create(user=demo["users"]["member"], course=course)
    html = member_client.get(course.url).content.decode()
    assert "0 of 1 lesson done" in html
    assert "0 of 5 lessons done" in member_client.get("/learning/").content.decode()


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_reports_lost_to_a_server_outage_are_sent_again(browser, live_server):
    """The server answers 503 (restarting) to the first reports: the player keeps them and
    sends them again with backoff, so nothing watched is lost."""
    from courses.demo_content import load_demo
    from tests.browser import log_in

    objects = load_demo()
    lecture = LecturePage.objects.get(pk=objects["video_lecture"].pk)
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(page, live_server.url, "member")
    refused = []

    def outage(route):
        if len(refused) < 2:
            refused.append(route.request.post_data)
            route.fulfill(status=503, body="restarting")
        else:
            route.continue_()

    page.route("**/progress/**", outage)
    page.goto(live_server.url + lecture.url)
    video = "document.querySelector('[data-video]')"
    page.wait_for_function(f"{video}.readyState >= 1")
    page.evaluate(f"{video}.muted = true; {video}.play()")
    page.wait_for_function(f"{video}.currentTime > 3")
    page.evaluate(f"{video}.pause()")  # report 1: refused
    page.wait_for_timeout(300)
    page.evaluate(f"{video}.play()")
    page.wait_for_function(f"{video}.currentTime > 5")
    page.evaluate(f"{video}.pause()")  # report 2: refused (or the retry of report 1)
    with page.expect_response(lambda r: "/progress/" in r.url and r.status == 200, timeout=15000):
        pass  # the retry after the backoff goes through
    assert len(refused) == 2
    progress = LessonProgress.objects.get(user__username="member", page=lecture)
    assert progress.watched[0][0] == pytest.approx(0, abs=0.6)
    assert progress.watched_seconds >= 4.5  # both refused stretches arrived in the end


def test_my_learning_continues_a_deck_at_the_next_unseen_slide(member_client, demo):
    lecture = LecturePage.objects.get(pk=demo["slides_lecture"].pk)  # deck only
    post(member_client, lecture, {"slides": [1, 2, 3]})
    html = member_client.get("/learning/").content.decode()
    assert f'href="{lecture.url}slides/4/#deck"' in html and "(slide 4)" in html


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_slides_seen_on_their_own_pages_count_as_on_the_lecture(
    browser, live_server, artifacts_dir
):
    """ "Continue" leads to a slide's own page (/slides/4/): the slides a member steps through
    from there count, and the page shows the lesson's state moving, as the lecture page does.
    They did not: a member who resumed there never completed the deck."""
    from courses.demo_content import load_demo
    from tests.browser import log_in

    demo = load_demo()
    lecture = LecturePage.objects.get(pk=demo["slides_lecture"].pk)
    visible = [s.number for s in lecture.deck.slides.filter(hidden=False).order_by("number")]
    client = Client()
    client.force_login(demo["users"]["member"])
    post(client, lecture, {"slides": visible[:3]})
    html = client.get("/learning/").content.decode()
    continue_url = f"{lecture.url}slides/{visible[3]}/#deck"
    assert f'href="{continue_url}"' in html

    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    log_in(page, live_server.url, "member")

    def reports(number):
        """The answer to the report that counts slide ``number`` as seen (2 s after it
        shows; the reading-time reports every 10 s do not count)."""

        def match(response):
            if "/progress/" not in response.url or response.status != 200:
                return False
            return number in json.loads(response.request.post_data).get("slides", [])

        return page.expect_response(match, timeout=15000)

    page.goto(live_server.url + "/learning/")
    with reports(visible[3]):
        page.locator(f'a[href="{continue_url}"]').first.click()
    # The viewer's controls are on screen at once: the link leads to the viewer, not the top.
    next_button = page.locator("[data-deck-next]").bounding_box()
    assert 0 <= next_button["y"] and next_button["y"] + next_button["height"] <= 800
    state = page.locator("[data-progress-state]")
    for number in visible[4:]:
        with reports(number):
            page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "document.querySelector('[data-progress-state]').dataset.state === 'done'"
    )
    assert "Done" in state.inner_text()
    # Each step is that slide's page, at its viewer: heading, text and address agree.
    assert page.url.endswith(f"slides/{visible[-1]}/#deck")
    assert page.locator("h1").inner_text().startswith(f"Slide {visible[-1]}:")
    page.screenshot(path=artifacts_dir / "slide-page-progress.png")
    progress = LessonProgress.objects.get(user__username="member", page=lecture)
    assert progress.slides_seen == visible and progress.completed_at is not None
    context.close()


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_marking_the_last_lesson_done_shows_the_course_complete_and_the_certificate(
    browser, live_server, artifacts_dir
):
    """At the end of an article, "Mark as done" gives way to the lesson's state, and when
    that completed the course the page says so and links to the certificate."""
    from courses.demo_content import load_demo
    from courses.models import Enrolment
    from tests.browser import log_in

    objects = load_demo()
    course = objects["safety_course"]  # one lesson, an article
    Enrolment.objects.create(user=objects["users"]["member"], course=course)
    article = course.get_lessons().first()
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(page, live_server.url, "member")
    page.goto(live_server.url + article.url)
    button = page.get_by_role("button", name="Mark as done")
    button.click()
    notice = page.locator("[data-course-complete]")
    notice.wait_for(state="visible")
    assert "You have completed this course." in notice.inner_text()
    end = page.locator("[data-lesson-end]")
    assert button.count() == 0 and end.inner_text().startswith("Done ✓")
    assert end.locator("[data-course-complete]").count() == 1  # where the button was
    page.screenshot(path=artifacts_dir / "course-complete-notice.png")
    page.get_by_role("link", name="See your certificate").click()
    page.wait_for_url("**/certificates/*/")
    assert "The recovery position" not in page.title()
    assert course.title in page.locator("main").inner_text()


@pytest.mark.parametrize(
    ("rule", "english", "chinese"),
    [
        ("video", "when you have watched 90% of the video.", "观看视频的 90% 即完成本课。"),
        ("slides", "when you have seen 90% of the slides.", "浏览 90% 的幻灯片即完成本课。"),
        ("both", "of the video and seen 90% of the slides.", "并浏览 90% 的幻灯片"),
        ("either", "of the video or seen 90% of the slides.", "或浏览 90% 的幻灯片"),
    ],
)
def test_a_lecture_with_video_and_slides_says_what_completes_it(
    member_client, video_lecture, rule, english, chinese
):
    """Stepping through every slide of a lecture that completes by its video looked like
    progress that counted for nothing: the page says which rule holds."""
    LecturePage.objects.filter(pk=video_lecture.pk).update(completion_rule=rule)
    html = member_client.get(video_lecture.url).content.decode()
    [hint] = re.findall(r'<p class="lesson-rule">(.*?)</p>', html)
    assert hint.startswith("This lesson is done when you have ") and hint.endswith(english)
    member_client.cookies["django_language"] = "zh-hans"
    assert chinese in member_client.get(video_lecture.url).content.decode()


def test_a_lecture_with_only_slides_needs_no_rule_said(member_client, demo):
    slides_lecture = demo["slides_lecture"]
    assert slides_lecture.video_id is None
    assert "lesson-rule" not in member_client.get(slides_lecture.url).content.decode()
