"""Certificates: issued once when the course is complete, emailed, printed with Chinese names,
downloadable by the member (and the course's trainers and admins), and checkable by anyone at
/certificates/<code>/."""

import re

import pypdfium2 as pdfium
import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client

from courses.certificate_pdf import CertificateText, render_certificate
from courses.models import Certificate, Enrolment
from courses.models.certificates import CODE_ALPHABET, new_code, normalise_code
from courses.progress import update_course_completion

from .learning import complete_lesson
from .pdfchars import find, page_chars

pytestmark = pytest.mark.django_db

CODE = re.compile(rf"^[{CODE_ALPHABET}]{{4}}-[{CODE_ALPHABET}]{{4}}-[{CODE_ALPHABET}]{{4}}$")


def certificate_text(**fields) -> CertificateText:
    """A certificate's words: English labels and a fixed code, with ``fields`` changed."""
    values = {
        "heading": "Certificate of completion",
        "lead": "This certifies that",
        "completed": "has completed the course",
        "date_label": "Date",
        "date": "Nov. 26, 2026",
        "trainers_label": "Trainers",
        "organisation": "Records Society",
        "code_label": "Certificate code",
        "code": "ABCD-EFGH-JKMN",
        "verify_url": "https://training.example.org/certificates/ABCD-EFGH-JKMN/",
        "title": "Certificate",
    }
    return CertificateText(**{**values, **fields})


def pdf_text(data: bytes) -> str:
    pdf = pdfium.PdfDocument(data)
    try:
        page = pdf[0]
        text = page.get_textpage().get_text_bounded()
        assert len(pdf) == 1
        return text
    finally:
        pdf.close()


@pytest.fixture
def completed(demo, django_capture_on_commit_callbacks):
    member = demo["users"]["member"]
    with django_capture_on_commit_callbacks(execute=True):
        for lesson in demo["course"].get_lessons():
            complete_lesson(member, lesson)
    return Enrolment.objects.get(user=member, course=demo["course"])


def test_chinese_trainers_are_listed_with_the_enumeration_comma(
    demo, django_capture_on_commit_callbacks
):
    from django.contrib.auth.models import User

    course = demo["course"]
    course.trainers.set(
        [
            User.objects.create_user("wang", first_name="芳", last_name="王"),
            User.objects.create_user("zhao", first_name="强", last_name="赵"),
        ]
    )
    course.save()  # a ParentalManyToManyField: kept on the page until it is saved
    member = demo["users"]["member"]
    with django_capture_on_commit_callbacks(execute=True):
        for lesson in course.get_lessons():
            complete_lesson(member, lesson)
    certificate = Enrolment.objects.get(user=member, course=course).certificate
    assert certificate.trainer_names == "王芳、赵强"


def test_completing_the_course_issues_one_certificate_and_emails_it(completed, demo):
    certificate = completed.certificate
    assert CODE.match(certificate.code)
    assert certificate.member_name == "李明"  # family name first, no space
    assert certificate.course_title == "加强机关信息化建设，提高工作效率"
    assert certificate.trainer_names == "Tom Trainer"
    assert certificate.issued_at == completed.completed_at
    [email] = mail.outbox
    assert email.to == ["member@example.com"]
    assert "加强机关信息化建设，提高工作效率" in email.subject
    assert f"/certificates/{certificate.code}/pdf/" in email.body
    assert f"http://testserver/certificates/{certificate.code}/" in email.body
    # Completing again (another lesson report, a re-run) issues nothing new.
    update_course_completion(completed.user, demo["slides_lecture"])
    assert Certificate.objects.count() == 1


def test_the_email_is_in_the_members_language(demo, django_capture_on_commit_callbacks):
    from wagtail.users.models import UserProfile

    member = demo["users"]["member"]
    profile = UserProfile.get_for_user(member)
    profile.preferred_language = "zh-hans"
    profile.save()
    with django_capture_on_commit_callbacks(execute=True):
        for lesson in demo["course"].get_lessons():
            complete_lesson(member, lesson)
    [email] = mail.outbox
    assert "您已完成" in email.subject or "完成" in email.subject
    assert "证书" in email.body


