"""xAPI: statements shaped as the Video Profile and ADL verbs want them, the course export for
trainers and admins, and forwarding to a Learning Record Store (a real HTTP server here) with
retries, never at the member's expense."""

import base64
import json
import math
import socket
import threading
import uuid
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client, override_settings
from django.utils import timezone
from wagtail.models import Site

from courses import xapi, xapi_service
from courses.lesson_rules import visible_slides
from courses.models import ArticlePage, Enrolment, LecturePage, LessonProgress, VideoPosition
from courses.progress import record
from courses.tasks import forward_xapi_task
from tests.conftest import client_for

DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
MOMENT = datetime(2026, 11, 25, 9, 30, 0, 123456, tzinfo=UTC)
HOME = "http://localhost"
MEMBER = xapi.Member(user_id=7, name="李明", email="member@example.com")
COURSE = xapi.Activity(
    url="http://localhost/digital-office/",
    names={"zh-CN": "加强机关信息化建设"},
    type=xapi.COURSE_TYPE,
    key="page:3",
)
LECTURE = xapi.Activity(
    url="http://localhost/digital-office/video/",
    names={"en-US": "Video", "zh-CN": "Video 视频"},
    type=xapi.VIDEO_TYPE,
    key="page:9",
)


def video_statement(**changes):
    state = {
        "share": 0.4,
        "complete": False,
        "reported_at": MOMENT,
        "watched": [[0, 10.5], [20, 35]],
    }
    state.update(changes)
    return xapi.progress_statement(
        member=MEMBER,
        lesson=LECTURE,
        course=COURSE,
        state=xapi.LessonState(time=30.0, duration_s=25.5, **state),
        home_page=HOME,
        video=xapi.VideoFacts(length_s=63.25, completion_threshold=0.9),
    )


# The pure core ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("watched", "expected"),
    [
        ([], ""),
        ([[0, 10.5], [20, 35]], "0[.]10.5[,]20[.]35"),
        ([[0.12349, 1.0], [2.5, 3.0004]], "0.123[.]1[,]2.5[.]3"),
        ([[100, 200]], "100[.]200"),
    ],
)
def test_played_segments_string(watched, expected):
    assert xapi.played_segments(watched) == expected


@pytest.mark.parametrize(
    ("share", "expected"), [(0, 0), (0.8996, 0.899), (0.25, 0.25), (1, 1), (1.3, 1), (-1, 0)]
)
def test_progress_is_rounded_down_to_three_places(share, expected):
    assert xapi.floor_share(share) == expected


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Welcome lecture", {"en-US": "Welcome lecture"}),
        ("什么是电子政务", {"zh-CN": "什么是电子政务"}),
        (
            "Digital office · 信息化",
            {"en-US": "Digital office · 信息化", "zh-CN": "Digital office · 信息化"},
        ),
        ("2026", {"en-US": "2026"}),
    ],
)
def test_titles_are_tagged_by_their_script(title, expected):
    assert xapi.language_map(title, "en") == expected


def test_video_statement_follows_the_video_profile():
    statement = video_statement()
    assert statement["verb"] == {"id": xapi.PLAYED, "display": {"en-US": "played"}}
    assert statement["object"] == {
        "objectType": "Activity",
        "id": LECTURE.url,
        "definition": {
            "name": LECTURE.names,
            "type": "https://w3id.org/xapi/video/activity-type/video",
        },
    }
    extensions = statement["result"]["extensions"]
    assert extensions["https://w3id.org/xapi/video/extensions/played-segments"] == (
        "0[.]10.5[,]20[.]35"
    )
    assert extensions["https://w3id.org/xapi/video/extensions/progress"] == 0.4
    assert extensions["https://w3id.org/xapi/video/extensions/time"] == 30
    assert "completion" not in statement["result"]  # the profile keeps it for "completed"
    context = statement["context"]
    assert context["contextActivities"]["category"][0]["id"] == "https://w3id.org/xapi/video"
    assert context["contextActivities"]["parent"][0]["id"] == COURSE.url
    assert context["contextActivities"]["parent"][0]["definition"]["type"] == (
        "http://adlnet.gov/expapi/activities/course"
    )
    assert context["extensions"]["https://w3id.org/xapi/video/extensions/length"] == 63.25
    assert (
        context["extensions"]["https://w3id.org/xapi/video/extensions/completion-threshold"] == 0.9
    )
    assert statement["timestamp"] == "2026-11-25T09:30:00.123Z"
    assert statement["actor"] == {
        "objectType": "Agent",
        "name": "李明",
        "account": {"homePage": HOME, "name": "7"},
    }
    assert "member@example.com" not in json.dumps(statement)
    json.dumps(statement, allow_nan=False)  # plain JSON, nothing an LRS would refuse


