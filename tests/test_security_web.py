"""Web security (issue 9, item 3): CSRF on every URL, no open redirects, ids in URLs checked
against the requester (documents in lessons included), the production headers and cookies,
an LRS client that keeps its credentials, and conversions that reach no network. Escaping of
typed text is in tests/test_security_escaping.py, failures in tests/test_failures.py; the
threat review that cites them all is docs/security.md."""

import json
import re
import sqlite3
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote, urlsplit

import pytest
from django.contrib.auth.models import Group, User
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.utils.text import slugify
from PIL import Image as PILImage
from pptx import Presentation
from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.oxml.ns import qn
from pptx.util import Inches
from wagtail.documents import get_document_model
from wagtail.models import Page

from courses import deck_service, xapi
from courses.decks import create_deck
from courses.demo_content import ensure_child
from courses.enrolments import enrol
from courses.models import (
    Certificate,
    CoursePage,
    Enrolment,
    HandoutBuild,
    LecturePage,
    LessonProgress,
    SlideDeck,
    VideoCaption,
    VideoPosition,
)
from courses.roles import TRAINERS
from discussion.models import Follow, Post, Thread
from insights.models import (
    Announcement,
    CourseFeedbackPage,
    FeedbackFormField,
    FeedbackSubmission,
)
from tests.conftest import PASSWORDS, client_for
from tests.test_settings import PRODUCTION_ENV, manage
from tests.test_tasks import database_url

pytestmark = pytest.mark.django_db

# CSRF ------------------------------------------------------------------------------------------

# Sample values for the parts of a route: the CSRF check runs before the view, so any value
# that resolves to the view will do (the view never sees the request).
CONVERTER_SAMPLES = {
    "id": "1",
    "int": "1",
    "str": "x",
    "slug": "x",
    "path": "x/y",
    "uuid": "0" * 32,
}
REGEX_SAMPLES = [
    (r"(?P<revision_id_a>live|earliest|\d+)", "earliest"),
    (r"(?P<revision_id_b>live|latest|\d+)", "latest"),
    (r"(?P<pk>\d+)", "1"),
    (r"((?:[\w\-]+/)*)", "some-page/"),
    (r"(\d+)", "1"),
    (r"(.*)", "x.pdf"),
    (r".*", "x"),
    (r"\.", "."),
]
# Views Django sees as csrf_exempt, why that is safe, and what a token-less POST to them gets
# instead of Django's 403.
CSRF_EXEMPT = {
    # Django REST framework exempts its views from Django's middleware and checks the token
    # itself for session-authenticated requests: the sweep still expects a CSRF 403.
    "admin/api/main/": lambda response: csrf_refused(response),
    # One-click unsubscribe (RFC 8058): mail programs POST without a token. The signed token
    # in the URL is the authority, naming one member and one kind of email; a bad one is
    # refused and changes nothing (insights/views/notifications.py).
    "notifications/unsubscribe/": lambda response: response.status_code == 400,
}
# Not URL patterns at all, so not walked: answered by middleware before any view.
NOT_IN_THE_RESOLVER = {
    "/healthz": "elearn.healthz middleware: GET and HEAD only, changes nothing (tests/test_ops.py)",
}


