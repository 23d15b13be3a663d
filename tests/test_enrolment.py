"""Enrolment as members, trainers and admins meet it: enrol, ask to join, approval, leaving,
closed courses, places and windows, group and CSV enrolment, and who may open what."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, User
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone, translation

from courses.enrolment_csv import CsvProblem, import_enrolments, unused_columns_message
from courses.enrolments import EnrolmentRefused, decide, enrol
from courses.models import CoursePage, Enrolment, LecturePage
from courses.names import join_names, person_name, split_full_name
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

SAFETY_LESSON = "/first-aid-basics/recovery-position/"


def newcomer(name="newbie", email=None) -> Client:
    user = User.objects.create_user(name, email or f"{name}@example.com", "pw-12345678")
    client = Client()
    client.force_login(user)
    client.user = user
    return client


def safety(demo, **fields) -> CoursePage:
    course = demo["safety_course"]
    for name, value in fields.items():
        setattr(course, name, value)
    course.save_revision().publish()
    return CoursePage.objects.get(pk=course.pk)


# Who may open what --------------------------------------------------------------------------


def deck_urls(demo):
    lecture = demo["slides_lecture"]
    slide = demo["deck"].slides.get(number=2)
    return {
        "lesson": "/digital-office/practice/records-management/",
        "lecture": lecture.url,
        "slide page": lecture.url + "slides/2/",
        "slide image": slide.src,
        "thumbnail": slide.thumbnail_url,
        "deck pdf": demo["deck"].pdf_url,
    }


@pytest.mark.parametrize(
    ("role", "expected"),
    [("visitor", False), ("member", True), ("trainer", True), ("admin", True)],
)
def test_every_kind_of_course_url_passes_one_check(role, expected, demo):
    client = client_for(role, demo)
    for kind, url in deck_urls(demo).items():
        status = client.get(url).status_code
        if expected:
            assert status == 200, f"{kind} {url} as {role}: {status}"
        else:
            assert status in (403, 404), f"{kind} {url} as {role}: {status}"
    # The member is not enrolled in first aid; its trainer and the admins may open it.
    status = client.get(SAFETY_LESSON).status_code
    assert status == (200 if role in ("trainer", "admin") else 403), role


@pytest.mark.parametrize("role", ["visitor", "member", "trainer", "admin"])
def test_video_files_follow_the_lecture(role, demo):
    video = demo["video"]
    welcome = LecturePage.objects.get(pk=demo["welcome_lecture"].pk)
    urls = [video.poster_url, video.renditions.first().url, video.captions.first().url]
    client = client_for(role, demo)
    for url in urls:  # a free preview: everyone
        assert client.get(url).status_code == 200, (url, role)
    welcome.preview = False
    welcome.save_revision().publish()
    for url in urls:
        status = client.get(url).status_code
        assert status == (404 if role == "visitor" else 200), (url, role)


def test_free_preview_lessons_are_open_and_marked(client, demo):
    assert client.get("/digital-office/basics/welcome-lecture/").status_code == 200
    locked = client.get("/digital-office/practice/records-management/")
    assert locked.status_code == 403
    html = locked.content.decode()
    assert "This lesson is for members enrolled in" in html
    assert "Name files so they sort" not in html  # none of the lesson's text
    course = client.get("/digital-office/").content.decode()
    assert "Free preview" in course and "For enrolled members" in course


def test_lesson_outside_a_course_is_open(client, demo):
    assert client.get("/library/office-regulation/").status_code == 200


# Enrolling ----------------------------------------------------------------------------------


def test_member_enrols_in_an_open_course_and_can_leave(demo):
    member = newcomer()
    assert member.get(SAFETY_LESSON).status_code == 403
    page = member.get("/first-aid-basics/").content.decode()
    assert ">Enrol<" in page
    response = member.post(f"/enrol/{demo['safety_course'].pk}/", follow=True)
    assert "You are enrolled in “First aid basics”." in response.content.decode()
    assert member.get(SAFETY_LESSON).status_code == 200
    member.post(f"/enrol/{demo['safety_course'].pk}/leave/")
    assert member.get(SAFETY_LESSON).status_code == 403
    enrolment = Enrolment.objects.get(user=member.user)
    assert enrolment.status == Enrolment.Status.WITHDRAWN  # kept, with its history
    member.post(f"/enrol/{demo['safety_course'].pk}/")
    assert member.get(SAFETY_LESSON).status_code == 200


def test_approval_course_asks_trainer_and_tells_the_member(
    demo, django_capture_on_commit_callbacks
):
    course = safety(demo, enrolment=CoursePage.Enrolment.APPROVAL)
    member = newcomer()
    with django_capture_on_commit_callbacks(execute=True):
        member.post(f"/enrol/{course.pk}/")
    enrolment = Enrolment.objects.get(user=member.user, course=course)
    assert enrolment.status == Enrolment.Status.PENDING
    assert member.get(SAFETY_LESSON).status_code == 403
    assert "waiting for a trainer" in member.get("/first-aid-basics/").content.decode()
    assert [m.to for m in mail.outbox] == [[demo["users"]["trainer"].email]]
    assert "/admin/enrolment-requests/" in mail.outbox[0].body

    trainer = client_for("trainer", demo)
    requests = trainer.get("/admin/enrolment-requests/").content.decode()
    assert "newbie" in requests
    assert "Join requests (1)" in trainer.get("/admin/").content.decode()  # the menu's count
    with django_capture_on_commit_callbacks(execute=True):
        response = trainer.post(
            f"/admin/courses/{course.pk}/members/",
            {"action": "approve", "enrolment": enrolment.pk},
        )
    assert response.status_code == 302
    assert member.get(SAFETY_LESSON).status_code == 200
    assert mail.outbox[-1].to == ["newbie@example.com"]
    assert "was approved" in mail.outbox[-1].body


def test_chinese_names_are_written_family_name_first_everywhere(
    demo, django_capture_on_commit_callbacks
):
    """李明 (last name 李, first name 明) is never shown as "明 李": not in the trainer's email,
    the admin's request and member lists, or the course page's trainers."""
    course = safety(demo, enrolment=CoursePage.Enrolment.APPROVAL)
    member = client_for("member", demo)
    with django_capture_on_commit_callbacks(execute=True):
        member.post(f"/enrol/{course.pk}/")
    assert "李明 asked to join" in mail.outbox[-1].body
    trainer = client_for("trainer", demo)
    for url in ("/admin/enrolment-requests/", f"/admin/courses/{course.pk}/members/"):
        html = trainer.get(url).content.decode()
        assert "李明" in html and "明 李" not in html, url
    course.trainers.add(demo["users"]["member"])
    course.save_revision().publish()
    assert "Trainers: Tom Trainer, 李明" in member.get(course.url).content.decode()
    zh = member.get(course.url, HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert "培训师：Tom Trainer、李明" in zh  # Chinese punctuation, no stray space


def test_declined_member_is_told_and_may_ask_again(demo, django_capture_on_commit_callbacks):
    course = safety(demo, enrolment=CoursePage.Enrolment.APPROVAL)
    member = newcomer()
    enrolment = enrol(member.user, course)
    with django_capture_on_commit_callbacks(execute=True):
        decide(enrolment, approve=False, by=demo["users"]["trainer"])
    assert "was declined" in mail.outbox[-1].body
    assert "You may ask again" in member.get("/first-aid-basics/").content.decode()
    assert enrol(member.user, course).status == Enrolment.Status.PENDING


def test_closed_course_refuses_members_but_admins_enrol(demo):
    course = safety(demo, enrolment=CoursePage.Enrolment.CLOSED)
    member = newcomer()
    response = member.post(f"/enrol/{course.pk}/", follow=True)
    assert (
        "enrolled in this course by its trainers or the administrators" in response.content.decode()
    )
    assert not Enrolment.objects.filter(user=member.user).exists()
    enrol(member.user, course, source=Enrolment.Source.ADMIN, by=demo["users"]["admin"])
    assert member.get(SAFETY_LESSON).status_code == 200


def test_places_and_window_are_kept(demo):
    course = safety(demo, capacity=1)
    first, second = newcomer("first"), newcomer("second")
    enrol(first.user, course)
    assert "This course is full." in second.get("/first-aid-basics/").content.decode()
    with pytest.raises(EnrolmentRefused, match="full"):
        enrol(second.user, course)
    course = safety(demo, capacity=None, enrolment_opens=timezone.now() + timedelta(days=2))
    with pytest.raises(EnrolmentRefused, match="Enrolment opens on"):
        enrol(second.user, course)
    course = safety(demo, enrolment_opens=None, enrolment_closes=timezone.now() - timedelta(1))
    with pytest.raises(EnrolmentRefused, match="closed"):
        enrol(second.user, course)


def test_enrol_needs_login_post_and_csrf(demo):
    url = f"/enrol/{demo['safety_course'].pk}/"
    assert Client().post(url).status_code == 302  # to the login page
    member = newcomer()
    # Opened as a page (a link passed on, the way back from the login page): the course
    # page, whose button enrols; nothing happens on a GET.
    course_url = demo["safety_course"].url
    for address in (url, f"{url}leave/"):
        response = member.get(address)
        assert response.status_code == 302 and response.url == course_url, address
    assert not Enrolment.objects.filter(user=member.user).exists()
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(member.user)
    assert strict.post(url).status_code == 403
    assert member.post("/enrol/999999/").status_code == 404


# Admin: groups and CSV ------------------------------------------------------------------------


def test_trainer_enrols_a_whole_branch(demo):
    branch = Group.objects.create(name="North branch 北部分会")
    people = [newcomer(f"north{i}").user for i in range(3)]
    branch.user_set.add(*people)
    trainer = client_for("trainer", demo)
    course = demo["safety_course"]
    page = trainer.get(f"/admin/courses/{course.pk}/members/").content.decode()
    assert "North branch 北部分会 (3)" in page
    assert "Trainers of course" not in page  # role groups are not branches
    # Nor are groups that grant permissions: Wagtail's own, or one an admin made.
    assert "Editors (" not in page and "Moderators (" not in page
    trainer.post(
        f"/admin/courses/{course.pk}/members/", {"action": "enrol_group", "group": branch.pk}
    )
    assert Enrolment.objects.active().filter(course=course, user__in=people).count() == 3


def test_group_enrolment_is_all_or_nothing(demo):
    course = safety(demo, capacity=2)
    branch = Group.objects.create(name="South branch")
    branch.user_set.add(*[newcomer(f"south{i}").user for i in range(3)])
    response = client_for("admin", demo).post(
        f"/admin/courses/{course.pk}/members/",
        {"action": "enrol_group", "group": branch.pk},
        follow=True,
    )
    assert (
        "Nobody from South branch was enrolled: This course is full." in response.content.decode()
    )
    assert not Enrolment.objects.filter(course=course).exists()


CSV = "email,first_name,last_name\nknown@example.com,,\nnew@example.com,小明,王\n"


def test_csv_enrolment_with_new_accounts_and_invitations(demo, django_capture_on_commit_callbacks):
    known = newcomer("known", "known@example.com").user
    course = demo["safety_course"]
    admin = client_for("admin", demo)
    with django_capture_on_commit_callbacks() as queued:
        response = admin.post(
            f"/admin/courses/{course.pk}/members/",
            {
                "action": "import_csv",
                "csv": SimpleUploadedFile("members.csv", CSV.encode("gb18030")),
                "create_accounts": "on",
                "invite": "on",
            },
            follow=True,
        )
    # The request sent nothing itself: the emails wait for the import to commit and go
    # out as tasks (the known member's "you are enrolled", the newcomer's invitation).
    assert mail.outbox == [] and len(queued) == 2
    html = response.content.decode()
    assert "Enrolled: 2 (new accounts: 1). Already enrolled: 0." in html
    assert "The invitation to the new account is being emailed." in html
    new = User.objects.get(email="new@example.com")
    assert (new.first_name, new.last_name, new.has_usable_password()) == ("小明", "王", False)
    assert Enrolment.objects.active().filter(course=course, user__in=[known, new]).count() == 2
    for task in queued:
        task()
    [invitation] = [m for m in mail.outbox if m.to == ["new@example.com"]]
    assert "/accounts/reset/" in invitation.body
    # It says until when the link works (Django's PASSWORD_RESET_TIMEOUT, 3 days) and where
    # to ask for another.
    until = timezone.localtime() + timedelta(days=3)
    assert f"This link works until {until:%Y-%m-%d}" in invitation.body
    assert "http://testserver/accounts/password_reset/" in invitation.body
    # The link lets them choose a password.
    link = invitation.body.split("http://testserver")[1].split()[0]
    form = Client().get(link, follow=True)
    assert form.status_code == 200 and "new_password1" in form.content.decode()


def invitation_pending(html: str, email: str) -> bool:
    """Whether the members list shows the member with ``email`` as not having accepted."""
    [row] = [row for row in html.split("<tr") if f"<td>{email}</td>" in row]
    return "Invitation not accepted" in row and 'value="invite_again"' in row


def test_an_invitation_the_mail_server_refused_is_shown_and_sent_again(
    demo, settings, caplog, django_capture_on_commit_callbacks
):
    course = demo["safety_course"]
    url = f"/admin/courses/{course.pk}/members/"
    admin = client_for("admin", demo)
    enrol(demo["users"]["member"], course)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", 1, False
    settings.EMAIL_TIMEOUT = 5
    data = b"email,name\nlost@example.com,Lost Person\n"
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(
            url,
            {
                "action": "import_csv",
                "csv": SimpleUploadedFile("m.csv", data),
                "create_accounts": "on",
                "invite": "on",
            },
        )
    assert response.status_code == 302
    assert "Could not send courses/email/invitation.txt" in caplog.text  # the task logged it
    html = admin.get(url).content.decode()
    assert invitation_pending(html, "lost@example.com")
    assert not invitation_pending(html, "member@example.com")  # has a password

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    lost = Enrolment.objects.get(course=course, user__email="lost@example.com")
    # Only those who may edit the course may send it: a member of it may not.
    with django_capture_on_commit_callbacks(execute=True):
        client_for("member", demo).post(url, {"action": "invite_again", "enrolment": lost.pk})
    assert mail.outbox == []
    # The course's trainer may: queued, sent by the task once it runs.
    with django_capture_on_commit_callbacks() as queued:
        again = client_for("trainer", demo).post(
            url, {"action": "invite_again", "enrolment": lost.pk}, follow=True
        )
    assert "A new invitation is being emailed to Lost Person (lost@example.com)." in (
        again.content.decode()
    )
    assert mail.outbox == [] and len(queued) == 1
    queued[0]()
    [invitation] = mail.outbox
    assert invitation.to == ["lost@example.com"] and "/accounts/reset/" in invitation.body
    # Once they chose a password, the invitation is accepted: no longer offered.
    link = invitation.body.split("http://testserver")[1].split()[0]
    newcomer_client = Client()
    form = newcomer_client.get(link, follow=True)
    newcomer_client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "brand-new-passphrase-7", "new_password2": "brand-new-passphrase-7"},
    )
    assert not invitation_pending(admin.get(url).content.decode(), "lost@example.com")
    late = admin.post(url, {"action": "invite_again", "enrolment": lost.pk}, follow=True)
    assert "Lost Person has chosen a password already" in late.content.decode()


def test_an_invited_member_whose_link_expired_asks_for_a_new_one(demo):
    """The invitation sends them to "Forgotten your password?": it answers accounts that
    were made for someone and never used, as well as those with a password."""
    report, [invited] = import_enrolments(
        b"email\ninvited@example.com\n", demo["safety_course"], create_accounts=True
    )
    assert report.applied and not invited.has_usable_password()
    Client().post("/accounts/password_reset/", {"email": "INVITED@example.com"})
    [email] = mail.outbox
    assert email.to == ["invited@example.com"] and "/accounts/reset/" in email.body


def test_csv_with_a_bad_row_changes_nothing_and_says_which(demo):
    course = demo["safety_course"]
    data = "email\nok@example.com\nnot-an-email\nnobody@example.com\nok@example.com\n"
    newcomer("ok", "ok@example.com")
    response = client_for("trainer", demo).post(
        f"/admin/courses/{course.pk}/members/",
        {"action": "import_csv", "csv": SimpleUploadedFile("m.csv", data.encode())},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Nothing was changed: 3 rows of 4 have a problem" in html
    assert "“not-an-email” is not an email address." in html
    assert "No account with this email address or username." in html
    assert "Listed twice in this file." in html
    assert not Enrolment.objects.filter(course=course).exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x00\x01\x02binary", "not a CSV file"),
        (b"name,phone\nA,1\n", "email"),
        (b"\xff\xfe\x00junk" * 10, "not"),
        (b"", "The file is empty."),
        (b"  \n\n", "The file is empty."),
        (b"email,first_name\n", "lists nobody"),
        # The quote opened on line 3 swallowed every line after it into one "row".
        (
            'email,first_name\na@example.com,A\n"broken,line\nb@example.com,李明\n'.encode(),
            r"Line 3: a quotation mark \(\"\) is opened and never closed",
        ),
        (b'email\na@example.com\n"b"c@example.com\n', "Line 3 could not be read as CSV"),
    ],
)
def test_unreadable_csv_files_get_a_clear_message(demo, data, message):
    with pytest.raises(CsvProblem, match=message):
        import_enrolments(data, demo["safety_course"])


def test_enrol_members_command_reports_rows_and_exit_code(demo, tmp_path):
    course = demo["safety_course"]
    good = tmp_path / "good.csv"
    good.write_text("username\nmember\n", encoding="utf-8")
    out = __import__("io").StringIO()
    call_command("enrol_members", str(good), "--course", course.slug, stdout=out)
    assert "line 2: member: enrolled" in out.getvalue()
    assert Enrolment.objects.active().filter(course=course, user__username="member").exists()
    bad = tmp_path / "bad.csv"
    bad.write_text("username\nmember\nghost\n", encoding="utf-8")
    out = __import__("io").StringIO()
    with pytest.raises(CommandError, match="1 of 2 rows failed; nothing was changed"):
        call_command("enrol_members", str(bad), "--course", course.slug, stdout=out)
    assert "line 3: ghost: failed (No account" in out.getvalue()
    with pytest.raises(CommandError, match="No course with the slug"):
        call_command("enrol_members", str(good), "--course", "nope")


def test_enrol_members_command_queues_the_invitations(
    demo, tmp_path, django_capture_on_commit_callbacks
):
    course = demo["safety_course"]
    path = tmp_path / "new.csv"
    path.write_text("email,name\nfresh@example.com,Fresh Start\n", encoding="utf-8")
    args = ["enrol_members", str(path), "--course", course.slug, "--create-accounts", "--invite"]
    with django_capture_on_commit_callbacks() as queued:
        call_command(*args, "--dry-run", stdout=__import__("io").StringIO())
    assert queued == []  # a trial run invites nobody
    out = __import__("io").StringIO()
    with django_capture_on_commit_callbacks() as queued:
        call_command(*args, stdout=out)
    assert mail.outbox == [] and len(queued) == 1  # the command did not wait for the mail
    assert "1 invitation(s) queued" in out.getvalue()
    queued[0]()
    [invitation] = mail.outbox
    assert invitation.to == ["fresh@example.com"] and "Fresh Start" in invitation.body


def other_trainer() -> Client:
    """Logged in as a trainer who does not edit the demo's courses."""
    other = User.objects.create_user("other-trainer", "o@example.com", "pw-12345678")
    other.groups.add(Group.objects.get(name="Trainers"))
    client = Client()
    client.force_login(other)
    return client