def test_completed_video_statement():
    statement = video_statement(share=0.95, complete=True)
    assert statement["verb"]["id"] == "http://adlnet.gov/expapi/verbs/completed"
    assert statement["result"]["completion"] is True
    assert statement["result"]["duration"] == "PT25.5S"
    assert statement["result"]["extensions"][xapi.VIDEO_PROGRESS] == 0.95


def test_statement_ids_are_deterministic_uuids():
    first = video_statement()["id"]
    assert uuid.UUID(first).version == 5
    assert video_statement()["id"] == first  # same state, same id: the LRS keeps one
    assert video_statement(reported_at=MOMENT + timedelta(seconds=10))["id"] != first
    assert video_statement(complete=True)["id"] != first


def test_slides_and_articles_use_progressed_and_completed():
    deck = xapi.Activity(url="http://localhost/d/", names={"en-US": "Deck"}, type=xapi.LESSON_TYPE)
    state = xapi.LessonState(share=0.576, complete=False, reported_at=MOMENT)
    statement = xapi.progress_statement(
        member=MEMBER, lesson=deck, course=None, state=state, home_page=HOME
    )
    assert statement["verb"]["id"] == "http://adlnet.gov/expapi/verbs/progressed"
    assert statement["object"]["definition"]["type"] == "http://adlnet.gov/expapi/activities/lesson"
    assert statement["result"] == {
        "extensions": {"https://w3id.org/xapi/cmi5/result/extensions/progress": 57}
    }
    assert "category" not in json.dumps(statement["context"])  # not a Video Profile statement
    done = xapi.progress_statement(
        member=MEMBER,
        lesson=deck,
        course=None,
        state=xapi.LessonState(share=1, complete=True, reported_at=MOMENT),
        home_page=HOME,
    )
    assert done["verb"]["id"] == xapi.COMPLETED and done["result"] == {"completion": True}


@pytest.mark.parametrize("share", [0, 0.06, 0.8, 1])
def test_a_completed_lesson_says_complete_not_how_much_was_read(share):
    """An article marked as done after a glance (0% or 6% of its reading time), a deck
    completed at its 80% threshold: "completed" with completion true, and no cmi5 progress
    beside it to contradict it (cmi5 9.5.5.1: not in a "completed" statement)."""
    state = xapi.LessonState(share=share, complete=True, reported_at=MOMENT)
    statement = xapi.progress_statement(
        member=MEMBER, lesson=LECTURE, course=COURSE, state=state, home_page=HOME
    )
    assert statement["verb"]["id"] == xapi.COMPLETED
    assert statement["result"] == {"completion": True}


@pytest.mark.parametrize(("share", "percent"), [(0.576, 57), (0.999, 99), (1, 99)])
def test_progress_short_of_completion_stays_under_100(share, percent):
    state = xapi.LessonState(share=share, complete=False, reported_at=MOMENT)
    statement = xapi.progress_statement(
        member=MEMBER, lesson=LECTURE, course=None, state=state, home_page=HOME
    )
    assert statement["result"] == {"extensions": {xapi.CMI5_PROGRESS: percent}}


