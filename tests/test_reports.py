"""Reports in the admin: each one's numbers against a course with known answers
(tests/reporting.py), the CSV and XLSX downloads, filters, and who may see what."""

import csv
import io
from datetime import timedelta

import openpyxl
import pytest
from django.test import Client

from insights import metrics

from .reporting import build

pytestmark = pytest.mark.django_db

PROGRESS = "/admin/insights/progress/"
SUMMARY = "/admin/insights/summary/"
GROUPS = "/admin/insights/groups/"
DROP_OFF = "/admin/insights/drop-off/"
CERTIFICATES = "/admin/insights/certificates/"


@pytest.fixture
def known(demo):
    return build(demo)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def trainer(known):
    return logged_in(known.trainer)


def download(client, url: str, params: dict, fmt: str):
    response = client.get(url, {**params, "export": fmt})
    assert response.status_code == 200, response
    return response, b"".join(response.streaming_content)


def csv_rows(client, url, params) -> list[dict]:
    response, data = download(client, url, params, "csv")
    assert response["Content-Type"].startswith("text/csv")
    assert data.startswith("\ufeff".encode())  # so Excel reads the Chinese names as such
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def xlsx_rows(client, url, params) -> list[dict]:
    response, data = download(client, url, params, "xlsx")
    assert "attachment" in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    # A read-only sheet leaves out a row's empty cells at its end.
    width = len(rows[0])
    return [dict(zip(rows[0], row + (None,) * (width - len(row)), strict=True)) for row in rows[1:]]


# The numbers --------------------------------------------------------------------------


def test_summary_figures_of_the_known_course(known):
    from courses.models import Enrolment

    facts = metrics.enrolment_facts(Enrolment.objects.filter(course=known.course))
    summary = metrics.summarise(facts)
    assert summary.enrolled == 6  # the withdrawn member is not counted
    assert (summary.completed, summary.in_progress, summary.not_started) == (2, 3, 1)
    assert summary.completion_percent == 33
    assert summary.median_days == 7.0  # 4 and 10 days
    assert summary.progress_percent == 44  # (1 + 1 + 1/3 + 1/3 + 0 + 0) / 6


def test_course_summary_report_and_its_exports(trainer, known):
    params = {"course": known.course.pk}
    page = trainer.get(SUMMARY, params).content.decode()
    assert "Known answers" in page
    assert "Activity per week" in page and "<svg" in page
    [row] = csv_rows(trainer, SUMMARY, params)
    assert row == {
        "Course": "Known answers",
        "Enrolled": "6",
        "Not started": "1",
        "In progress": "3",
        "Completed the course": "2",
        "Completion rate (%)": "33",
        "Median days to complete": "7.0",
        "Average progress (%)": "44",
    }
    [sheet_row] = xlsx_rows(trainer, SUMMARY, params)
    assert sheet_row["Enrolled"] == 6 and sheet_row["Median days to complete"] == 7.0


def test_summary_filters_by_group_and_enrolment_date(trainer, known):
    [north] = csv_rows(
        trainer, SUMMARY, {"course": known.course.pk, "group": known.groups["north"].pk}
    )
    assert (north["Enrolled"], north["Completed the course"], north["In progress"]) == (
        "3",
        "2",
        "1",
    )
    [early] = csv_rows(
        trainer,
        SUMMARY,
        {"course": known.course.pk, "enrolled_from": "2026-03-01", "enrolled_to": "2026-03-03"},
    )
    assert early["Enrolled"] == "4"  # m5 and m6 enrolled on 22 March


def test_new_enrolments_chart_adds_up_to_the_enrolled_column(trainer, known):
    """Requests waiting or declined, and members who left, are not new enrolments: over the
    filter's dates the chart counts the members the table says are enrolled."""
    from courses.models import Enrolment

    from .reporting import T0, user

    Enrolment.objects.create(
        user=user("asking"), course=known.course, created_at=T0, status=Enrolment.Status.PENDING
    )
    Enrolment.objects.create(
        user=user("refused"), course=known.course, created_at=T0, status=Enrolment.Status.DECLINED
    )
    params = {"course": known.course.pk, "enrolled_from": "2026-03-01", "enrolled_to": "2026-03-31"}
    [row] = csv_rows(trainer, SUMMARY, params)
    [chart] = trainer.get(SUMMARY, params).context["charts"]
    column = chart["headers"].index("New enrolments")
    weekly = {values[0]: values[column] for values in chart["rows"]}
    assert weekly["03-02"] == 4 and weekly["03-16"] == 2  # m1–m4, then m5 and m6
    assert sum(weekly.values()) == int(row["Enrolled"]) == 6