def test_members_admin_is_for_the_course_editors(demo):
    url = f"/admin/courses/{demo['safety_course'].pk}/members/"
    assert client_for("member", demo).get(url).status_code in (302, 403)
    client = other_trainer()
    assert client.get(url).status_code in (302, 403)  # Wagtail sends refusals to the dashboard
    client.post(url, {"action": "enrol_user", "who": "other-trainer"})
    assert not Enrolment.objects.filter(user__username="other-trainer").exists()
    assert client.get(SAFETY_LESSON).status_code == 403  # not their course either


def test_enrolling_someone_who_asked_approves_their_request(
    demo, django_capture_on_commit_callbacks
):
    """An admin enrolling a member whose request waits approves it (they are told), and says
    so plainly when the course is full: the request is not left waiting behind a "done"."""
    course = safety(demo, enrolment=CoursePage.Enrolment.APPROVAL, capacity=1)
    asking, other = newcomer("asking"), newcomer("other")
    for member in (asking, other):
        enrol(member.user, course)
    admin = client_for("admin", demo)
    url = f"/admin/courses/{course.pk}/members/"
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(url, {"action": "enrol_user", "who": "asking"}, follow=True)
    assert "asking is enrolled." in response.content.decode()
    approved = Enrolment.objects.get(user=asking.user, course=course)
    assert approved.status == Enrolment.Status.ACTIVE and approved.decided_by is not None
    assert mail.outbox[-1].to == ["asking@example.com"] and "was approved" in mail.outbox[-1].body
    assert asking.get(SAFETY_LESSON).status_code == 200

    full = admin.post(url, {"action": "enrol_user", "who": "other"}, follow=True)
    assert "This course is full." in full.content.decode()
    waiting = Enrolment.objects.get(user=other.user, course=course)
    assert waiting.status == Enrolment.Status.PENDING