def test_a_video_lesson_completed_by_its_slides_keeps_its_honest_video_progress():
    """The Video Profile's progress is the share of the video watched, even on "completed"
    (a lecture completed by either its slides or its video)."""
    statement = video_statement(share=0.35, complete=True)
    assert statement["result"]["completion"] is True
    extensions = statement["result"]["extensions"]
    assert extensions[xapi.VIDEO_PROGRESS] == 0.35
    assert extensions[xapi.PLAYED_SEGMENTS] == "0[.]10.5[,]20[.]35"
    assert xapi.CMI5_PROGRESS not in extensions


def test_course_completion_statement():
    statement = xapi.course_completed_statement(
        member=MEMBER, course=COURSE, completed_at=MOMENT, home_page=HOME, registration="r"
    )
    assert statement["verb"] == {"id": xapi.COMPLETED, "display": {"en-US": "completed"}}
    assert statement["object"] == {
        "objectType": "Activity",
        "id": COURSE.url,
        "definition": {
            "name": COURSE.names,
            "type": "http://adlnet.gov/expapi/activities/course",
        },
    }
    assert statement["result"] == {"completion": True}
    assert statement["context"] == {"platform": "elearn", "registration": "r"}
    assert statement["timestamp"] == "2026-11-25T09:30:00.123Z"
    assert statement["actor"]["account"] == {"homePage": HOME, "name": "7"}
    again = xapi.course_completed_statement(
        member=MEMBER, course=COURSE, completed_at=MOMENT, home_page=HOME, registration="r"
    )
    assert again["id"] == statement["id"] and uuid.UUID(statement["id"]).version == 5
    lesson = xapi.progress_statement(
        member=MEMBER,
        lesson=LECTURE,
        course=COURSE,
        state=xapi.LessonState(share=1, complete=True, reported_at=MOMENT),
        home_page=HOME,
    )
    assert lesson["id"] != statement["id"]  # same member, verb and moment, another activity


def test_email_only_when_the_site_says_mbox():
    agent = xapi.actor(MEMBER, HOME, use_mbox=True)
    assert agent == {"objectType": "Agent", "name": "李明", "mbox": "mailto:member@example.com"}
    nameless = xapi.Member(user_id=8, name="x", email="")
    assert "account" in xapi.actor(nameless, HOME, use_mbox=True)


def test_timestamps_need_a_time_zone():
    with pytest.raises(ValueError, match="time zone"):
        xapi.iso_timestamp(datetime(2026, 1, 1))  # noqa: DTZ001


# Statements from real rows ---------------------------------------------------------------


def post(client, lesson, body):
    return client.post(f"/progress/{lesson.pk}/", json.dumps(body), content_type="application/json")


def later(lesson, seconds=60):
    LessonProgress.objects.filter(page=lesson).update(
        last_report_at=timezone.now() - timedelta(seconds=seconds)
    )


def public(page) -> str:
    """A page's activity id: the tests' Site is Wagtail's placeholder http://localhost, so
    ids are at WAGTAILADMIN_BASE_URL."""
    return "http://testserver" + page.url


@pytest.fixture
def video_lecture(demo):
    return LecturePage.objects.get(pk=demo["video_lecture"].pk)


@pytest.mark.django_db
def test_statement_of_a_members_row(member_client, demo, video_lecture):
    post(member_client, video_lecture, {"segments": [[0, 5]]})
    later(video_lecture)
    post(member_client, video_lecture, {"segments": [[3, 10], [20, 24.5]]})
    progress = LessonProgress.objects.get(page=video_lecture)
    VideoPosition.objects.create(user=progress.user, video=video_lecture.video, position=24.5)
    [statement] = [
        s
        for s in xapi_service.course_statements(demo["course"])
        if s["object"]["id"].endswith(video_lecture.url)
    ]
    assert statement["verb"]["id"] == xapi.PLAYED
    extensions = statement["result"]["extensions"]
    assert extensions[xapi.PLAYED_SEGMENTS] == "0[.]10[,]20[.]24.5"  # merged, as stored
    assert extensions[xapi.VIDEO_PROGRESS] == xapi.floor_share(progress.video_coverage)
    assert extensions[xapi.TIME] == 24.5
    assert statement["object"]["id"] == public(video_lecture)
    assert statement["object"]["definition"]["type"] == xapi.VIDEO_TYPE
    course = statement["context"]["contextActivities"]["parent"][0]
    assert course["definition"]["name"] == {"zh-CN": "加强机关信息化建设，提高工作效率"}
    assert statement["context"]["extensions"][xapi.LENGTH] == pytest.approx(
        video_lecture.video.duration, abs=0.001
    )
    assert statement["actor"]["account"]["name"] == str(progress.user_id)
    assert statement["timestamp"] == xapi.iso_timestamp(progress.last_report_at)