def test_anyone_can_verify_a_certificate_by_its_code(completed):
    code = completed.certificate.code
    html = Client().get(f"/certificates/{code}/").content.decode()
    assert "This certificate is genuine" in html
    assert "李明" in html and "加强机关信息化建设，提高工作效率" in html
    assert 'name="robots" content="noindex"' in html
    assert "Download the certificate" not in html  # the file is the member's
    # As typed from paper: lower case, no dashes, O for 0 and I for 1.
    typed = code.lower().replace("-", " ").replace("0", "o").replace("1", "i")
    assert Client().get(f"/certificates/{typed}/").url == f"/certificates/{code}/"
    assert Client().get("/certificates/", {"code": typed}).url == f"/certificates/{code}/"


def test_an_unknown_code_is_a_clear_not_found(db):
    answer = Client().get("/certificates/ZZZZ-ZZZZ-ZZZZ/")
    assert answer.status_code == 404
    assert "No certificate has the code" in answer.content.decode()
    assert Client().get("/certificates/").status_code == 200  # the form to type a code
    assert Client().get("/certificates/", {"code": "<script>"}).status_code == 404
    assert "<script>" not in Client().get("/certificates/", {"code": "<script>"}).content.decode()


def test_the_member_downloads_the_pdf_with_their_chinese_name(completed, member_client):
    certificate = completed.certificate
    answer = member_client.get(f"/certificates/{certificate.code}/pdf/")
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/pdf"
    assert answer["X-Content-Type-Options"] == "nosniff"
    assert f"certificate-{certificate.code}.pdf" in answer["Content-Disposition"]
    text = pdf_text(answer.content)
    for expected in ("Certificate of completion", "李明", "加强机关信息化建设", certificate.code):
        assert expected in text
    assert f"http://testserver/certificates/{certificate.code}/" in text


def test_only_the_member_trainers_and_admins_download(completed, trainer_client, admin_client_demo):
    url = f"/certificates/{completed.certificate.code}/pdf/"
    assert trainer_client.get(url).status_code == 200
    assert admin_client_demo.get(url).status_code == 200
    assert Client().get(url).status_code == 404
    from django.contrib.auth import get_user_model

    stranger = get_user_model().objects.create_user("stranger", password="x")
    client = Client()
    client.force_login(stranger)
    assert client.get(url).status_code == 404