def test_lessons_completed_chart_counts_active_members_only(trainer, known):
    """As every other count of the report, the chart's lessons completed are those of members
    whose enrolment in the course is active: not a withdrawn member's (m7 completed A1 in
    the first week), even when they are active in another course of the report."""
    from courses.models import Enrolment, LessonProgress

    from .reporting import T0

    LessonProgress.objects.create(  # an active member's completion in the fourth week
        user=known.members["m5"],
        page=known.lessons["A1"],
        completed_at=T0 + timedelta(days=22),
        last_report_at=T0 + timedelta(days=22),
    )
    known.other.trainers.add(known.trainer)
    known.other.save()  # a page's trainers are saved with the page
    Enrolment.objects.create(user=known.members["m7"], course=known.other, created_at=T0)
    dates = {"enrolled_from": "2026-03-01", "enrolled_to": "2026-03-31"}
    # m1's four, m2's two, m3's and m4's A1; then m2's A4; then m5's A1.
    expected = {"02-23": 0, "03-02": 8, "03-09": 1, "03-16": 0, "03-23": 1, "03-30": 0}
    for course in (known.course.pk, ""):  # the course, and all the trainer's courses
        response = trainer.get(SUMMARY, {**dates, "course": course})
        titles = {row.title for row in response.context["object_list"]}
        assert ("Someone else's course" in titles) == (course == "")
        [chart] = response.context["charts"]
        column = chart["headers"].index("Lessons completed")
        weekly = {values[0]: values[column] for values in chart["rows"]}
        assert weekly == expected, course


def test_groups_compared(trainer, known):
    rows = {row["Group"]: row for row in csv_rows(trainer, GROUPS, {"course": known.course.pk})}
    assert rows["North branch"] == {
        "Group": "North branch",
        "Enrolled": "3",
        "Not started": "0",
        "In progress": "1",
        "Completed the course": "2",
        "Completion rate (%)": "67",
        "Median days to complete": "7.0",
        "Average progress (%)": "78",
    }
    south = rows["South branch"]
    assert (south["Enrolled"], south["Not started"], south["In progress"]) == ("3", "1", "2")
    assert (south["Completion rate (%)"], south["Median days to complete"]) == ("0", "")
    assert rows["In no group"]["Enrolled"] == "1"
    page = trainer.get(GROUPS, {"course": known.course.pk}).content.decode()
    assert "Completion rate by group" in page and "North branch" in page


def test_lesson_drop_off_and_the_funnel(trainer, known):
    rows = csv_rows(trainer, DROP_OFF, {"course": known.course.pk})
    table = [
        (r["Lesson"], r["Optional"], r["Started"], r["Completed the lesson"], r["Stopped here"])
        for r in rows
    ]
    assert table == [
        ("A1 Basics", "no", "5", "4", "1"),
        ("L2 The talk", "no", "3", "2", "2"),
        ("A3 Extra", "yes", "1", "1", "0"),
        ("A4 Wrap-up", "no", "2", "2", "0"),
    ]
    assert [r["Completed the lesson (%)"] for r in rows] == ["67", "33", "17", "33"]
    page = trainer.get(DROP_OFF, {"course": known.course.pk}).content.decode()
    assert "Completion funnel: Known answers" in page
    assert "1 enrolled member has not started yet." in page