@pytest.mark.django_db
def test_lessons_completed_short_of_all_they_measure(demo):
    """Rows as the progress API leaves them: an article marked as done unread, a deck
    completed at its threshold. Their statements say complete, with no Video Profile
    extensions (they are not video lessons) and no cmi5 progress."""
    member = demo["users"]["member"]
    article = ArticlePage.objects.get(slug="what-is-e-government")
    record(member, article, {"done": True})
    deck_lecture = LecturePage.objects.get(pk=demo["slides_lecture"].pk)
    deck_lecture.completion_threshold = 50
    LecturePage.objects.filter(pk=deck_lecture.pk).update(completion_threshold=50)
    slides = sorted(visible_slides(deck_lecture))
    half = slides[: math.ceil(len(slides) / 2)]
    assert len(half) < len(slides)
    progress = record(member, deck_lecture, {"slides": half})
    assert progress.completed_at is not None and progress.slides_coverage < 1
    by_lesson = {
        s["object"]["id"]: s
        for s in xapi_service.course_statements(demo["course"])
        if s["object"]["definition"]["type"] == xapi.LESSON_TYPE
    }
    assert set(by_lesson) == {
        xapi_service.page_activity(article, xapi.LESSON_TYPE).url,
        xapi_service.page_activity(deck_lecture, xapi.LESSON_TYPE).url,
    }
    for statement in by_lesson.values():
        assert statement["verb"]["id"] == xapi.COMPLETED
        assert statement["result"] == {"completion": True}


def complete_all_but(user, course, last) -> None:
    """Every lesson of the course complete for ``user`` but ``last``, as if done earlier."""
    earlier = timezone.now() - timedelta(days=1)
    for lesson in course.get_lessons():
        if lesson.pk != last.pk:
            LessonProgress.objects.update_or_create(
                user=user,
                page_id=lesson.pk,
                defaults={"completed_at": earlier, "last_report_at": earlier, "marked_done": True},
            )


@pytest.mark.django_db
def test_a_completed_course_is_exported_as_completed(demo):
    member = demo["users"]["member"]
    course = demo["course"]
    article = ArticlePage.objects.get(slug="what-is-e-government")
    complete_all_but(member, course, article)
    progress = record(member, article, {"done": True})
    enrolment = Enrolment.objects.get(user=member, course=course)
    assert enrolment.completed_at == progress.completed_at and enrolment.certificate
    statements = list(xapi_service.course_statements(course))
    course_id = public(course)
    [completed] = [s for s in statements if s["object"]["id"] == course_id]
    assert statements[-1] == completed  # after the lessons that led there
    assert completed["verb"]["id"] == xapi.COMPLETED
    assert completed["object"]["definition"]["type"] == xapi.COURSE_TYPE
    assert completed["result"] == {"completion": True}
    assert completed["timestamp"] == xapi.iso_timestamp(enrolment.completed_at)
    assert completed["actor"]["account"]["name"] == str(member.pk)
    lessons = statements[:-1]
    assert len(lessons) == len(course.get_lessons())
    for lesson in lessons:
        [parent] = lesson["context"]["contextActivities"]["parent"]
        assert parent["id"] == course_id
        assert parent["definition"]["type"] == xapi.COURSE_TYPE
        assert lesson["context"]["registration"] == completed["context"]["registration"]
    assert list(xapi_service.course_statements(course)) == statements  # same state, same ids
    # Completion stays history once the member has left the course.
    Enrolment.objects.filter(pk=enrolment.pk).update(status=Enrolment.Status.WITHDRAWN)
    assert list(xapi_service.course_statements(course))[-1] == completed


