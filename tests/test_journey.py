"""A member's whole journey in headless Chromium, as a person takes it: sign up from a course
page, enrol, watch part of the video (real playback), reload and resume where they stopped,
watch to the end, see the course complete, and download the certificate with their name."""

import pypdfium2 as pdfium
import pytest

from courses import video_service
from courses.management.commands.import_video import create_video
from courses.models import CourseIndexPage, CoursePage, Enrolment, LecturePage

from .test_videos import make_video

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def induction(tmp_path):
    """An open course with one lecture: a 12-second video (the player resumes a position
    more than 5 s before the end)."""
    from courses.demo_content import load_demo

    load_demo()
    video = video_service.process(
        create_video(make_video(tmp_path / "induction.mp4", seconds=12), title="Induction talk")
    )
    assert video.is_ready, video.error_message
    course = CoursePage(
        title="入职培训 · Induction", slug="induction", summary="Your first day.", enrolment="open"
    )
    CourseIndexPage.objects.first().add_child(instance=course)
    course.save_revision().publish()
    lecture = LecturePage(title="Welcome to the team", slug="welcome", video=video)
    course.add_child(instance=lecture)
    lecture.save_revision().publish()
    return course, lecture


def test_sign_up_enrol_watch_resume_complete_and_get_the_certificate(
    browser, live_server, induction, artifacts_dir, tmp_path
):
    course, lecture = induction
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    # A visitor finds the course and creates an account from it.
    page.goto(live_server.url + course.url)
    page.locator(".enrol-box").get_by_role("link", name="create an account").click()
    page.fill("#id_username", "wangfang")
    page.fill("#id_first_name", "芳")
    page.fill("#id_last_name", "王")
    page.fill("#id_email", "wang@example.com")
    page.fill("#id_password1", "a-long-passphrase-42")
    page.fill("#id_password2", "a-long-passphrase-42")
    page.locator("main form [type=submit]").click()
    page.wait_for_url(live_server.url + course.url)  # back where they came from

    page.get_by_role("button", name="Enrol").click()
    page.wait_for_selector("text=You are enrolled in this course.")
    assert Enrolment.objects.get(user__username="wangfang").status == "active"

    # Watch about three seconds, then pause: progress and the position are saved.
    # The course page now offers to start with the first lesson.
    page.get_by_role("link", name="Start: Welcome to the team").click()
    # The click returns before the lecture replaces the course page.
    page.wait_for_url(live_server.url + lecture.url)
    video = "document.querySelector('[data-video]')"
    page.wait_for_function(f"{video}.readyState >= 1")
    page.evaluate(f"{video}.muted = true; {video}.play()")
    page.wait_for_function(f"{video}.currentTime > 3")
    with page.expect_response(
        lambda r: "/progress/" in r.url and '"position"' in (r.request.post_data or "")
    ):
        page.evaluate(f"{video}.pause()")
    stopped = page.evaluate(f"{video}.currentTime")

    # Reload: the player picks up where the member stopped.
    page.reload()
    page.wait_for_function(f"{video}.readyState >= 1")
    page.wait_for_function(f"Math.abs({video}.currentTime - {stopped}) < 1.0")

    # Watch to the end: the lecture, and with it the course, is complete.
    with page.expect_response(lambda r: "/progress/" in r.url and '"complete": true' in r.text()):
        page.evaluate(f"{video}.muted = true; {video}.play()")
        page.wait_for_function(f"{video}.ended", timeout=30_000)
    enrolment = Enrolment.objects.get(user__username="wangfang")
    assert enrolment.completed_at is not None

    # My learning lists the course as completed, with the certificate to download.
    page.goto(live_server.url + "/learning/")
    page.wait_for_selector("#completed-heading")
    page.screenshot(path=artifacts_dir / "journey-my-learning.png", full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download your certificate").click()
    saved = tmp_path / "certificate.pdf"
    download.value.save_as(saved)
    pdf = pdfium.PdfDocument(str(saved))
    text = pdf[0].get_textpage().get_text_bounded()
    pdf.close()
    code = enrolment.certificate.code
    assert "王芳" in text and "入职培训 · Induction" in text and code in text

    # Anyone can check the code on the public page.
    page.goto(live_server.url + f"/certificates/{code}/")
    assert page.locator(".certificate-card").inner_text().count("王芳") == 1
    page.screenshot(path=artifacts_dir / "journey-certificate-page.png")
    assert errors == []
    context.close()