def test_the_enrol_a_person_box_and_removing_say_what_happened(demo):
    admin = client_for("admin", demo)
    course = demo["safety_course"]
    url = f"/admin/courses/{course.pk}/members/"
    empty = admin.post(url, {"action": "enrol_user", "who": "  "}, follow=True)
    assert "Enter a username or email address." in empty.content.decode()
    member = newcomer("leaving")
    enrolment = enrol(member.user, course)
    removed = admin.post(f"{url}{enrolment.pk}/remove/", follow=True)  # as confirmed
    assert "leaving was removed from the course." in removed.content.decode()
    assert member.get(SAFETY_LESSON).status_code == 403
    # The course's own trainer can be enrolled (to try it out), with a word about the reports.
    trainer = demo["users"]["trainer"]
    assert course.trainers.filter(pk=trainer.pk).exists()
    html = admin.post(url, {"action": "enrol_user", "who": "trainer"}, follow=True).content.decode()
    assert "trains this course: as an enrolled member, their progress now counts" in html
    plain = admin.post(url, {"action": "enrol_user", "who": "member"}, follow=True)
    assert "trains this course" not in plain.content.decode()


def test_a_full_approval_course_says_a_request_waits_for_a_place(demo):
    course = safety(demo, enrolment=CoursePage.Enrolment.APPROVAL, capacity=1)
    enrol(newcomer("first").user, course, source=Enrolment.Source.ADMIN)
    html = newcomer().get(course.url).content.decode()
    assert "Ask to join" in html
    assert "The course is full: your request waits until a place is free." in html
    assert "0 places left" not in html