def test_the_pdf_follows_the_readers_language(completed, member_client):
    answer = member_client.get(
        f"/certificates/{completed.certificate.code}/pdf/", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert "结业证书" in pdf_text(answer.content)


def test_my_learning_and_the_course_page_offer_the_certificate(completed, member_client, demo):
    code = completed.certificate.code
    learning = member_client.get("/learning/").content.decode()
    assert f"/certificates/{code}/pdf/" in learning and f"/certificates/{code}/" in learning
    course = member_client.get(demo["course"].url).content.decode()
    assert f"/certificates/{code}/pdf/" in course and "You completed this course" in course


def test_long_titles_and_names_stay_on_one_page():
    text = certificate_text(
        name="Maximilian Alexander von Hohenzollern-Sigmaringen-Württemberg",
        course="关于进一步加强和改进新形势下机关档案信息化建设与电子文件管理工作的实施意见培训" * 2,
        trainers="Tom Trainer, 王芳, Ann Lee",
        organisation="某某市档案学会 · Records Society",
        code=new_code(),
    )
    data = render_certificate(text)
    assert data.startswith(b"%PDF") and len(data) < 400_000
    assert "王芳" in pdf_text(data)


def _printed(data: bytes) -> tuple[str, list[tuple[float, float, float, float]], tuple]:
    """The page's text without whitespace, the boxes of its visible characters, the page size."""
    pdf = pdfium.PdfDocument(data)
    try:
        page = pdf[0]
        textpage = page.get_textpage()
        text = textpage.get_text_range()
        boxes = [
            textpage.get_charbox(index)
            for index in range(textpage.count_chars())
            if not text[index].isspace()
        ]
        return "".join(text.split()), boxes, page.get_size()
    finally:
        pdf.close()


@pytest.mark.parametrize(
    ("name", "course", "trainers"),
    [
        # As long as the fields allow: 150 + 150 characters of name, 255 of title.
        (
            "Alexandria" * 15 + " " + "Montgomery" * 15,
            "Records management " * 13,
            "Tom Trainer, " * 40,
        ),
        ("王" * 150 + "芳" * 150, "档案信息化建设" * 36, "、".join(["王芳", "赵强", "李明"] * 20)),
        (
            "Maria Fernanda de los Ángeles Gutiérrez-Villanueva y Rodríguez de la Fuente",
            "短",
            "王芳",
        ),
    ],
    ids=["latin", "chinese", "realistic"],
)
def test_a_long_name_title_or_trainer_list_is_printed_whole_inside_the_frame(
    name, course, trainers
):
    text = certificate_text(
        name=name,
        course=course,
        trainers=trainers,
    )
    printed, boxes, (width, height) = _printed(render_certificate(text))
    for value in (name, course, trainers):
        assert "".join(value.split()) in printed  # nothing cut off
    frame = 38  # the inner line of the double frame
    for left, bottom, right, top in boxes:
        assert frame <= left and right <= width - frame, (left, right)
        assert frame <= bottom and top <= height - frame, (bottom, top)


def test_a_member_with_the_longest_name_allowed_completes_and_is_certified(
    demo, django_capture_on_commit_callbacks
):
    member = demo["users"]["member"]
    member.first_name, member.last_name = "A" * 150, "B" * 150
    member.save()
    with django_capture_on_commit_callbacks(execute=True):
        for lesson in demo["course"].get_lessons():
            complete_lesson(member, lesson)
    certificate = Enrolment.objects.get(user=member, course=demo["course"]).certificate
    assert certificate.member_name == f"{'A' * 150} {'B' * 150}"


def test_codes_are_normalised_as_people_type_them():
    assert normalise_code(" abcd efgh jkmn ") == "ABCD-EFGH-JKMN"
    assert normalise_code("o1il-0000-0000") == "0111-0000-0000"
    assert len({new_code() for _ in range(200)}) == 200


def test_the_course_members_page_shows_who_holds_which_certificate(completed, trainer_client):
    html = trainer_client.get(f"/admin/courses/{completed.course_id}/members/").content.decode()
    assert (
        f'href="/admin/courses/{completed.course_id}/members/{completed.pk}/certificate/"' in html
    )
    assert completed.certificate.code in html


def test_english_and_chinese_in_one_line_each_take_their_own_font():
    """A mixed name or title is set in runs: English (with its ’ · “) in Carlito, Chinese in
    Noto Sans CJK. Set wholly in Noto CJK, ’ “ · are full-width: "O’ Brien", "What’ s"."""
    text = certificate_text(
        name="Anna O’Brien 李",
        course="Digital office basics · 信息化办公基础：“电子政务” — What’s new",
        trainers="Tom O’Neil, 王芳",
        organisation="某某市档案学会 · Records Society",
    )
    chars, (width, height) = page_chars(render_certificate(text))
    name = find(chars, text.name)
    assert all(c.latin for c in name[:-1]) and name[-1].cjk, [(c.char, c.font) for c in name]
    apostrophe = name[5]
    assert apostrophe.char == "’" and apostrophe.advance < 0.5 * apostrophe.size
    course = {c.char: c for c in find(chars, "basics · 信息化")}
    assert course["·"].latin and course["·"].advance < 0.5 * course["·"].size
    assert course["信"].cjk and course["信"].advance > 0.9 * course["信"].size
    # Quotes between Chinese characters stay full-width, as Chinese is typeset.
    quoted = find(chars, "：“电子政务”")
    assert all(c.cjk for c in quoted), [(c.char, c.font) for c in quoted]
    whats = find(chars, "What’s")
    assert all(c.latin for c in whats) and whats[4].advance < 0.5 * whats[4].size
    trainers = find(chars, text.trainers)
    assert trainers[4].char == "’" and trainers[4].latin and trainers[-1].cjk
    organisation = find(chars, text.organisation)
    assert organisation[7].char == "·" and organisation[7].latin
    assert all(c.cjk for c in organisation[:7])
    frame = 38  # everything still inside the inner frame
    for c in chars:
        left, bottom, right, top = c.box
        assert frame <= left and right <= width - frame and frame <= bottom, c
        assert top <= height - frame, c


def test_a_chinese_or_english_line_is_set_in_one_font_as_before():
    text = certificate_text(
        name="李明",
        course="加强机关信息化建设，“提高”工作效率…第3讲",
        trainers="Tom O’Neil – “Ann” Lee",
    )
    chars, _size = page_chars(render_certificate(text))
    assert {c.font for c in find(chars, text.course)} == {find(chars, "李")[0].font}
    assert {c.font for c in find(chars, text.trainers)} == {"Carlito-Bold"}


def admin_url(enrolment) -> str:
    return f"/admin/courses/{enrolment.course_id}/members/{enrolment.pk}/certificate/"


def test_a_certificate_issued_in_error_is_revoked_then_restored(
    completed, trainer_client, member_client, demo
):
    certificate = completed.certificate
    code = certificate.code
    page = trainer_client.get(admin_url(completed)).content.decode()
    assert "Revoke the certificate" in page and "李明" in page
    # A reason is required: the form comes back with the error, nothing changed.
    answer = trainer_client.post(admin_url(completed), {"action": "revoke", "reason": "  "})
    assert answer.status_code == 400 and "This field is required" in answer.content.decode()
    certificate.refresh_from_db()
    assert not certificate.is_revoked

    answer = trainer_client.post(
        admin_url(completed), {"action": "revoke", "reason": "Marked complete by mistake."}
    )
    assert answer.status_code == 302
    certificate.refresh_from_db()
    assert certificate.is_revoked and certificate.revoked_by == demo["users"]["trainer"]
    assert certificate.revoked_reason == "Marked complete by mistake."

    public = Client().get(f"/certificates/{code}/").content.decode()
    assert "This certificate was revoked on" in public and "genuine" not in public
    assert "Marked complete by mistake" not in public, "the reason is for the editors"
    assert member_client.get(f"/certificates/{code}/pdf/").status_code == 404
    assert trainer_client.get(f"/certificates/{code}/pdf/").status_code == 404
    learning = member_client.get("/learning/").content.decode()
    assert (
        "Your certificate was revoked on" in learning
        and f"/certificates/{code}/pdf/" not in learning
    )
    assert (
        f"/certificates/{code}/pdf/" not in member_client.get(demo["course"].url).content.decode()
    )
    members = trainer_client.get(f"/admin/courses/{completed.course_id}/members/").content.decode()
    assert ">revoked<" in members
    page = trainer_client.get(admin_url(completed)).content.decode()
    assert "Marked complete by mistake." in page and "Tom Trainer" in page
    # A second revoke from an old tab changes nothing and says why.
    again = trainer_client.post(
        admin_url(completed), {"action": "revoke", "reason": "twice"}, follow=True
    )
    assert "the page was out of date" in again.content.decode()
    certificate.refresh_from_db()
    assert certificate.revoked_reason == "Marked complete by mistake."

    trainer_client.post(admin_url(completed), {"action": "restore"})
    certificate.refresh_from_db()
    assert not certificate.is_revoked and certificate.revoked_reason == ""
    assert "genuine" in Client().get(f"/certificates/{code}/").content.decode()
    assert member_client.get(f"/certificates/{code}/pdf/").status_code == 200


def test_reissuing_copies_the_corrected_name_and_keeps_code_and_date(completed, trainer_client):
    certificate = completed.certificate
    issued_at = certificate.issued_at
    answer = trainer_client.post(admin_url(completed), {"action": "reissue"}, follow=True)
    assert "Nothing to change" in answer.content.decode()
    member = completed.user
    member.first_name, member.last_name = "明华", "李"
    member.save()
    page = trainer_client.get(admin_url(completed)).content.decode()
    assert "李明华" in page and "changed" in page
    answer = trainer_client.post(admin_url(completed), {"action": "reissue"}, follow=True)
    assert "now says today’s issued to." in answer.content.decode()
    certificate.refresh_from_db()
    assert certificate.member_name == "李明华" and certificate.reissued_at is not None
    assert certificate.issued_at == issued_at and certificate.code == completed.certificate.code
    assert "李明华" in Client().get(f"/certificates/{certificate.code}/").content.decode()


def test_only_the_courses_editors_manage_its_certificates(completed, member_client, demo):
    from django.contrib.auth.models import Group

    url = admin_url(completed)
    assert member_client.get(url).status_code in (302, 403)
    assert member_client.post(url, {"action": "revoke", "reason": "x"}).status_code in (302, 403)
    other = get_user_model().objects.create_user("other-trainer", password="pw-12345678")
    other.groups.add(Group.objects.get(name="Trainers"))
    client = Client()
    client.force_login(other)
    assert client.post(url, {"action": "revoke", "reason": "x"}).status_code in (302, 403)
    completed.certificate.refresh_from_db()
    assert not completed.certificate.is_revoked
    # Unknown enrolment, unknown action: back to the list with a word, nothing changed.
    trainer = Client()
    trainer.force_login(demo["users"]["trainer"])
    gone = f"/admin/courses/{completed.course_id}/members/999999/certificate/"
    assert trainer.get(gone).status_code == 302
    answer = trainer.post(url, {"action": "burn"}, follow=True)
    assert "the page was out of date" in answer.content.decode()
