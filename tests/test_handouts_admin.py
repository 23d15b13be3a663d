"""Handouts as admins, trainers and members meet them: "Print handouts" in the admin (built in
the background, with progress, reused while the content is unchanged), personalised copies
for the enrolled members, and the lecture handout members may download."""

import io
import math
import zipfile

import pypdfium2 as pdfium
import pytest
from django.contrib.auth.models import Group, User
from django.core.files.storage import default_storage

from courses.models import HandoutBuild, LecturePage, SlideDeck
from tests.browser import log_in_admin
from tests.conftest import client_for

pytestmark = pytest.mark.slow  # the demo deck is converted with LibreOffice


def pdf_pages(data: bytes) -> list[str]:
    pdf = pdfium.PdfDocument(data)
    try:
        return [page.get_textpage().get_text_bounded() for page in pdf]
    finally:
        pdf.close()


def ask(client, page, capture, **choices):
    data = {"layout": "6", "paper": "A4", "order": "horizontal", "recipients": "none", **choices}
    with capture(execute=True):
        response = client.post(f"/admin/handouts/print/{page.pk}/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return HandoutBuild.objects.latest("pk")


def test_course_and_lecture_pages_offer_print_handouts(trainer_client, demo):
    for page in (demo["course"], demo["slides_lecture"]):
        html = trainer_client.get(f"/admin/pages/{page.pk}/edit/").content.decode()
        assert f"/admin/handouts/print/{page.pk}/" in html
    # A lecture without slides has nothing to print: no button leading to a page saying so.
    welcome = demo["welcome_lecture"]
    assert welcome.deck_id is None
    html = trainer_client.get(f"/admin/pages/{welcome.pk}/edit/").content.decode()
    assert f"/admin/handouts/print/{welcome.pk}/" not in html
    assert f"/admin/pages/{welcome.pk}/delete/" in html, "the page's other actions are there"
    form = trainer_client.get(f"/admin/handouts/print/{demo['course'].pk}/").content.decode()
    assert "3 slides per page, with lines for notes" in form
    assert "Each lecture starts on a right-hand page" in form


def test_lecture_handout_is_built_downloaded_and_reused(
    trainer_client, demo, django_capture_on_commit_callbacks
):
    lecture = demo["slides_lecture"]
    handout = ask(trainer_client, lecture, django_capture_on_commit_callbacks)
    handout.refresh_from_db()
    assert handout.status == "ready", handout.error_message
    status = trainer_client.get(f"/admin/handouts/{handout.pk}/?format=json").json()
    assert status["status"] == "ready" and status["progress"] == 100
    download = trainer_client.get(f"/admin/handouts/{handout.pk}/download/")
    assert download["Content-Disposition"].startswith("attachment")
    data = b"".join(download.streaming_content)
    visible = demo["deck"].slides.filter(hidden=False).count()
    pages = pdf_pages(data)
    assert len(pages) == handout.pages == math.ceil(visible / 6)
    assert "公文处理流程" in "".join(pages)

    again = ask(trainer_client, lecture, django_capture_on_commit_callbacks)
    again.refresh_from_db()
    assert again.reused and again.file == handout.file and again.pages == handout.pages
    # The requests deleted, the file kept: its pages are counted in the file itself.
    HandoutBuild.objects.all().delete()
    kept = ask(trainer_client, lecture, django_capture_on_commit_callbacks)
    kept.refresh_from_db()
    assert kept.reused and kept.pages == handout.pages
    other = ask(trainer_client, lecture, django_capture_on_commit_callbacks, layout="3")
    other.refresh_from_db()
    assert not other.reused and other.file != handout.file


def test_a_handout_is_printed_in_the_language_of_the_admin_who_asked(
    admin_client_demo, demo, django_capture_on_commit_callbacks
):
    """Built later by a worker, it still prints its own words in the asker's language."""
    admin_client_demo.cookies["django_language"] = "zh-hans"
    handout = ask(
        admin_client_demo,
        demo["course"],
        django_capture_on_commit_callbacks,
        recipients="name",
        recipient_name="北区支部",
    )
    handout.refresh_from_db()
    assert handout.status == "ready", handout.error_message
    assert handout.language == "zh-hans"
    with default_storage.open(handout.file, "rb") as fh:
        pages = pdf_pages(fh.read())
    assert "讲义" in pages[0] and "发给" in pages[0] and "北区支部" in pages[0]
    assert "Prepared for" not in pages[0] and "Handouts" not in pages[0]
    assert "第 2 页，共" in "".join(pages)


def test_course_set_for_every_enrolled_member_as_zip(
    admin_client_demo, demo, django_capture_on_commit_callbacks
):
    handout = ask(
        admin_client_demo,
        demo["course"],
        django_capture_on_commit_callbacks,
        recipients="enrolled",
        as_zip="on",
        duplex="on",
    )
    handout.refresh_from_db()
    assert handout.status == "ready", handout.error_message
    with default_storage.open(handout.file, "rb") as fh:
        archive = zipfile.ZipFile(io.BytesIO(fh.read()))
    assert len(archive.namelist()) == 1  # the demo member is the one enrolled
    cover = pdf_pages(archive.read(archive.namelist()[0]))[0]
    from courses.handout_sources import person_name

    assert person_name(demo["users"]["member"]) in cover


def test_nobody_to_print_for_and_unconverted_decks_fail_with_a_reason(
    trainer_client, demo, django_capture_on_commit_callbacks
):
    empty = Group.objects.create(name="Empty branch")
    handout = ask(
        trainer_client,
        demo["slides_lecture"],
        django_capture_on_commit_callbacks,
        recipients="group",
        group=empty.pk,
    )
    handout.refresh_from_db()
    assert handout.status == "failed" and "Nobody to print for" in handout.error_message
    page = trainer_client.get(f"/admin/handouts/{handout.pk}/").content.decode()
    assert "Nobody to print for" in page

    waiting = SlideDeck.objects.create(title="Waiting deck", file="decks/none.pptx")
    lecture = LecturePage(title="Not yet", slug="not-yet", deck=waiting)
    demo["course"].add_child(instance=lecture)
    handout = ask(trainer_client, lecture, django_capture_on_commit_callbacks)
    handout.refresh_from_db()
    assert handout.status == "failed" and "not converted yet" in handout.error_message


def test_choices_are_checked(trainer_client, demo):
    response = trainer_client.post(
        f"/admin/handouts/print/{demo['course'].pk}/",
        {"layout": "7", "paper": "A3", "order": "horizontal", "recipients": "name"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Type the name to print on the cover." in html
    assert not HandoutBuild.objects.exists()


def test_only_editors_print_and_download(member_client, demo, django_capture_on_commit_callbacks):
    handout = ask(
        client_for("trainer", demo), demo["slides_lecture"], django_capture_on_commit_callbacks
    )
    for url in (
        f"/admin/handouts/print/{demo['course'].pk}/",
        f"/admin/handouts/{handout.pk}/download/",
    ):
        assert member_client.get(url).status_code in (302, 403)
    other = User.objects.create_user("other-trainer", "o@example.com", "pw-12345678")
    other.groups.add(Group.objects.get(name="Trainers"))
    from django.test import Client

    client = Client()
    client.force_login(other)
    assert client.get(f"/admin/handouts/{handout.pk}/download/").status_code in (302, 403)


def test_members_download_the_lecture_handout_when_offered(member_client, client, demo):
    lecture = LecturePage.objects.get(pk=demo["slides_lecture"].pk)
    url = lecture.url + "handout/"
    assert member_client.get(url).status_code == 404  # not offered
    lecture.handout_layout = "3"
    lecture.save_revision().publish()
    assert "Download the slides as a PDF handout" in member_client.get(lecture.url).content.decode()
    response = member_client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pages = pdf_pages(b"".join(response.streaming_content))
    visible = demo["deck"].slides.filter(hidden=False).count()
    assert len(pages) == math.ceil(visible / 3)
    assert client.get(url).status_code == 403  # visitors: as the lecture itself


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_admin_prints_a_handout_in_the_browser(browser, live_server, artifacts_dir):
    from courses.demo_content import load_demo

    demo = load_demo()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in_admin(page, live_server.url, "admin")
    page.goto(f"{live_server.url}/admin/handouts/print/{demo['course'].pk}/")
    page.get_by_label("4 slides per page").check()
    # The fields of a fieldset line up: labels in one column, menus of one width in the next.
    paper, order = (
        page.locator("#id_paper").bounding_box(),
        page.locator("#id_order").bounding_box(),
    )
    assert (paper["x"], paper["width"]) == (order["x"], order["width"])
    page.select_option("#id_paper", "letter")
    page.get_by_label("A named copy for every enrolled member").check()
    page.screenshot(path=artifacts_dir / "admin-print-handouts.png", full_page=True)
    page.get_by_role("button", name="Build the handout").click()
    page.wait_for_url("**/admin/handouts/*/")
    page.locator("[data-handout-ready]").wait_for(state="visible", timeout=60000)
    with page.expect_download() as info:
        page.get_by_role("link", name="Download").click()
    path = info.value.path()
    with open(path, "rb") as fh:
        assert fh.read(5) == b"%PDF-"
    page.screenshot(path=artifacts_dir / "admin-handout-ready.png")
    assert errors == []
    context.close()