# The export ------------------------------------------------------------------------------


def export_url(course):
    return f"/admin/courses/{course.pk}/xapi/"


def download(client, course):
    response = client.get(export_url(course))
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "application/json"
    body = b"".join(response.streaming_content).decode("utf-8")
    return response, json.loads(body)


@pytest.mark.django_db
def test_trainers_and_admins_export_the_courses_progress(member_client, demo, video_lecture):
    article = ArticlePage.objects.get(slug="what-is-e-government")
    post(member_client, video_lecture, {"segments": [[0, 8]]})
    post(member_client, article, {"done": True})
    # Someone else's progress in another course, and the trainer's own visit: not exported.
    other = client_for("admin", demo)
    safety = ArticlePage.objects.get(slug="recovery-position")
    post(other, safety, {"done": True})
    post(client_for("trainer", demo), video_lecture, {"segments": [[0, 5]]})
    member = demo["users"]["member"]
    for role in ("trainer", "admin"):
        response, statements = download(client_for(role, demo), demo["course"])
        assert response["Content-Disposition"] == 'attachment; filename="digital-office-xapi.json"'
        assert "no-store" in response["Cache-Control"]
        assert len(statements) == 2
        assert {s["actor"]["account"]["name"] for s in statements} == {str(member.pk)}
        by_verb = {s["verb"]["id"]: s for s in statements}
        assert by_verb[xapi.COMPLETED]["object"]["id"] == public(article)
        assert by_verb[xapi.PLAYED]["object"]["id"] == public(video_lecture)
        titles = json.dumps(statements, ensure_ascii=False)
        assert "加强机关信息化建设，提高工作效率" in titles
        assert "member@example.com" not in titles
    _, safety_statements = download(client_for("admin", demo), demo["safety_course"])
    assert safety_statements == []  # the admin is no member of it


@pytest.mark.django_db
def test_export_is_for_the_course_editors_only(client, member_client, demo):
    url = export_url(demo["course"])
    assert client.get(url).status_code == 302  # to the login page
    assert member_client.get(url).status_code in (302, 403)
    other = User.objects.create_user("other-trainer", "o@example.com", "pw-12345678")
    other.groups.add(Group.objects.get(name="Trainers"))
    outsider = Client()
    outsider.force_login(other)
    assert outsider.get(url).status_code in (302, 403)  # a trainer, but not of this course


@pytest.mark.django_db
def test_members_page_offers_the_export(trainer_client, demo):
    html = trainer_client.get(f"/admin/courses/{demo['course'].pk}/members/").content.decode()
    assert "Export progress (xAPI)" in html and export_url(demo["course"]) in html


@pytest.mark.django_db
def test_former_members_progress_is_kept_and_empty_rows_left_out(
    member_client, demo, video_lecture
):
    post(member_client, video_lecture, {"segments": [[0, 8]]})
    post(
        member_client, ArticlePage.objects.get(slug="what-is-e-government"), {"reading_seconds": 0}
    )
    Enrolment.objects.filter(user=demo["users"]["member"]).update(status=Enrolment.Status.WITHDRAWN)
    statements = list(xapi_service.course_statements(demo["course"]))
    assert [s["object"]["id"] for s in statements] == [public(video_lecture)]