def test_a_refused_csv_keeps_the_options_chosen(demo):
    admin = client_for("admin", demo)
    url = f"/admin/courses/{demo['safety_course'].pk}/members/"
    fresh = admin.get(url).content.decode()
    assert '<input type="checkbox" name="invite" checked>' in fresh  # the default
    assert '<input type="checkbox" name="create_accounts">' in fresh
    upload = SimpleUploadedFile("m.csv", b"email\nnot-an-email\n")
    shown = admin.post(url, {"action": "import_csv", "csv": upload, "create_accounts": "on"})
    html = shown.content.decode()
    assert shown.status_code == 400 and "Nothing was changed" in html
    assert '<input type="checkbox" name="create_accounts" checked>' in html
    assert '<input type="checkbox" name="invite">' in html  # unticked when sent


def test_csv_columns_go_by_the_names_people_give_them(demo):
    """A sheet exported from another system: "E-mail", one "姓名" or "Name" column, and a
    column the import does not use, which the admin is told about instead of it vanishing."""
    course = demo["safety_course"]
    data = (
        "E-mail,姓名,Phone,Branch\nli@example.com,李明,123,North\nada@example.com,Ada Lovelace,4,\n"
    )
    response = client_for("admin", demo).post(
        f"/admin/courses/{course.pk}/members/",
        {
            "action": "import_csv",
            "csv": SimpleUploadedFile("m.csv", data.encode("utf-8-sig")),
            "create_accounts": "on",
        },
        follow=True,
    )
    html = response.content.decode()
    assert (
        "The columns “Phone”, “Branch” were not read; the columns read are “E-mail”, “姓名”."
        in html
    )
    with translation.override("zh-hans"):
        chinese = unused_columns_message(["Phone", "Branch"], ["E-mail", "姓名"])
    assert chinese.startswith("未读取列 “Phone”、“Branch”；已读取的列为 “E-mail”、“姓名”。")
    assert "Enrolled: 2 (new accounts: 2)" in html
    li = User.objects.get(email="li@example.com")
    ada = User.objects.get(email="ada@example.com")
    assert (li.last_name, li.first_name) == ("李", "明")
    assert (ada.first_name, ada.last_name) == ("Ada", "Lovelace")
    assert person_name(li) == "李明" and person_name(ada) == "Ada Lovelace"