def walk(patterns, prefix=""):
    """Every URL pattern under ``patterns``: (route text, pattern)."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            assert isinstance(pattern, URLPattern)
            yield prefix + str(pattern.pattern), pattern


def sample_url(route: str) -> str:
    """A URL that the route matches, made from sample values."""
    url = route
    for regex, sample in REGEX_SAMPLES:
        url = url.replace(regex, sample)
    url = re.sub(r"<(?:(\w+):)?\w+>", lambda m: CONVERTER_SAMPLES[m.group(1) or "str"], url)
    return "/" + url.replace("^", "").replace("$", "").replace("\\Z", "")


def every_route():
    return list(walk(get_resolver().url_patterns))


def test_the_walk_covers_our_admin_views_and_every_route_resolves():
    routes = dict(every_route())
    for ours in [
        "admin/courses/<id:page_id>/members/",
        "admin/courses/<id:page_id>/xapi/",
        "admin/handouts/print/<id:page_id>/",
        "admin/handouts/<id:handout_id>/",
        "admin/handouts/<id:handout_id>/download/",
        "admin/enrolment-requests/",
        "admin/lectures/<id:page_id>/slide-times/",
        "admin/lectures/<id:page_id>/narrate/",
        "admin/decks/<id:deck_id>/convert/",
        "admin/snippets/courses/slidedeck/add/",
        "progress/<id:page_id>/",
    ]:
        assert ours in routes, ours
    # Each sample URL reaches its own view, but where an earlier pattern answers that URL
    # instead (the sweep then tests the view that really answers it).
    shadowed = {
        route
        for route, pattern in every_route()
        if resolve(sample_url(route)).func != pattern.callback
    }
    # Django's log-in view, replaced by our throttled one; its password reset, by ours that
    # names the organisation in the email; its log-out, by ours that says it worked.
    assert shadowed == {"accounts/login/", "accounts/password_reset/", "accounts/logout/"}


def csrf_refused(response) -> bool:
    if response.status_code != 403:
        return False
    body = response.content.decode(errors="replace")
    return "CSRF verification failed" in body or "CSRF Failed" in body


def test_no_view_skips_django_csrf_check_but_those_listed():
    exempt = {
        route for route, pattern in every_route() if getattr(pattern.callback, "csrf_exempt", False)
    }
    unexplained = {r for r in exempt if not any(r.startswith(p) for p in CSRF_EXEMPT)}
    assert unexplained == set()


def test_every_url_refuses_a_post_without_a_csrf_token(demo):
    """POST to every URL pattern (the public site as the enrolled member, the admin as the
    superuser, who may do everything there) without a token: each must be refused by the
    CSRF check, before the view runs."""
    member = Client(enforce_csrf_checks=True)
    member.force_login(demo["users"]["member"])
    admin = Client(enforce_csrf_checks=True)
    admin.force_login(demo["users"]["admin"])
    accepted = []
    for route, _pattern in every_route():
        url = sample_url(route)
        client = admin if route.startswith("admin/") else member
        response = client.post(url, {"title": "x"})
        refused = next(
            (check for prefix, check in CSRF_EXEMPT.items() if route.startswith(prefix)),
            csrf_refused,
        )
        if not refused(response):
            accepted.append(f"{url} ({route}): {response.status_code}")
    assert accepted == []
    # The same request with the token is let through to the view (the sweep can tell).
    progress = f"/progress/{demo['slides_lecture'].pk}/"
    token_client = Client(enforce_csrf_checks=True)
    token_client.force_login(demo["users"]["member"])
    token_client.get(demo["slides_lecture"].url)  # sets the csrftoken cookie
    token = token_client.cookies["csrftoken"].value
    answer = token_client.post(
        progress, json.dumps({"slides": [1]}), "application/json", HTTP_X_CSRFTOKEN=token
    )
    assert answer.status_code == 200


def test_every_url_refuses_other_unsafe_methods_without_a_token(demo):
    """PUT, PATCH and DELETE are checked too: spot-check our JSON endpoints and the admin API."""
    member = Client(enforce_csrf_checks=True)
    member.force_login(demo["users"]["member"])
    admin = Client(enforce_csrf_checks=True)
    admin.force_login(demo["users"]["admin"])
    page = demo["slides_lecture"].pk
    for client, url in [
        (member, f"/progress/{page}/"),
        (member, f"/videos/{demo['video'].pk}/position/"),
        (admin, f"/admin/api/main/pages/{page}/"),
        (admin, f"/admin/courses/{demo['course'].pk}/members/"),
    ]:
        for method in (client.put, client.patch, client.delete):
            assert csrf_refused(method(url, "{}", content_type="application/json")), (url, method)


# Open redirects --------------------------------------------------------------------------------

OFF_SITE = [
    "https://evil.example/",
    "//evil.example",
    "//evil.example/%2F..",
    "/\\evil.example",
    "https:/evil.example",
    "http://testserver@evil.example/",
]


def stays_on_site(response) -> bool:
    """A redirect whose target is this site (every request below is answered by one)."""
    if response.status_code not in (301, 302, 303, 307, 308):
        return False
    location = response["Location"]
    parts = urlsplit(location)
    return (
        parts.netloc in ("", "testserver")
        and not location.startswith(("//", "/\\"))
        and "evil.example" not in location
    )


@pytest.mark.parametrize("target", OFF_SITE)
def test_no_next_parameter_leads_off_site(demo, target):
    checked = []

    def check(label, response):
        checked.append(label)
        assert stays_on_site(response), (label, target, response.get("Location"))

    # Log-in (the site's and the admin's), with next in the query and in the form.
    for url in ("/accounts/login/", "/admin/login/"):
        check(
            f"{url} POST",
            Client().post(
                f"{url}?next={quote(target)}",
                {"username": "member", "password": PASSWORDS["member"], "next": target},
            ),
        )
    # Sign-up: a new account, and an account already logged in sent away at once.
    check(
        "signup POST",
        Client().post(
            f"/accounts/signup/?next={quote(target)}",
            {
                "username": "newcomer",
                "email": "newcomer@example.com",
                "first_name": "New",
                "last_name": "Comer",
                "password1": "a-long-passphrase-42",
                "password2": "a-long-passphrase-42",
                "next": target,
            },
        ),
    )
    check(
        "signup GET, logged in",
        client_for("member", demo).get("/accounts/signup/", {"next": target}),
    )
    # The language switcher.
    check(
        "set_language",
        Client().post("/i18n/setlang/", {"language": "zh-hans", "next": target}),
    )
    check(
        "set_language Referer",
        Client().post("/i18n/setlang/", {"language": "zh-hans"}, HTTP_REFERER=target),
    )
    # Log-out, on the site and in the admin.
    for url in ("/accounts/logout/", "/admin/logout/"):
        client = client_for("admin", demo)
        check(f"{url} POST", client.post(f"{url}?next={quote(target)}", {"next": target}))
    assert len(checked) == 8


# Ids in URLs (IDOR) ------------------------------------------------------------------------------


@pytest.fixture
def rival(demo):
    """Another course with a trainer and a member of its own: both must reach nothing of the
    digital office course (the demo's), whatever id they put in a URL."""
    trainer = User.objects.create_user("rival-trainer", "rival-t@example.com", "pw-12345678")
    trainer.groups.add(Group.objects.get(name=TRAINERS))
    member = User.objects.create_user("rival-member", "rival-m@example.com", "pw-12345678")
    course = ensure_child(
        demo["catalogue"],
        CoursePage,
        "rival-course",
        title="Rival course",
        summary="Another course.",
        trainers=[trainer],
    )
    enrol(member, course, source=Enrolment.Source.ADMIN)
    clients = {}
    for name, user in (("trainer", trainer), ("member", member)):
        clients[name] = Client()
        clients[name].force_login(user)
    assert course.permissions_for_user(trainer).can_edit()  # a real trainer, of that course
    clients["course"] = course
    return clients


@pytest.fixture
def victim(demo, django_capture_on_commit_callbacks):
    """What the digital office course holds: lessons, a deck, a video with captions, a
    member's certificate, a handout, an enrolment request."""
    lecture = LecturePage.objects.get(pk=demo["slides_lecture"].pk)
    video_lecture = LecturePage.objects.get(pk=demo["video_lecture"].pk)
    video = video_lecture.video
    caption = VideoCaption.objects.create(
        video=video, language="en", label="English", kind="captions",
        file=SimpleUploadedFile("c.vtt", b"WEBVTT\n"),
        vtt="WEBVTT\n\n00:00.000 --> 00:01.000\nSecret words\n",
        cues=[[0, 1, "Secret words"]],
    )  # fmt: skip
    member = demo["users"]["member"]
    enrolment = Enrolment.objects.get(user=member, course=demo["course"])
    certificate = Certificate.objects.create(
        enrolment=enrolment, member_name="李明", course_title=demo["course"].title
    )
    handout = HandoutBuild.objects.create(
        page=demo["course"],
        requested_by=demo["users"]["trainer"],
        status=HandoutBuild.Status.READY,
        file=default_storage.save("handouts/secret.pdf", ContentFile(b"%PDF-1.4 secret")),
    )
    applicant = User.objects.create_user("applicant", "applicant@example.com", "pw-12345678")
    applicant.first_name, applicant.last_name = "Apple", "Applicant"
    applicant.save()
    Enrolment.objects.create(user=applicant, course=demo["course"], status=Enrolment.Status.PENDING)
    welcome_video = demo["video"]  # on a free-preview lecture: everyone may watch it
    # The course's discussion, announcements and survey.
    thread = Thread.objects.create(
        lesson=lecture, course=demo["course"], author=member, title="Secret question"
    )
    announcement = Announcement.objects.create(
        course=demo["course"], title="Secret announcement", body="For members only."
    )
    survey = CourseFeedbackPage(title="Course feedback", slug="feedback")
    demo["course"].add_child(instance=survey)
    FeedbackFormField.objects.create(page=survey, label="Anything?", field_type="singleline")
    survey.save_revision().publish()
    FeedbackSubmission.objects.create(page=survey, user=member, form_data={"anything": "李明说"})
    return {
        "thread": thread,
        "announcement": announcement,
        "survey": survey,
        "course": demo["course"],
        "lecture": lecture,
        "video_lecture": video_lecture,
        "deck": demo["deck"],
        "video": video,
        "caption": caption,
        "certificate": certificate,
        "handout": handout,
        "welcome_video": welcome_video,
        "slide": demo["deck"].slides.get(number=2),
    }


def refused(response) -> bool:
    """403 or 404, or Wagtail's answer to PermissionDenied in the admin: a redirect to the
    dashboard (or to the log-in page for those without admin access)."""
    if response.status_code in (403, 404):
        return True
    if response.status_code == 302:
        return urlsplit(response["Location"]).path in ("/admin/", "/admin/login/")
    return False


def public_urls(v) -> dict[str, str]:
    rendition = v["video"].renditions.first()
    return {
        "lecture page": v["lecture"].url,
        "slide page": v["lecture"].url + "slides/2/",
        "video lecture page": v["video_lecture"].url,
        "slide image": v["slide"].src,
        "deck pdf": v["deck"].pdf_url,
        "video rendition": rendition.url,
        "video poster": v["video"].poster_url,
        "caption": v["caption"].url,
        # The caption of a video the requester may not watch, asked for through one they may.
        "caption via another video": f"/videos/{v['welcome_video'].pk}/captions/{v['caption'].pk}.vtt",
        "resume position": f"/videos/{v['video'].pk}/position/",
        "certificate pdf": f"/certificates/{v['certificate'].code}/pdf/",
        "a question": f"/discussion/{v['thread'].pk}/",
        "the course's questions": f"/discussion/course/{v['course'].pk}/",
        "ask under a lesson": f"/discussion/lesson/{v['lecture'].pk}/ask/",
        "the course survey": v["survey"].url,
    }


def test_a_member_of_another_course_reaches_nothing_by_id(rival, victim):
    member = rival["member"]
    for label, url in public_urls(victim).items():
        response = member.get(url)
        assert refused(response), (label, url, response.status_code)
    # Writes: progress on a lesson of another course, a resume position on its video.
    progress = member.post(
        f"/progress/{victim['lecture'].pk}/", json.dumps({"slides": [1, 2]}), "application/json"
    )
    assert progress.status_code == 403
    position = member.post(
        f"/videos/{victim['video'].pk}/position/", json.dumps({"position": 1}), "application/json"
    )
    assert position.status_code == 404
    thread = victim["thread"].pk
    for url, data in [
        (f"/discussion/{thread}/reply/", {"body": "hello"}),
        (f"/discussion/{thread}/follow/", {"follow": "1"}),
        (f"/discussion/{thread}/report/", {"reason": "spam"}),
        (f"/discussion/{thread}/moderate/", {"action": "delete"}),
        (f"/discussion/lesson/{victim['lecture'].pk}/ask/", {"title": "Hi?", "body": ""}),
    ]:
        assert refused(member.post(url, data)), url
    survey = member.post(victim["survey"].url, {"anything": "from outside"})
    assert survey.status_code == 403
    assert not LessonProgress.objects.filter(user__username="rival-member").exists()
    assert not VideoPosition.objects.filter(user__username="rival-member").exists()
    assert not Post.objects.exists() and not Follow.objects.filter(user__username="rival-member")
    assert Thread.objects.filter(pk=thread).exists() and FeedbackSubmission.objects.count() == 1
    # The admin is not theirs at all.
    for label, url in admin_urls(victim).items():
        assert refused(member.get(url)), label


def admin_urls(v) -> dict[str, str]:
    course, lecture, handout = v["course"].pk, v["lecture"].pk, v["handout"].pk
    return {
        "members": f"/admin/courses/{course}/members/",
        "xapi export": f"/admin/courses/{course}/xapi/",
        "print course handouts": f"/admin/handouts/print/{course}/",
        "print lecture handouts": f"/admin/handouts/print/{lecture}/",
        "handout status": f"/admin/handouts/{handout}/",
        "handout status json": f"/admin/handouts/{handout}/?format=json",
        "handout download": f"/admin/handouts/{handout}/download/",
        "slide times": f"/admin/lectures/{lecture}/slide-times/",
        "video from slides": f"/admin/lectures/{v['video_lecture'].pk}/narrate/",
        "edit the lecture": f"/admin/pages/{lecture}/edit/",
        "edit the course": f"/admin/pages/{course}/edit/",
        "lecture draft": f"/admin/pages/{lecture}/view_draft/",
        "announcements": f"/admin/courses/{course}/announcements/",
        "video audience": f"/admin/insights/video/{v['video_lecture'].pk}/",
        "survey answers": f"/admin/forms/submissions/{v['survey'].pk}/",
        "survey answers csv": f"/admin/forms/submissions/{v['survey'].pk}/?export=csv",
    }


def test_a_trainer_of_another_course_reaches_nothing_of_this_one_by_id(
    rival, victim, django_capture_on_commit_callbacks
):
    trainer = rival["trainer"]
    for label, url in admin_urls(victim).items():
        response = trainer.get(url)
        assert refused(response), (label, url, response.status_code)
        assert "李明" not in response.content.decode(), label
    # Writes through the same views change nothing.
    course, lecture = victim["course"], victim["lecture"]
    timings = list(lecture.slide_timings.values_list("slide_number", "start"))
    with django_capture_on_commit_callbacks(execute=True) as queued:
        for url, data in [
            (f"/admin/courses/{course.pk}/members/", {"action": "enrol_user", "who": "rival-member"}),
            (f"/admin/courses/{course.pk}/members/", {"action": "remove", "enrolment": 1}),
            (f"/admin/handouts/print/{course.pk}/", {"layout": "6", "paper": "a4", "order": "horizontal", "recipients": "one"}),
            (f"/admin/lectures/{lecture.pk}/slide-times/", {"start-1": "0:00", "start-2": "0:05"}),
            (f"/admin/lectures/{victim['video_lecture'].pk}/narrate/", {"seconds": "5"}),
        ]:  # fmt: skip
            assert refused(trainer.post(url, data)), url
    assert queued == []
    # Their own course's announcements page cannot remove another course's announcement,
    # nor moderate another course's question.
    own = rival["course"].pk
    removal = {"action": "delete", "announcement": victim["announcement"].pk}
    assert trainer.post(f"/admin/courses/{own}/announcements/", removal).status_code == 404
    moderation = trainer.post(f"/discussion/{victim['thread'].pk}/moderate/", {"action": "delete"})
    assert refused(moderation)
    assert Announcement.objects.filter(pk=victim["announcement"].pk).exists()
    assert Thread.objects.filter(pk=victim["thread"].pk).exists()
    # Reports: asking for the other course by id is refused with a message, not answered.
    report = trainer.get("/admin/insights/progress/", {"course": course.pk}, follow=True)
    assert report.redirect_chain == [("/admin/", 302)]
    assert "李明" not in report.content.decode()
    queue = trainer.get("/admin/discussion/").content.decode()
    assert "Secret question" not in queue
    assert not Enrolment.objects.filter(course=course, user__username="rival-member").exists()
    assert HandoutBuild.objects.filter(page=course).count() == 1
    assert list(lecture.slide_timings.values_list("slide_number", "start")) == timings
    # The lesson pages, the files and the certificate are not theirs either.
    for label in ("lecture page", "slide page", "certificate pdf"):
        assert refused(trainer.get(public_urls(victim)[label])), label
    # Enrolment requests: only those of their own courses are listed.
    requests = trainer.get("/admin/enrolment-requests/").content.decode()
    assert "Applicant" not in requests and "applicant@example.com" not in requests


def test_trainers_share_the_deck_and_video_library(rival, victim):
    """By design (docs/security.md, Admin): slide decks and videos are one library that every
    trainer uploads to and chooses from, like Wagtail's images and documents, so a trainer of
    another course may preview them and open their files; the lessons showing them stay closed."""
    trainer = rival["trainer"]
    assert trainer.get(f"/admin/decks/{victim['deck'].pk}/preview/").status_code == 200
    assert trainer.get(victim["slide"].src).status_code == 200
    assert refused(trainer.get(victim["lecture"].url))


def test_enrolling_by_id_follows_the_courses_rules(rival, victim, demo):
    member = rival["member"]
    closed = demo["safety_course"]
    closed.enrolment = CoursePage.Enrolment.CLOSED
    closed.save_revision().publish()
    member.post(f"/enrol/{closed.pk}/")
    assert not Enrolment.objects.filter(course=closed, user__username="rival-member").exists()
    draft = ensure_child(
        demo["catalogue"], CoursePage, "draft-course", title="Draft course", summary="Not yet."
    )
    draft.unpublish()
    assert member.post(f"/enrol/{draft.pk}/").status_code == 404
    # Leaving acts on one's own enrolment only: the demo member stays enrolled.
    member.post(f"/enrol/{victim['course'].pk}/leave/")
    assert (
        Enrolment.objects.active()
        .filter(course=victim["course"], user=demo["users"]["member"])
        .exists()
    )


# Production headers and cookies ------------------------------------------------------------------

# Run inside `manage.py shell` under elearn.settings.production: plain HTTP is sent to HTTPS,
# then the log-in page and a log-in over HTTPS (as the proxy reports it) show the headers and
# the cookies' flags. Static files are looked up without collectstatic's manifest; what the
# probe writes (a user, a session) is rolled back.
PRODUCTION_PROBE = """
import json
from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.test import Client, override_settings

static = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
seen = {}
with override_settings(STORAGES=static), transaction.atomic():
    User.objects.create_user("probe", "probe@example.com", "probe-passphrase-1")
    client = Client(HTTP_HOST="training.example.org")
    plain = client.get("/accounts/login/")
    seen["plain"] = [plain.status_code, plain.get("Location")]
    https = {"HTTP_X_FORWARDED_PROTO": "https"}
    for label, response in [
        ("login page", client.get("/accounts/login/", **https)),
        ("log in", client.post("/accounts/login/", {"username": "probe", "password": "probe-passphrase-1"}, **https)),
        ("course page", client.get("/digital-office/", **https)),
        ("admin", client.get("/admin/login/", **https)),
    ]:
        seen[label] = {
            "status": response.status_code,
            "headers": {k: v for k, v in response.headers.items()},
            "cookies": {
                name: {"secure": bool(m["secure"]), "httponly": bool(m["httponly"]), "samesite": m["samesite"]}
                for name, m in response.cookies.items()
            },
        }
    transaction.set_rollback(True)
print(json.dumps(seen))
"""


@pytest.fixture
def production_database(tmp_path):
    """A DATABASE_URL the production process may write to (a log-in saves a session, rolled
    back): on SQLite a consistent copy of the test database, whose writer lock this test holds."""
    db = connection.settings_dict
    if not db["ENGINE"].endswith("sqlite3"):
        return database_url()
    copy = tmp_path / "production.sqlite3"
    source, target = sqlite3.connect(db["NAME"]), sqlite3.connect(copy)
    with target:
        source.backup(target)
    source.close()
    target.close()
    return f"sqlite:///{copy}"


@pytest.mark.slow
def test_production_sends_hsts_secure_cookies_and_the_safety_headers(demo, production_database):
    result = manage(
        "shell", "-c", PRODUCTION_PROBE, env={**PRODUCTION_ENV, "DATABASE_URL": production_database}
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["plain"] == [301, "https://training.example.org/accounts/login/"]
    assert seen["log in"]["status"] == 302, seen["log in"]
    for label in ("login page", "log in", "course page", "admin"):
        headers = seen[label]["headers"]
        assert headers["Strict-Transport-Security"] == (
            "max-age=31536000; includeSubDomains; preload"
        ), label
        assert headers["X-Content-Type-Options"] == "nosniff", label
        assert headers["Referrer-Policy"] == "same-origin", label
        assert headers["X-Frame-Options"] == "DENY", label
        assert headers["Cross-Origin-Opener-Policy"] == "same-origin", label
    for label in ("login page", "log in", "course page"):
        assert "script-src 'self';" in seen[label]["headers"]["Content-Security-Policy"], label
    assert seen["course page"]["status"] == 200
    cookies = {**seen["login page"]["cookies"], **seen["log in"]["cookies"]}
    assert cookies["csrftoken"]["secure"]  # read by the player's script, so not HttpOnly
    assert cookies["sessionid"] == {"secure": True, "httponly": True, "samesite": "Lax"}


# Documents in lessons -----------------------------------------------------------------------------


def attach_document(page, title: str):
    """A Wagtail document in the page's body, as an editor adds one with the chooser."""
    document = get_document_model().objects.create(
        title=title, file=ContentFile(b"%PDF-1.4 " + title.encode(), name=f"{slugify(title)}.pdf")
    )
    page = page.specific
    page.body = json.dumps(
        [{"type": "document", "value": {"document": document.pk, "description": ""}}]
    )
    page.save_revision().publish()
    return document


def test_documents_follow_the_lessons_that_use_them(demo, rival):
    """A PDF added to a lesson is lesson content: Wagtail's document view serves any
    document to anyone with its URL, so elearn asks the lessons that use it first."""
    lesson = Page.objects.get(url_path__endswith="/digital-office/practice/records-management/")
    policy = Page.objects.get(url_path__endswith="/library/data-protection-policy/")
    in_lesson = attach_document(lesson, "Lesson handout")
    in_library = attach_document(policy, "Public policy")
    unused = get_document_model().objects.create(
        title="Draft form", file=ContentFile(b"%PDF-1.4 draft", name="draft-form.pdf")
    )
    enrolled, visitor = client_for("member", demo), Client()
    assert enrolled.get(lesson.url).status_code == 200
    assert in_lesson.url in enrolled.get(lesson.url).content.decode()
    expected = {
        # (document, who): may they download it?
        (in_lesson, "enrolled member"): True,
        (in_lesson, "course trainer"): True,
        (in_lesson, "member of another course"): False,
        (in_lesson, "visitor"): False,
        (in_library, "visitor"): True,
        (in_library, "member of another course"): True,
        (unused, "visitor"): False,
        (unused, "member of another course"): False,
        # Trainers choose documents from the shared library in the admin, as with decks.
        (unused, "course trainer"): True,
        (in_lesson, "trainer of another course"): True,
    }
    clients = {
        "enrolled member": enrolled,
        "course trainer": client_for("trainer", demo),
        "member of another course": rival["member"],
        "trainer of another course": rival["trainer"],
        "visitor": visitor,
    }
    answers = {
        (document, who): clients[who].get(document.url).status_code for document, who in expected
    }
    assert answers == {key: 200 if allowed else 404 for key, allowed in expected.items()}


# The Learning Record Store ------------------------------------------------------------------------


class RecordingServer:
    """A local HTTP server that answers every POST with ``status`` (and ``Location``)."""

    def __init__(self, status: int, location: str = ""):
        self.requests = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                recorder.requests.append((self.path, dict(self.headers), self.rfile.read(length)))
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_POST

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/xapi/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_the_lrs_client_follows_no_redirect_so_its_credentials_stay_put(status):
    """An LRS answering with a redirect (a moved server, or one that was taken over) would
    have urllib send the Basic credentials on to wherever it points: the client refuses."""
    elsewhere = RecordingServer(200)
    lrs = RecordingServer(status, location=elsewhere.url + "statements")
    try:
        with pytest.raises(xapi.LrsError) as refused:
            xapi.send_statements(lrs.url, "lrs-key", "lrs-secret", [{"id": "x"}], timeout=5)
        assert refused.value.status == status and not refused.value.retry
        assert len(lrs.requests) == 1 and lrs.requests[0][1]["Authorization"].startswith("Basic ")
        assert elsewhere.requests == []
    finally:
        lrs.close()
        elsewhere.close()


# Uploads reach no network -------------------------------------------------------------------------


@pytest.mark.slow
def test_a_deck_linking_a_picture_on_a_server_converts_without_fetching_it(demo, tmp_path):
    """A picture linked (not embedded) in a deck would have LibreOffice fetch its URL while
    converting, from inside the server's network (a bare ``soffice --convert-to pdf`` does):
    a deck could probe internal services. elearn runs LibreOffice with no network."""
    listener = RecordingServer(404)
    try:
        image = tmp_path / "x.png"
        PILImage.new("RGB", (20, 20), "red").save(image)
        prs = Presentation()
        slide = prs.slides.add_slide(prs.slide_layouts[6])
        picture = slide.shapes.add_picture(str(image), Inches(1), Inches(1))
        link = slide.part.relate_to(listener.url + "linked.png", RT.IMAGE, is_external=True)
        blip = picture._element.blipFill.find(qn("a:blip"))
        del blip.attrib[qn("r:embed")]
        blip.set(qn("r:link"), link)
        prs.save(tmp_path / "linked.pptx")
        deck = deck_service.convert(create_deck(tmp_path / "linked.pptx"))
        assert deck.status == SlideDeck.Status.READY, deck.error_message
        assert listener.requests == []
    finally:
        listener.close()
