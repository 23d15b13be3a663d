"""Email notifications: sent by background tasks (run at once in tests), in the recipient's
language, each with a working unsubscribe link; members' email settings; new lessons
(opt-in), announcements, completion and reminders."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from wagtail.users.models import UserProfile

from courses.enrolments import decide, enrol
from courses.models import ArticlePage, CoursePage, Enrolment, LessonProgress
from insights import notifications
from insights.models import Announcement, NotificationPreferences, Reminder
from insights.tasks import announcement_email_task
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")
LINK = re.compile(r"http://testserver/notifications/unsubscribe/[^/\s]+/")


def member(name="newbie", language="") -> User:
    user = User.objects.create_user(name, f"{name}@example.com", "pw-12345678")
    if language:
        profile = UserProfile.get_for_user(user)
        profile.preferred_language = language
        profile.save()
    return user


def approval_course(demo) -> CoursePage:
    course = demo["safety_course"]
    course.enrolment = CoursePage.Enrolment.APPROVAL
    course.save_revision().publish()
    return CoursePage.objects.get(pk=course.pk)


def ask_and_decide(demo, user, capture, approve=True):
    course = approval_course(demo)
    with capture(execute=True):
        enrolment = enrol(user, course)
    with capture(execute=True):
        decide(enrolment, approve=approve, by=demo["users"]["trainer"])
    return enrolment


# Language, unsubscribe link and headers ----------------------------------------------------


@pytest.mark.parametrize(
    ("language", "subject", "footer"),
    [
        ("en", "You are enrolled in “First aid basics”", "Stop emails about enrolment decisions:"),
        ("zh-hans", "您已报名“First aid basics”", "不再接收关于报名审核结果的邮件："),
    ],
)
def test_decision_email_in_the_members_language_with_unsubscribe(
    demo, django_capture_on_commit_callbacks, language, subject, footer
):
    user = member(language=language)
    ask_and_decide(demo, user, django_capture_on_commit_callbacks)
    email = mail.outbox[-1]
    assert email.to == [user.email]
    assert email.subject == subject
    assert footer in email.body
    [link] = [
        url for url in LINK.findall(email.body) if url in email.extra_headers["List-Unsubscribe"]
    ]
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/notifications/" in email.body  # the settings page


def test_a_member_enrolled_by_an_admin_is_told_and_a_new_account_only_invited(
    demo, admin_client_demo, django_capture_on_commit_callbacks
):
    from courses.enrolment_csv import import_enrolments

    user = member(language="zh-hans")
    course = demo["safety_course"]
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_demo.post(
            f"/admin/courses/{course.pk}/members/", {"action": "enrol_user", "who": user.email}
        )
    assert response.status_code == 302
    [email] = mail.outbox
    assert email.to == [user.email]
    assert email.subject == "您已报名“First aid basics”"
    assert f"http://testserver{course.url}" in email.body  # the link to start
    # Enrolled again: nothing new to say.
    with django_capture_on_commit_callbacks(execute=True):
        admin_client_demo.post(
            f"/admin/courses/{course.pk}/members/", {"action": "enrol_user", "who": user.email}
        )
    assert len(mail.outbox) == 1
    # From a CSV file: an existing account is told; a new one gets its invitation only.
    mail.outbox.clear()
    data = b"email,name\nmember@example.com,\nnew@example.com,New Person\n"
    with django_capture_on_commit_callbacks(execute=True):
        report, created = import_enrolments(
            data, course, by=demo["users"]["admin"], create_accounts=True
        )
    assert report.applied and [u.email for u in created] == ["new@example.com"]
    assert [m.to for m in mail.outbox] == [["member@example.com"]]


def test_unsubscribe_link_asks_first_then_switches_that_kind_off(
    demo, django_capture_on_commit_callbacks
):
    user = member()
    ask_and_decide(demo, user, django_capture_on_commit_callbacks)
    link = LINK.findall(mail.outbox[-1].body)[0]
    path = link.removeprefix("http://testserver")
    visitor = Client(enforce_csrf_checks=True)  # not logged in: mail is read anywhere

    page = visitor.get(path)
    assert page.status_code == 200
    assert "Stop emails about enrolment decisions to newbie@example.com?" in page.content.decode()
    assert notifications.wants(user, "enrolment")  # opening the link changes nothing

    done = visitor.post(path)
    assert done.status_code == 200
    assert "Emails about enrolment decisions are switched off." in done.content.decode()
    preferences = NotificationPreferences.objects.get(user=user)
    assert not preferences.enrolment and preferences.announcements  # only that kind

    count = len(mail.outbox)
    enrolment = Enrolment.objects.get(user=user)
    enrolment.status = Enrolment.Status.PENDING
    enrolment.save()
    with django_capture_on_commit_callbacks(execute=True):
        decide(enrolment, approve=False, by=demo["users"]["trainer"])
    assert len(mail.outbox) == count  # no email about the decision any more


def test_one_click_unsubscribe_from_a_mail_program(demo):
    user = member()
    url = notifications.unsubscribe_url(user, notifications.ALL).removeprefix("http://testserver")
    response = Client(enforce_csrf_checks=True).post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    preferences = NotificationPreferences.objects.get(user=user)
    assert not any(getattr(preferences, kind) for kind in NotificationPreferences.KINDS)


def test_forged_or_damaged_links_are_refused(demo):
    user = member()
    token = notifications.unsubscribe_token(user, "enrolment")
    for bad in (token[:-3] + "xyz", "nonsense"):
        response = Client().post(f"/notifications/unsubscribe/{bad}/")
        assert response.status_code == 400
    assert not NotificationPreferences.objects.filter(user=user).exists()


def test_email_settings_page(demo):
    user = member()
    client = Client()
    client.force_login(user)
    page = client.get("/notifications/").content.decode()
    assert "New lessons" in page and "Requests to join my courses" not in page  # trainers only
    response = client.post(
        "/notifications/",
        {"enrolment": "on", "new_lessons": "on", "completion": "on", "language": "zh-hans"},
    )
    assert response.status_code == 302
    preferences = NotificationPreferences.objects.get(user=user)
    assert preferences.new_lessons and not preferences.announcements and not preferences.reminders
    assert UserProfile.get_for_user(user).preferred_language == "zh-hans"
    assert "/notifications/" in client.get("/accounts/profile/").content.decode()
    trainer = Client()
    trainer.force_login(demo["users"]["trainer"])
    assert "Requests to join my courses" in trainer.get("/notifications/").content.decode()


def test_email_settings_need_a_login():
    response = Client().get("/notifications/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# Each kind of email --------------------------------------------------------------------------


def test_trainers_are_told_of_requests_unless_they_opted_out(
    demo, django_capture_on_commit_callbacks
):
    course = approval_course(demo)
    with django_capture_on_commit_callbacks(execute=True):
        enrol(member("asker1"), course)
    [email] = mail.outbox
    assert email.to == ["trainer@example.com"] and "/admin/enrolment-requests/" in email.body
    assert "Stop emails about requests to join my courses:" in email.body
    notifications.unsubscribe(demo["users"]["trainer"], "requests")
    with django_capture_on_commit_callbacks(execute=True):
        enrol(member("asker2"), course)
    assert len(mail.outbox) == 1


def test_new_lesson_email_only_for_members_who_opted_in(demo, django_capture_on_commit_callbacks):
    course = demo["course"]
    keen = member("keen", language="zh-hans")
    quiet = member("quiet")
    for user in (keen, quiet):
        Enrolment.objects.create(user=user, course=course)
    NotificationPreferences.objects.create(user=keen, new_lessons=True)
    lesson = ArticlePage(title="Brand new lesson", slug="brand-new")
    course.add_child(instance=lesson)
    with django_capture_on_commit_callbacks(execute=True):
        lesson.save_revision().publish()
    [email] = mail.outbox
    assert email.to == ["keen@example.com"]
    assert CJK.search(email.subject) and "Brand new lesson" in email.body
    assert f"http://testserver{lesson.url}" in email.body
    with django_capture_on_commit_callbacks(execute=True):
        lesson.save_revision().publish()  # an edit is not news
    assert len(mail.outbox) == 1


def test_announcements_on_the_course_page_and_by_email(
    demo, trainer_client, member_client, django_capture_on_commit_callbacks
):
    course = demo["course"]
    away = member("away")
    Enrolment.objects.create(user=away, course=course)
    notifications.unsubscribe(away, "announcements")
    url = f"/admin/courses/{course.pk}/announcements/"
    assert trainer_client.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = trainer_client.post(
            url, {"title": "Room change", "body": "We meet in room 4 & 5.", "send_email": "on"}
        )
    assert response.status_code == 302
    announcement = Announcement.objects.get()
    assert announcement.emailed_at is not None and announcement.author == demo["users"]["trainer"]
    [email] = mail.outbox  # the demo member; "away" switched announcements off
    assert email.to == ["member@example.com"]
    assert "room 4 & 5" in email.body  # plain text: nothing HTML-escaped
    assert "Tom Trainer" in email.body
    announcement_email_task.enqueue(announcement.pk)  # run twice: sent once
    assert len(mail.outbox) == 1
    page = member_client.get(course.url).content.decode()
    assert "Room change" in page and "We meet in room 4 &amp; 5." in page
    assert "Room change" not in Client().get(course.url).content.decode()  # members only
    # A post without email, and taking one down.
    trainer_client.post(url, {"title": "Quiet note", "body": "No email."})
    assert len(mail.outbox) == 1
    trainer_client.post(url, {"action": "delete", "announcement": announcement.pk})
    assert list(Announcement.objects.values_list("title", flat=True)) == ["Quiet note"]


def test_members_cannot_post_announcements(demo, member_client):
    response = member_client.get(f"/admin/courses/{demo['course'].pk}/announcements/")
    assert response.status_code in (302, 403)


def test_course_completed_email_links_the_certificate(demo, django_capture_on_commit_callbacks):
    from .learning import complete_lesson

    user = demo["users"]["member"]
    with django_capture_on_commit_callbacks(execute=True):
        for lesson in demo["course"].get_lessons():
            complete_lesson(user, lesson)
    [email] = mail.outbox
    code = Enrolment.objects.get(user=user, course=demo["course"]).certificate.code
    assert f"http://testserver/certificates/{code}/pdf/" in email.body
    assert "Stop emails about completed courses:" in email.body


def test_reminders_once_per_stretch_of_inactivity(demo, django_capture_on_commit_callbacks):
    user = demo["users"]["member"]
    course = demo["course"]
    enrolment = Enrolment.objects.get(user=user, course=course)
    lesson = course.get_lessons().first()
    long_ago = timezone.now() - timedelta(days=20)
    Enrolment.objects.filter(pk=enrolment.pk).update(created_at=long_ago, decided_at=long_ago)
    LessonProgress.objects.create(user=user, page=lesson, last_report_at=long_ago)
    # Another member, active yesterday, is left alone.
    busy = member("busy")
    Enrolment.objects.create(user=busy, course=course, created_at=long_ago)
    LessonProgress.objects.create(
        user=busy, page=lesson, last_report_at=timezone.now() - timedelta(days=1)
    )

    call_command("send_reminders", "--days", "14", "--dry-run")
    assert mail.outbox == [] and not Reminder.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_reminders", "--days", "14")
    [email] = mail.outbox
    assert email.to == ["member@example.com"]
    assert "Continue" in email.subject and "of the" in email.body
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_reminders", "--days", "14")
    assert len(mail.outbox) == 1  # reminded already, nothing done since

    # Back for a day, then away again: one more reminder.
    LessonProgress.objects.filter(user=user).update(
        last_report_at=timezone.now() - timedelta(days=15)
    )
    Reminder.objects.update(sent_at=timezone.now() - timedelta(days=16))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_reminders", "--days", "14")
    assert len(mail.outbox) == 2


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_every_email_renders_in_both_languages(demo, language):
    """Each kind, straight from its sender, for a member reading English or Chinese."""
    from courses.models import Certificate

    user = member(f"reader-{language}", language=language)
    NotificationPreferences.objects.create(user=user, new_lessons=True)
    course = demo["course"]
    enrolment = Enrolment.objects.create(user=user, course=course)
    lesson = course.get_lessons().first()
    announcement = Announcement.objects.create(course=course, title="Hello", body="Welcome.")
    certificate = Certificate.objects.create(
        enrolment=enrolment, member_name="Reader", course_title=course.title
    )
    assert notifications.notify_member_of_decision(enrolment)
    assert notifications.notify_member_enrolled(enrolment)
    assert notifications.notify_completion(certificate)
    assert notifications.notify_reminder(enrolment)
    assert notifications.notify_new_lesson(lesson) >= 1
    assert notifications.notify_announcement(announcement) >= 1
    mine = [m for m in mail.outbox if m.to == [user.email]]
    assert len(mine) == 6
    for email in mine:
        # Each was written in the reader's language, to its unsubscribe footer.
        chinese = "不再接收关于您的课程的所有邮件：" in email.body
        assert chinese == (language == "zh-hans"), email.body
        assert ("Stop all emails about your courses:" in email.body) == (language == "en")


# Conversions that fail ---------------------------------------------------------------------


def test_a_deck_that_fails_after_its_lecture_went_live_is_reported_to_who_can_fix_it(
    demo, tmp_path, django_capture_on_commit_callbacks
):
    """Conversion runs after the upload, often after the lecture is live: the uploader and
    the course's trainers learn by email, each in their language, which lectures members now
    see without slides and where to fix it. Members are not told; nor is anyone twice."""
    from courses import deck_service
    from courses.decks import create_deck
    from courses.models import LecturePage

    uploader = member("uploader", language="zh-hans")
    broken = tmp_path / "lecture.pptx"
    broken.write_bytes(b"PK\x03\x04" + b"not really a presentation" * 40)
    deck = create_deck(broken, title="Fire drill")
    deck.uploaded_by_user = uploader
    deck.save(update_fields=["uploaded_by_user"])
    lecture = LecturePage.objects.get(pk=demo["slides_lecture"].pk)
    lecture.deck = deck
    lecture.save_revision().publish()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        deck = deck_service.convert(deck)
    assert deck.status == deck.Status.FAILED

    by_address = {email.to[0]: email for email in mail.outbox}
    trainer = demo["users"]["trainer"]
    assert sorted(by_address) == sorted([uploader.email, trainer.email])
    edit_url = f"http://testserver/admin/snippets/courses/slidedeck/edit/{deck.pk}/"
    english = by_address[trainer.email]
    assert english.subject == "The slide deck “Fire drill” could not be converted"
    assert "Until it is fixed, members see these lectures without their slides:" in english.body
    assert f"- {lecture.title} ({lecture.course.title}): http://testserver{lecture.url}" in (
        english.body
    )
    assert edit_url in english.body and "Stop emails about uploads that could not" in english.body
    assert deck.error_message in english.body  # the reason, as the admin shows it
    chinese = by_address[uploader.email]
    assert CJK.search(chinese.subject) and "Fire drill" in chinese.subject
    assert edit_url in chinese.body and "Until it is fixed" not in chinese.body

    # Switched off, or converted fine by the time the task runs: nothing is sent.
    NotificationPreferences.objects.create(user=trainer, conversions=False)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        deck_service.convert(deck, force=True)
    assert [email.to for email in mail.outbox] == [[uploader.email]]


def test_a_video_that_cannot_be_processed_is_reported_to_its_uploader(
    demo, tmp_path, django_capture_on_commit_callbacks
):
    from courses import video_service

    uploader = member("camera", language="en")
    broken = tmp_path / "talk.mp4"
    broken.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 4000)
    video = video_service.create_video(broken, title="Talk")
    video.uploaded_by_user = uploader
    video.save(update_fields=["uploaded_by_user"])
    with django_capture_on_commit_callbacks(execute=True):
        video = video_service.process(video)
    assert video.status == video.Status.FAILED
    [email] = mail.outbox
    assert email.to == [uploader.email]
    assert email.subject == "The video “Talk” could not be processed"
    assert "members see these lectures" not in email.body  # no lecture shows it
    assert f"/admin/snippets/courses/lecturevideo/edit/{video.pk}/" in email.body


def test_only_trainers_are_offered_the_conversion_emails(demo):
    member_page = client_for("member", demo).get("/notifications/").content.decode()
    trainer_page = client_for("trainer", demo).get("/notifications/").content.decode()
    assert "uploads that could not be converted" not in member_page.lower()
    assert "uploads that could not be converted" in trainer_page.lower()