def test_csv_headings_with_a_byte_order_mark_or_spelled_out_are_read(demo):
    data = "\ufeffE-mail address,姓名\nmember@example.com,李明\n".encode("gb18030")
    report, _created = import_enrolments(data, demo["safety_course"], dry_run=True)
    assert [row.outcome for row in report.rows] == ["enrolled"]
    assert report.unused_columns == []


def test_csv_columns_with_the_same_meaning_twice_are_refused(demo):
    with pytest.raises(CsvProblem, match="The columns “email”, “邮箱” hold the same thing"):
        import_enrolments(
            "email,邮箱\na@example.com,b@example.com\n".encode(), demo["safety_course"]
        )


def test_the_command_names_columns_it_did_not_read(demo, tmp_path):
    course = demo["safety_course"]
    path = tmp_path / "m.csv"
    path.write_text("Username,Notes\nmember,first aid team\n", encoding="utf-8")
    out, err = __import__("io").StringIO(), __import__("io").StringIO()
    call_command("enrol_members", str(path), "--course", course.slug, stdout=out, stderr=err)
    assert "The column “Notes” was not read; the columns read are “Username”." in err.getvalue()
    assert "line 2: member: enrolled" in out.getvalue()


@pytest.mark.parametrize(
    ("name", "parts"),
    [
        ("Ada Lovelace", ("Ada", "Lovelace")),
        ("  Mary  Ann   Evans ", ("Mary Ann", "Evans")),
        ("Plato", ("Plato", "")),
        ("李明", ("明", "李")),
        ("李 明", ("明", "李")),
        ("欧阳修", ("阳修", "欧")),  # split too early, but it reads the same: 欧阳修
        ("", ("", "")),
    ],
)
def test_one_name_is_split_into_first_and_last(name, parts):
    assert split_full_name(name) == parts


@pytest.mark.parametrize(
    ("names", "line"),
    [
        (["李明", "王芳"], "李明、王芳"),
        (["Ada Lovelace", "Alan Turing"], "Ada Lovelace, Alan Turing"),
        (["李明", "Ada Lovelace"], "李明, Ada Lovelace"),
        (["", "李明"], "李明"),
        ([], ""),
    ],
)
def test_names_in_a_line_are_joined_as_their_script_writes_them(names, line):
    assert join_names(names) == line


def test_values_under_no_heading_are_named_by_line(demo, tmp_path):
    """An empty heading, or more values than headings (a comma too many): the person is told
    which lines hold values that were not read."""
    data = "email,,first_name\nmember@example.com,note,A\ntrainer@example.com,,B,extra\nadmin@example.com,,C\n"
    report, _created = import_enrolments(data.encode(), demo["safety_course"], dry_run=True)
    assert report.stray_lines == [2, 3]
    assert report.unused_columns == []
    assert [row.outcome for row in report.rows] == ["enrolled", "enrolled", "enrolled"]
    path = tmp_path / "m.csv"
    path.write_text(data, encoding="utf-8")
    err = __import__("io").StringIO()
    call_command(
        "enrol_members", str(path), "--course", demo["safety_course"].slug, "--dry-run",
        stdout=__import__("io").StringIO(), stderr=err,
    )  # fmt: skip
    assert "Lines 2, 3 have values under no column heading; they were not read." in err.getvalue()


# Admin: what a stale or hand-made form, a destructive click and a group get -----------------


@pytest.mark.parametrize(
    ("action", "field", "value"),
    [
        ("approve", "enrolment", "abc"),
        ("decline", "enrolment", "1.5"),
        ("remove", "enrolment", ""),
        ("remove", "enrolment", "99999999999999999999999"),
        ("enrol_group", "group", "abc"),
        ("enrol_group", "group", "1.5"),
    ],
)
def test_a_bad_id_in_a_members_form_gets_a_message_not_an_error(demo, action, field, value):
    url = f"/admin/courses/{demo['safety_course'].pk}/members/"
    response = client_for("admin", demo).post(url, {"action": action, field: value}, follow=True)
    assert response.redirect_chain == [(url, 302)] and response.status_code == 200
    expected = "Choose a group." if field == "group" else "is not in this course’s list any more"
    assert expected in response.content.decode()


def test_an_enrolment_of_another_course_is_not_acted_on(demo):
    other = newcomer("elsewhere")
    elsewhere = enrol(other.user, demo["course"], source=Enrolment.Source.ADMIN)
    url = f"/admin/courses/{demo['safety_course'].pk}/members/"
    admin = client_for("admin", demo)
    for action in ("remove", "decline", "approve"):
        response = admin.post(url, {"action": action, "enrolment": elsewhere.pk}, follow=True)
        assert "is not in this course’s list any more" in response.content.decode()
    confirm = admin.post(f"{url}{elsewhere.pk}/remove/", follow=True)
    assert "is not in this course’s list any more" in confirm.content.decode()
    assert Enrolment.objects.get(pk=elsewhere.pk).status == Enrolment.Status.ACTIVE


def test_removing_a_member_is_confirmed_first_and_keeps_their_progress(demo):
    from wagtail.models import Page

    from courses.models import LessonProgress

    course = demo["safety_course"]
    member = newcomer("leaving")
    enrolment = enrol(member.user, course)
    LessonProgress.objects.create(
        user=member.user, page=Page.objects.get(url_path__endswith=SAFETY_LESSON), reached_end=True
    )
    admin = client_for("admin", demo)
    url = f"/admin/courses/{course.pk}/members/"
    confirm_url = f"{url}{enrolment.pk}/remove/"
    listing = admin.get(url).content.decode()
    assert 'value="remove"' not in listing  # no button that removes at one click
    assert f'href="{confirm_url}"' in listing

    # A form from an older page asks too, and changes nothing.
    stale = admin.post(url, {"action": "remove", "enrolment": enrolment.pk})
    assert stale.status_code == 302 and stale.url == confirm_url
    page = admin.get(confirm_url).content.decode()
    assert "Remove leaving from the course?" in page
    assert "Their progress and any certificate are kept" in page
    assert member.get(SAFETY_LESSON).status_code == 200

    removed = admin.post(confirm_url, follow=True)
    assert "leaving was removed from the course." in removed.content.decode()
    assert member.get(SAFETY_LESSON).status_code == 403
    assert LessonProgress.objects.filter(user=member.user).count() == 1
    again = admin.post(confirm_url, follow=True)  # the same form sent twice
    assert "Nothing was changed: leaving’s enrolment is now “Left the course”." in (
        again.content.decode()
    )