def test_course_progress_matrix(trainer, known):
    params = {"course": known.course.pk}
    rows = {row["Username"]: row for row in csv_rows(trainer, PROGRESS, params)}
    assert set(rows) == {"m1", "m2", "m3", "m4", "m5", "m6"}
    m3 = rows["m3"]
    assert m3["Member"] == "Cat Three" and m3["Groups"] == "North branch, South branch"
    assert (m3["Progress (%)"], m3["Required lessons done"], m3["Required lessons"]) == (
        "33",
        "1",
        "3",
    )
    assert m3["1. A1 Basics: state"] == "Done"
    assert m3["2. L2 The talk: state"] == "In progress"
    assert m3["2. L2 The talk: %"] == "50"
    assert m3["2. L2 The talk: video watched (%)"] == "50"
    assert m3["4. A4 Wrap-up: state"] == "Not started"
    assert m3["Last activity"] == "2026-03-05 09:00:00"
    assert "3. A3 Extra: video watched (%)" not in m3  # only lessons with a video
    assert rows["m1"]["Progress (%)"] == "100" and rows["m1"]["Completed"] == "2026-03-06 09:00:00"
    assert rows["m5"]["Last activity"] == ""
    sheet = {row["Username"]: row for row in xlsx_rows(trainer, PROGRESS, params)}
    assert sheet["m2"]["2. L2 The talk: video watched (%)"] == 90
    # A sheet named for the report, its headings in bold and kept in view, dates as the CSV
    # writes them in every language (Wagtail's read 03/05/2026 09:00 AM), columns widened.
    _response, data = download(trainer, PROGRESS, params, "xlsx")
    book = openpyxl.load_workbook(io.BytesIO(data))
    [sheet] = book.worksheets
    assert sheet.title == "Course progress"
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.bold
    headings = [cell.value for cell in sheet[1]]
    column = headings.index("Last activity") + 1
    dates = [c for c in next(sheet.iter_cols(min_col=column, max_col=column)) if c.is_date]
    assert dates and all(cell.number_format == "yyyy-mm-dd hh:mm:ss" for cell in dates)
    assert sheet.column_dimensions["A"].width >= 10

    page = trainer.get(PROGRESS, params)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Cat Three" in html and "Oscar Outsider" not in html
    assert '<td>Cat Three<div class="help">m3</div></td>' in html  # names are not unique
    assert 'title="L2 The talk"' in html  # the lesson columns are numbered, titled on hover
    assert "/admin/insights/video/" in html  # the lesson's audience chart


def test_a_member_who_completed_before_a_lesson_was_added_stays_complete_and_says_so(
    trainer, known
):
    from courses.models import ArticlePage
    from tests.reporting import publish

    publish(known.course, ArticlePage(title="A5 New rules", slug="a5"))
    html = trainer.get(PROGRESS, {"course": known.course.pk}).content.decode()
    assert "100% (completed; 3/4 of today’s lessons)" in html
    assert "0% (0/4)" in html  # members who did not complete count the new lesson


def test_progress_report_filters_by_group_and_pages(trainer, known):
    rows = csv_rows(
        trainer, PROGRESS, {"course": known.course.pk, "group": known.groups["south"].pk}
    )
    assert sorted(row["Username"] for row in rows) == ["m3", "m4", "m5"]
    html = trainer.get(PROGRESS, {"course": known.course.pk, "ordering": "-completed"}).content
    assert b"Ann One" in html


def test_certificates_report(trainer, known):
    rows = csv_rows(trainer, CERTIFICATES, {})
    assert [row["Member"] for row in rows] == ["Bob Two", "Ann One"]  # newest first
    assert rows[0]["Email"] == "m2@example.com"
    dated = csv_rows(
        trainer, CERTIFICATES, {"issued_from": "2026-03-10", "issued_to": "2026-03-20"}
    )
    assert [row["Member"] for row in dated] == ["Bob Two"]
    [sheet] = xlsx_rows(
        trainer, CERTIFICATES, {"group": known.groups["north"].pk, "issued_to": "2026-03-07"}
    )
    assert sheet["Member"] == "Ann One"