@pytest.mark.django_db
def test_ids_are_at_the_public_address_not_at_localhost(
    member_client, demo, video_lecture, settings
):
    """Wagtail's first Site says http://localhost; the installation's address is
    WAGTAILADMIN_BASE_URL, and that is where actors and activities are."""
    settings.WAGTAILADMIN_BASE_URL = "https://learn.example.org/"
    assert Site.objects.get(is_default_site=True).root_url == "http://localhost"
    post(member_client, video_lecture, {"segments": [[0, 8]]})
    _, [statement] = download(client_for("admin", demo), demo["course"])
    assert statement["actor"]["account"]["homePage"] == "https://learn.example.org"
    assert statement["object"]["id"] == "https://learn.example.org" + video_lecture.url
    [course] = statement["context"]["contextActivities"]["parent"]
    assert course["id"] == "https://learn.example.org" + demo["course"].url
    assert "localhost" not in json.dumps(statement)


@pytest.fixture
def site_with_address(demo):
    site = Site.objects.get(is_default_site=True)
    site.hostname, site.port = "elearn.example.cn", 443
    site.save()  # clears Wagtail's cache of site root paths
    yield site
    # The test's transaction is rolled back with no signal: forget the address it cached.
    Site.clear_site_root_paths_cache()


@pytest.mark.django_db
def test_a_site_with_an_address_of_its_own_names_the_ids_whatever_host_is_asked(
    member_client, demo, video_lecture, site_with_address
):
    post(member_client, video_lecture, {"segments": [[0, 8]]})
    admin = client_for("admin", demo)
    _, [statement] = download(admin, demo["course"])
    assert statement["actor"]["account"]["homePage"] == "https://elearn.example.cn"
    assert statement["object"]["id"] == video_lecture.full_url
    assert video_lecture.full_url.startswith("https://elearn.example.cn/")
    # An admin on another address of the same installation downloads the same statements.
    response = admin.get(export_url(demo["course"]), HTTP_HOST="10.0.0.5:8000")
    assert json.loads(b"".join(response.streaming_content)) == [statement]


# Forwarding to an LRS --------------------------------------------------------------------


class FakeLrs:
    """An LRS on 127.0.0.1: records each request and answers the statuses it is given."""

    def __init__(self, statuses=()):
        self.requests = []
        self.statuses = list(statuses)
        lrs = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                lrs.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "body": body}
                )
                status = lrs.statuses.pop(0) if lrs.statuses else 200
                payload = json.dumps([s["id"] for s in json.loads(body)] if status == 200 else {})
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload.encode())

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/xapi/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def statements(self):
        return [s for request in self.requests for s in json.loads(request["body"])]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def lrs(settings):
    server = FakeLrs()
    settings.ELEARN_XAPI_LRS_URL = server.url
    settings.ELEARN_XAPI_LRS_KEY = "lrs-key"
    settings.ELEARN_XAPI_LRS_SECRET = "lrs-sécret"
    settings.ELEARN_XAPI_RETRY_SECONDS = 0.01
    settings.ELEARN_XAPI_TIMEOUT_SECONDS = 5
    yield server
    server.close()


def report(client, lesson, body, capture):
    with capture(execute=True):
        response = post(client, lesson, body)
    assert response.status_code == 200
    return response


@pytest.mark.django_db
def test_a_report_reaches_the_lrs(
    lrs, member_client, demo, video_lecture, django_capture_on_commit_callbacks
):
    report(member_client, video_lecture, {"segments": [[0, 6]]}, django_capture_on_commit_callbacks)
    [request] = lrs.requests
    assert request["path"] == "/xapi/statements"
    headers = {k.lower(): v for k, v in request["headers"].items()}
    assert headers["x-experience-api-version"] == "1.0.3"
    assert headers["content-type"] == "application/json"
    token = base64.b64encode("lrs-key:lrs-sécret".encode()).decode()
    assert headers["authorization"] == f"Basic {token}"
    [statement] = json.loads(request["body"])
    assert statement["verb"]["id"] == xapi.PLAYED
    assert statement["result"]["extensions"][xapi.PLAYED_SEGMENTS] == "0[.]6"
    assert "member@example.com" not in request["body"].decode()
    # The export of the same state has the same statement: the LRS keeps one of the two.
    _, exported = download(client_for("trainer", demo), demo["course"])
    assert exported == [statement]
    # A trainer looking at their course is not learning in it: nothing sent, as in the export.
    trainer = client_for("trainer", demo)
    report(trainer, video_lecture, {"segments": [[0, 6]]}, django_capture_on_commit_callbacks)
    assert len(lrs.requests) == 1