def test_declining_is_confirmed_and_the_reason_goes_to_the_member(
    demo, django_capture_on_commit_callbacks
):
    course = safety(demo, enrolment=CoursePage.Enrolment.APPROVAL)
    member = newcomer("hopeful")
    enrolment = enrol(member.user, course)
    trainer = client_for("trainer", demo)
    url = f"/admin/courses/{course.pk}/members/"
    confirm_url = f"{url}{enrolment.pk}/decline/"
    listing = trainer.get(url).content.decode()
    assert 'value="decline"' not in listing and f'href="{confirm_url}"' in listing
    stale = trainer.post(url, {"action": "decline", "enrolment": enrolment.pk})
    assert stale.url == confirm_url
    page = trainer.get(confirm_url).content.decode()
    assert "Decline hopeful’s request?" in page and 'name="reason"' in page
    assert Enrolment.objects.get(pk=enrolment.pk).status == Enrolment.Status.PENDING

    with django_capture_on_commit_callbacks(execute=True):
        response = trainer.post(
            confirm_url, {"reason": "This course is for the North branch."}, follow=True
        )
    assert "hopeful was declined." in response.content.decode()
    assert Enrolment.objects.get(pk=enrolment.pk).status == Enrolment.Status.DECLINED
    body = mail.outbox[-1].body
    assert mail.outbox[-1].to == ["hopeful@example.com"] and "was declined" in body
    assert "The trainer’s reason:\nThis course is for the North branch." in body


def test_group_enrolment_says_what_it_did_and_keeps_declines(
    demo, django_capture_on_commit_callbacks
):
    course = safety(demo, enrolment=CoursePage.Enrolment.APPROVAL)
    branch = Group.objects.create(name="Branch North")
    enrolled, asking, new, declined = (newcomer(name).user for name in ("in", "ask", "new", "no"))
    branch.user_set.add(enrolled, asking, new, declined)
    enrol(enrolled, course, source=Enrolment.Source.ADMIN)
    enrol(asking, course)
    decide(enrol(declined, course), approve=False, by=demo["users"]["trainer"])
    admin = client_for("admin", demo)
    url = f"/admin/courses/{course.pk}/members/"

    with django_capture_on_commit_callbacks(execute=True):
        first = admin.post(url, {"action": "enrol_group", "group": branch.pk}, follow=True)
    html = first.content.decode()
    assert "Branch North: 2 enrolled, 1 already enrolled." in html
    assert "Not enrolled, as their request had been declined: no." in html
    statuses = dict(Enrolment.objects.filter(course=course).values_list("user__username", "status"))
    assert statuses == {"in": "active", "ask": "active", "new": "active", "no": "declined"}
    # Each is told: the one who asked that their request was approved, the new one that they
    # were enrolled; nobody else.
    told = {tuple(m.to): m.subject for m in mail.outbox[-2:]}
    assert told == {
        ("ask@example.com",): "You are enrolled in “First aid basics”",
        ("new@example.com",): "You are enrolled in “First aid basics”",
    }

    branch.user_set.remove(declined)
    again = admin.post(url, {"action": "enrol_group", "group": branch.pk}, follow=True)
    html = again.content.decode()
    assert "Everyone in Branch North is already enrolled." in html
    assert "members of Branch North are enrolled" not in html and "2 enrolled" not in html

    # Deliberately, one by one, the declined member can be enrolled.
    admin.post(url, {"action": "enrol_user", "who": "no"})
    assert Enrolment.objects.get(user=declined, course=course).status == "active"


def test_join_requests_page_decides_oldest_first(demo, django_capture_on_commit_callbacks):
    course = safety(demo, enrolment=CoursePage.Enrolment.APPROVAL)
    later, earlier = newcomer("aaron-later"), newcomer("zoe-earlier")
    late = enrol(later.user, course)
    early = enrol(earlier.user, course)
    Enrolment.objects.filter(pk=early.pk).update(created_at=late.created_at - timedelta(hours=1))
    trainer = client_for("trainer", demo)
    requests_url = "/admin/enrolment-requests/"
    page = trainer.get(requests_url).content.decode()
    assert "<title>Join requests" in page and "Enrolment requests" not in page
    assert page.index("zoe-earlier") < page.index("aaron-later")  # first come, first served
    members = trainer.get(f"/admin/courses/{course.pk}/members/").content.decode()
    assert members.index("zoe-earlier") < members.index("aaron-later")
    assert 'value="approve"' in page
    decline_url = f"/admin/courses/{course.pk}/members/{late.pk}/decline/?next={requests_url}"
    assert f'href="{decline_url}"' in page

    with django_capture_on_commit_callbacks(execute=True):
        approved = trainer.post(
            f"/admin/courses/{course.pk}/members/",
            {"action": "approve", "enrolment": early.pk, "next": requests_url},
        )
    assert approved.status_code == 302 and approved.url == requests_url
    assert Enrolment.objects.get(pk=early.pk).status == Enrolment.Status.ACTIVE
    assert trainer.get(decline_url).status_code == 200
    declined = trainer.post(decline_url, {"next": requests_url})
    assert declined.url == requests_url
    assert Enrolment.objects.get(pk=late.pk).status == Enrolment.Status.DECLINED
    assert "No requests are waiting." in trainer.get(requests_url).content.decode()
    # Only an address on this site is followed back.
    outside = trainer.post(
        f"/admin/courses/{course.pk}/members/",
        {"action": "approve", "enrolment": late.pk, "next": "https://example.net/"},
    )
    assert outside.url == f"/admin/courses/{course.pk}/members/"