def test_video_audience_retention(trainer, known):
    curve = metrics.retention_curve(
        [[[0, 100]], [[0, 60], [70, 100]], [[0, 50]]], duration=100, population=6, buckets=10
    )
    assert [round(share * 6) for share in curve] == [3, 3, 3, 3, 3, 2, 1, 2, 2, 2]
    from courses.models import Enrolment

    measured, members = metrics.lecture_retention(
        known.lessons["L2"], Enrolment.objects.all(), buckets=10
    )
    assert members == 6 and measured == curve  # the withdrawn member's viewing is left out
    page = trainer.get(f"/admin/insights/video/{known.lessons['L2'].pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Video audience: L2 The talk" in html and "insights-chart--retention" in html
    assert "<td>50%</td>" in html  # 0:00–0:10, three of six members


# Who sees what ----------------------------------------------------------------------------


def test_trainers_see_only_their_own_courses(known):
    other = logged_in(known.other_trainer)
    summary = csv_rows(other, SUMMARY, {})
    assert [row["Course"] for row in summary] == ["Someone else's course"]
    # Asking for a course that is not theirs (or none at all) is refused with a message:
    # neither that course's report nor another one that could be taken for it.
    for url in (PROGRESS, DROP_OFF):
        for asked in (known.course.pk, 999999, "abc"):
            for params in ({"course": asked}, {"course": asked, "export": "csv"}):
                response = other.get(url, params, follow=True)
                html = response.content.decode()
                assert response.redirect_chain == [("/admin/", 302)], (url, params)
                assert "You can’t see the reports of that course" in html
                assert "Cat Three" not in html and "Oscar Outsider" not in html
    assert csv_rows(other, CERTIFICATES, {}) == []
    groups = {row["Group"]: row["Enrolled"] for row in csv_rows(other, GROUPS, {})}
    assert groups["North branch"] == "1"  # o1 only
    # Wagtail's admin answers a refusal with a redirect to the dashboard and a message.
    assert other.get(f"/admin/insights/video/{known.lessons['L2'].pk}/").status_code in (302, 403)


@pytest.mark.parametrize("url", [SUMMARY, GROUPS, CERTIFICATES])
def test_reports_of_all_courses_refuse_a_course_the_trainer_cannot_see(
    trainer, admin_client_demo, known, url
):
    """As the one-course reports do: with a message, not a report of "All my courses" that
    could be taken for that course's."""
    # Someone else's course and an id no course has get the same answer: it does not tell
    # which ids are courses.
    asked = [known.other.pk, 999999]
    for params in [p for pk in asked for p in ({"course": pk}, {"course": pk, "export": "csv"})]:
        for results in ("", "results/"):
            response = trainer.get(url + results, params, follow=True)
            html = response.content.decode()
            assert response.redirect_chain == [("/admin/", 302)], (url, results, params)
            assert "You can’t see the reports of that course" in html
            assert "Someone else" not in html and "Oscar Outsider" not in html
    # Their own course, and all of them, still open.
    for course in (known.course.pk, ""):
        response = trainer.get(url, {"course": course})
        assert response.status_code == 200 and not response.context["filters"].errors
        assert "Known answers" in response.content.decode()
    # A malformed id is left to the filter, which says so above the report.
    response = trainer.get(url, {"course": "abc"})
    assert response.status_code == 200 and "course" in response.context["filters"].errors
    # Administrators see every course.
    for course in (known.course.pk, known.other.pk):
        response = admin_client_demo.get(url, {"course": course})
        assert response.status_code == 200 and not response.context["filters"].errors


def test_admins_see_every_course(admin_client_demo, known):
    courses = [row["Course"] for row in csv_rows(admin_client_demo, SUMMARY, {})]
    assert "Known answers" in courses and "Someone else's course" in courses


@pytest.mark.parametrize("url", [PROGRESS, SUMMARY, GROUPS, DROP_OFF, CERTIFICATES])
def test_members_cannot_open_reports(member_client, known, url):
    response = member_client.get(url)
    assert response.status_code in (302, 403)
    assert b"Cat Three" not in response.content


def test_reports_menu_and_course_buttons(trainer, known):
    home = trainer.get("/admin/").content.decode()
    assert "Course progress" in home and "/admin/insights/summary/" in home
    edit = trainer.get(f"/admin/pages/{known.course.pk}/edit/").content.decode()
    assert f"/admin/insights/progress/?course={known.course.pk}" in edit
    assert f"/admin/courses/{known.course.pk}/announcements/" in edit


@pytest.mark.parametrize("url", [PROGRESS, SUMMARY, GROUPS, DROP_OFF, CERTIFICATES])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_downloads_are_named_for_the_course_in_any_script(trainer, known, url, fmt):
    """A browser saved a CSV of a course with a Chinese slug as "download.csv": the name went
    out MIME-encoded. RFC 6266's filename* carries it; every report names the course."""
    from urllib.parse import quote

    from courses.models import CoursePage

    CoursePage.objects.filter(pk=known.course.pk).update(slug="评审课程")
    response, _data = download(trainer, url, {"course": known.course.pk}, fmt)
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; filename*=utf-8''")
    assert quote("评审课程-") in disposition and disposition.endswith(f".{fmt}")
    assert "=?utf-8?" not in disposition