@pytest.mark.django_db
def test_reports_that_change_nothing_are_not_forwarded(
    lrs, member_client, video_lecture, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    report(member_client, video_lecture, {"segments": [[0, 6]]}, capture)
    report(member_client, video_lecture, {"segments": [[0, 6]]}, capture)  # seen already
    report(member_client, video_lecture, {"reading_seconds": 5}, capture)  # not in a statement
    assert len(lrs.requests) == 1
    later(video_lecture)
    report(member_client, video_lecture, {"segments": [[6, 12]]}, capture)
    assert len(lrs.requests) == 2
    assert lrs.statements()[-1]["result"]["extensions"][xapi.PLAYED_SEGMENTS] == "0[.]12"


@pytest.mark.django_db
def test_completion_is_forwarded_for_articles(
    lrs, member_client, django_capture_on_commit_callbacks
):
    article = ArticlePage.objects.get(slug="what-is-e-government")
    report(member_client, article, {"done": True}, django_capture_on_commit_callbacks)
    [statement] = lrs.statements()
    assert statement["verb"]["id"] == xapi.COMPLETED
    assert statement["result"] == {"completion": True}  # not the 0% of it read
    assert statement["object"]["definition"]["name"] == {"zh-CN": "什么是电子政务"}


@pytest.mark.django_db
def test_the_course_completion_is_forwarded_with_the_lesson_that_completed_it(
    lrs, member_client, demo, django_capture_on_commit_callbacks
):
    member = demo["users"]["member"]
    course = demo["course"]
    article = ArticlePage.objects.get(slug="what-is-e-government")
    complete_all_but(member, course, article)
    response = report(member_client, article, {"done": True}, django_capture_on_commit_callbacks)
    assert response.json()["course_complete"] is True
    lesson, completed = lrs.statements()
    assert len(lrs.requests) == 2  # one POST each: a 409 for one never hides the other
    assert lesson["object"]["id"] == public(article)
    assert completed["object"]["id"] == public(course)
    assert completed["verb"]["id"] == xapi.COMPLETED
    enrolment = Enrolment.objects.get(user=member, course=course)
    assert completed["timestamp"] == xapi.iso_timestamp(enrolment.completed_at)
    # The export of the same completion is the same statement: the LRS keeps one.
    assert completed in xapi_service.course_statements(course)


@pytest.mark.django_db
def test_an_lrs_error_is_tried_again(
    lrs, member_client, video_lecture, django_capture_on_commit_callbacks, caplog
):
    lrs.statuses = [500, 503]
    report(member_client, video_lecture, {"segments": [[0, 6]]}, django_capture_on_commit_callbacks)
    assert len(lrs.requests) == 3
    assert len({s["id"] for s in lrs.statements()}) == 1  # the same statement each time
    assert "trying again" in caplog.text and "not delivered" not in caplog.text


@pytest.mark.django_db
def test_an_unreachable_lrs_does_not_break_the_progress_api(
    settings, member_client, video_lecture, django_capture_on_commit_callbacks, caplog
):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.ELEARN_XAPI_LRS_URL = f"http://127.0.0.1:{port}/xapi/"
    settings.ELEARN_XAPI_RETRY_SECONDS = 0.01
    settings.ELEARN_XAPI_MAX_ATTEMPTS = 3
    response = report(
        member_client, video_lecture, {"segments": [[0, 6]]}, django_capture_on_commit_callbacks
    )
    assert response.json()["state"] == "in_progress"
    assert caplog.text.count("trying again") == 2
    assert "not delivered after 3 attempt(s): the LRS could not be reached" in caplog.text
    assert LessonProgress.objects.get(page=video_lecture).watched == [[0, 6]]


@pytest.mark.django_db
def test_refusals_are_logged_not_retried(lrs, demo, video_lecture, caplog):
    lrs.statuses = [401]
    progress = record(demo["users"]["member"], video_lecture, {"segments": [[0, 4]]})
    assert xapi_service.forward(progress.pk) == "failed"
    assert len(lrs.requests) == 1 and "answered 401" in caplog.text
    lrs.statuses = [409]  # the LRS has this statement already
    assert xapi_service.forward(progress.pk) == "sent"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("second", "outcomes", "sent"),
    [
        ({"segments": [[4, 8]]}, ["superseded", "sent"], "0[.]8"),
        # An open tab's reading time is not in the statement: it queues nothing, and it
        # must not cancel the task queued before it.
        ({"reading_seconds": 10}, ["sent"], "0[.]4"),
    ],
)
def test_a_queue_that_fell_behind_sends_each_statement_once(
    lrs, demo, video_lecture, django_capture_on_commit_callbacks, second, outcomes, sent
):
    """With a real queue, tasks wait; a task is superseded only by a later report that
    changed what the statement says."""
    with override_settings(TASKS=DUMMY_TASKS):
        backend = forward_xapi_task.get_backend()
        user = demo["users"]["member"]
        with django_capture_on_commit_callbacks(execute=True):
            record(user, video_lecture, {"segments": [[0, 4]]})
        later(video_lecture)
        with django_capture_on_commit_callbacks(execute=True):
            record(user, video_lecture, second)
        ran = [forward_xapi_task.call(*result.args) for result in backend.results]
    assert ran == outcomes
    [statement] = lrs.statements()
    assert statement["result"]["extensions"][xapi.PLAYED_SEGMENTS] == sent