def test_a_trainer_decides_only_their_own_courses_requests(demo):
    course = safety(demo, enrolment=CoursePage.Enrolment.APPROVAL)
    waiting = enrol(newcomer("asker").user, course)
    client = other_trainer()
    assert "asker" not in client.get("/admin/enrolment-requests/").content.decode()
    url = f"/admin/courses/{course.pk}/members/"
    client.post(url, {"action": "approve", "enrolment": waiting.pk})
    client.post(f"{url}{waiting.pk}/decline/", {"reason": "no"})
    assert Enrolment.objects.get(pk=waiting.pk).status == Enrolment.Status.PENDING


LONG_EMAIL = "a" * 64 + "@" + ".".join(["b" * 63, "c" * 63, "d" * 60]) + ".com"  # 260, valid


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (f"{LONG_EMAIL},,,", "The email address is longer than 254 characters."),
        ("long@example.com," + "u" * 151 + ",,", "The username is longer than 150 characters."),
        (
            "long@example.com,," + "名" * 151 + ",王",
            "The first name is longer than 150 characters.",
        ),
        ("long@example.com,,Ada," + "L" * 151, "The last name is longer than 150 characters."),
    ],
)
def test_csv_values_longer_than_an_account_holds_are_refused_not_cut(demo, row, message):
    """PostgreSQL refused the whole upload with a server error; SQLite stored the address
    whole, and names were cut short without a word."""
    course = demo["safety_course"]
    data = f"email,username,first_name,last_name\nok@example.com,,,\n{row}\n"
    response = client_for("admin", demo).post(
        f"/admin/courses/{course.pk}/members/",
        {
            "action": "import_csv",
            "csv": SimpleUploadedFile("m.csv", data.encode()),
            "create_accounts": "on",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Nothing was changed: 1 row of 2 has a problem" in html
    assert message in html
    assert not User.objects.filter(email__in=["ok@example.com", LONG_EMAIL]).exists()
    assert not User.objects.filter(email="long@example.com").exists()


@pytest.mark.parametrize("newline", ["\r", "\n", "\r\n"])
def test_csv_lines_may_end_as_on_an_old_mac_windows_or_unix(demo, newline):
    """Line breaks inside a quoted value stay part of it, whichever ends the lines."""
    course = demo["safety_course"]
    lines = [
        "email,name,notes",
        "member@example.com,,",
        f'new@example.com,李明,"two{newline}lines"',
    ]
    response = client_for("admin", demo).post(
        f"/admin/courses/{course.pk}/members/",
        {
            "action": "import_csv",
            "csv": SimpleUploadedFile("m.csv", (newline.join(lines) + newline).encode()),
            "create_accounts": "on",
        },
        follow=True,
    )
    html = response.content.decode()
    assert "Enrolled: 2 (new accounts: 1). Already enrolled: 0." in html
    assert "The column “notes” was not read; the columns read are “email”, “name”." in html
    new = User.objects.get(email="new@example.com")
    assert (new.last_name, new.first_name) == ("李", "明")
    assert Enrolment.objects.active().filter(course=course, user=new).exists()


def test_a_courses_members_are_found_by_name_and_paged(demo):
    course = demo["safety_course"]
    for number in range(60):
        person = User.objects.create_user(f"p{number:02}", f"p{number:02}@example.com", "pw")
        Enrolment.objects.create(user=person, course=course)
    User.objects.filter(username="p42").update(first_name="芳", last_name="王")
    admin = client_for("admin", demo)
    url = f"/admin/courses/{course.pk}/members/"
    first = admin.get(url).content.decode()
    assert "60 members enrolled" in first or "61 members enrolled" in first
    assert "Page 1 of 2" in first and first.count("/remove/") == 50
    second = admin.get(url, {"p": 2}).content.decode()
    assert "Page 2 of 2" in second and second.count("/remove/") >= 10
    for query in ("王", "p42@example", "P42"):
        found = admin.get(url, {"q": query}).content.decode()
        assert found.count("/remove/") == 1 and "王芳" in found, query
    nobody = admin.get(url, {"q": "nobody-like-this"}).content.decode()
    assert "No member matches “nobody-like-this”." in nobody
    assert admin.get(url, {"p": "abc"}).status_code == 200


def test_the_members_list_names_who_enrolled_each_member(demo, tmp_path):
    """ "Enrolled by" names the trainer or admin who approved the request or added the
    member, and how; the way alone when nobody did (the member, the command line)."""
    course = demo["safety_course"]
    url = f"/admin/courses/{course.pk}/members/"
    themselves = newcomer("themselves")
    enrol(themselves.user, course)  # an open course: nobody decides
    course = safety(demo, enrolment=CoursePage.Enrolment.APPROVAL)
    asking = enrol(newcomer("asking").user, course)
    trainer, admin = client_for("trainer", demo), client_for("admin", demo)
    trainer.post(url, {"action": "approve", "enrolment": asking.pk})
    newcomer("added")
    admin.post(url, {"action": "enrol_user", "who": "added"})
    branch = Group.objects.create(name="South branch")
    branch.user_set.add(newcomer("branched").user)
    admin.post(url, {"action": "enrol_group", "group": branch.pk})
    newcomer("listed")
    admin.post(
        url,
        {"action": "import_csv", "csv": SimpleUploadedFile("m.csv", b"username\nlisted\n")},
    )
    newcomer("scripted")
    (tmp_path / "m.csv").write_text("username\nscripted\n", encoding="utf-8")
    call_command("enrol_members", str(tmp_path / "m.csv"), "--course", course.slug, stdout=None)
    html = admin.get(url).content.decode()

    def enrolled_by(username):
        [row] = [row for row in html.split("<tr") if f"<td>{username}@example.com</td>" in row]
        return row.split("<td>")[4].split("</td>")[0]

    assert enrolled_by("themselves") == "The member"
    assert enrolled_by("asking") == "Approved by Tom Trainer"
    assert enrolled_by("added") == "Added by Ada Admin"
    assert enrolled_by("branched") == "Group enrolment by Ada Admin"
    assert enrolled_by("listed") == "CSV import by Ada Admin"
    assert enrolled_by("scripted") == "A CSV import"


def test_a_csv_listing_someone_whose_request_was_declined_says_so(demo):
    course = safety(demo, enrolment=CoursePage.Enrolment.APPROVAL)
    person = newcomer("turned-down")
    decide(enrol(person.user, course), approve=False, by=demo["users"]["trainer"])
    data = f"email\n{person.user.email}\n".encode()
    response = client_for("admin", demo).post(
        f"/admin/courses/{course.pk}/members/",
        {"action": "import_csv", "csv": SimpleUploadedFile("m.csv", data), "dry_run": "on"},
    )
    assert "fine · Their request to join had been declined." in response.content.decode()
    report, _created = import_enrolments(data, course, by=demo["users"]["admin"])
    assert report.applied and report.rows[0].outcome == "enrolled"
    assert report.rows[0].message == "Their request to join had been declined."


# The way in, from where the visitor is ------------------------------------------------------


def test_a_free_preview_offers_the_course_and_brings_the_new_member_back(demo):
    """Read as a taste of the course: the page says so and offers the way in (log in, enrol),
    and enrolling there returns to the lesson, not the course page. Members do not see it."""
    preview = "/digital-office/basics/what-is-e-government/"
    course = demo["course"]
    visitor = Client().get(preview).content.decode()
    assert "A free preview of “" in visitor and course.title in visitor
    assert f'/accounts/login/?next={preview}"' in visitor

    member = newcomer()
    page = member.get(preview).content.decode()
    assert f'action="/enrol/{course.pk}/"' in page and f'name="next" value="{preview}"' in page
    response = member.post(f"/enrol/{course.pk}/", {"next": preview})
    assert response.status_code == 302 and response.url == preview
    enrolled = member.get(preview).content.decode()
    assert "A free preview of" not in enrolled
    # Enrolled, the course page no longer marks lessons as previews.
    assert "Free preview" not in member.get(course.url).content.decode()
    assert "Free preview" in Client().get(course.url).content.decode()
    # Somewhere else is never a way back.
    other = newcomer("other")
    response = other.post(f"/enrol/{course.pk}/", {"next": "https://evil.example/"})
    assert response.url == course.url


def test_a_locked_lesson_offers_to_enrol_there(demo):
    lesson = "/digital-office/practice/records-management/"
    member = newcomer()
    response = member.get(lesson)
    html = response.content.decode()
    assert response.status_code == 403
    assert f'action="/enrol/{demo["course"].pk}/"' in html and f'value="{lesson}"' in html
    assert member.post(f"/enrol/{demo['course'].pk}/", {"next": lesson}).url == lesson
    assert member.get(lesson).status_code == 200


def test_leaving_takes_a_second_step(demo):
    member = newcomer()
    course = demo["course"]
    member.post(f"/enrol/{course.pk}/")
    html = member.get(course.url).content.decode()
    # Behind a disclosure that says what leaving does; the button names the course.
    details = html[html.index('<details class="enrol-box__leave">') :]
    details = details[: details.index("</details>")]
    assert "Your progress is kept if you enrol again." in details
    assert f"Leave “{course.title}”" in details and f'action="/enrol/{course.pk}/leave/"' in details


def test_my_learning_keeps_the_courses_a_member_left(demo):
    member = newcomer()
    course = demo["course"]
    member.post(f"/enrol/{course.pk}/")
    member.post(f"/enrol/{course.pk}/leave/")
    html = member.get("/learning/").content.decode()
    left = html[html.index('id="left-heading"') :]
    assert "Courses you left" in html and f'href="{course.url}"' in left
    assert "Your progress is kept" in left
    member.post(f"/enrol/{course.pk}/")
    assert "Courses you left" not in member.get("/learning/").content.decode()


def test_ticked_join_requests_are_approved_together_and_each_outcome_is_said(
    demo, django_capture_on_commit_callbacks
):
    """Twenty members of a branch asking on the same morning are approved in one go; a
    course that fills up, a request someone decided first and one in a course the trainer
    does not edit are each left as they are, and the messages say so."""
    course = safety(demo, enrolment=CoursePage.Enrolment.APPROVAL, capacity=3)
    asking = [enrol(newcomer(f"asker{n}").user, course) for n in range(4)]
    already = enrol(newcomer("decided").user, course)
    Enrolment.objects.filter(pk=already.pk).update(status=Enrolment.Status.DECLINED)
    trainer = client_for("trainer", demo)
    page = trainer.get("/admin/enrolment-requests/").content.decode()
    assert 'data-controller="w-bulk"' in page and 'form="approve-chosen"' in page
    chosen = [e.pk for e in asking] + [already.pk, 99_999_999, "x"]
    with django_capture_on_commit_callbacks(execute=True):
        response = trainer.post("/admin/enrolment-requests/", {"enrolment": chosen}, follow=True)
    statuses = [Enrolment.objects.get(pk=e.pk).status for e in asking]
    assert statuses == ["active"] * 3 + ["pending"], "three places, three approved"
    said = [str(m) for m in response.context["messages"]]
    assert "3 requests approved: asker0, asker1, asker2." in said, said
    assert "“First aid basics” is full; still waiting: asker3." in said
    assert "Already decided before, left as they were: decided." in said
    assert "1 ticked request is no longer on the list." in said
    assert sorted(m.to[0] for m in mail.outbox if "approved" in m.body) == [
        f"asker{n}@example.com" for n in range(3)
    ]
    # Nothing ticked: said, nothing changed.
    response = trainer.post("/admin/enrolment-requests/", {}, follow=True)
    assert "Tick the requests to approve" in response.content.decode()


def test_ticked_requests_in_a_course_the_trainer_does_not_edit_stay_waiting(demo):
    course = safety(demo, enrolment=CoursePage.Enrolment.APPROVAL)
    waiting = enrol(newcomer("asker").user, course)
    client = other_trainer()
    client.post("/admin/enrolment-requests/", {"enrolment": [waiting.pk]})
    assert Enrolment.objects.get(pk=waiting.pk).status == Enrolment.Status.PENDING
    assert client.post("/admin/enrolment-requests/", {"enrolment": [waiting.pk]}).status_code == 302
    assert (
        Client().post("/admin/enrolment-requests/", {"enrolment": [waiting.pk]}).status_code == 302
    )
    assert Enrolment.objects.get(pk=waiting.pk).status == Enrolment.Status.PENDING