@pytest.mark.django_db
def test_a_task_queued_by_an_earlier_version_is_sent_not_dropped(lrs, demo, video_lecture):
    """Tasks queued before a deploy name the report's time, not what the statement says:
    they cannot tell whether they were superseded, so they send (the LRS keeps one)."""
    progress = record(demo["users"]["member"], video_lecture, {"segments": [[0, 4]]})
    old_style = xapi.revision(progress.last_report_at - timedelta(seconds=5))
    assert xapi_service.forward(progress.pk, revision=old_style) == "sent"
    assert len(lrs.statements()) == 1


@pytest.mark.django_db
def test_a_waiting_queue_retries_later_without_holding_a_worker(lrs, demo, video_lecture, settings):
    settings.ELEARN_XAPI_RETRY_SECONDS = 30
    lrs.statuses = [502]
    with override_settings(TASKS=DUMMY_TASKS):
        backend = forward_xapi_task.get_backend()
        progress = record(demo["users"]["member"], video_lecture, {"segments": [[0, 4]]})
        assert xapi_service.forward(progress.pk) == "retry"
        [retry] = backend.results
    assert retry.args[0] == progress.pk and retry.args[2] == 2
    assert retry.task.run_after > timezone.now() + timedelta(seconds=25)
    assert len(lrs.requests) == 1


def test_statements_endpoint_and_schemes():
    assert xapi.statements_endpoint("https://lrs.example.org/xapi/") == (
        "https://lrs.example.org/xapi/statements"
    )
    assert xapi.statements_endpoint("https://lrs.example.org/xapi") == (
        "https://lrs.example.org/xapi/statements"
    )
    with pytest.raises(xapi.LrsError, match="not http"):
        xapi.send_statements("file:///etc/", "k", "s", [], timeout=1)


@pytest.mark.django_db
def test_sites_that_match_people_by_email_choose_mbox(member_client, demo, video_lecture, settings):
    settings.ELEARN_XAPI_ACTOR = "mbox"
    post(member_client, video_lecture, {"segments": [[0, 8]]})
    _, [statement] = download(client_for("admin", demo), demo["course"])
    assert statement["actor"] == {
        "objectType": "Agent",
        "name": "李明",
        "mbox": "mailto:member@example.com",
    }
