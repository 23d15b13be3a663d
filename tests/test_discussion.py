"""Course discussion: who may read and post, escaping, rate limits, follow emails in both
languages, accepted answers, moderation, the admin queue and search within a course."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from wagtail.users.models import UserProfile

from courses.enrolments import withdraw
from courses.models import ArticlePage
from courses.roles import add_member
from discussion.models import DiscussionPreference, Follow, Post, Report, Thread
from discussion.text import render_post

from .conftest import client_for

pytestmark = pytest.mark.django_db


def make_member(username, *, course=None, language=""):
    from courses.models import Enrolment

    user = get_user_model().objects.create_user(
        username, f"{username}@example.com", "pw", first_name=username.title()
    )
    add_member(user)
    if course is not None:
        Enrolment.objects.create(user=user, course=course, source=Enrolment.Source.ADMIN)
    if language:
        profile = UserProfile.get_for_user(user)
        profile.preferred_language = language
        profile.save()
    return user


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def ask(client, lesson, title="How do I name files?", body="", **extra):
    return client.post(
        f"/discussion/lesson/{lesson.pk}/ask/", {"title": title, "body": body, **extra}
    )


def reply(client, thread, body="Start with the date."):
    return client.post(f"/discussion/{thread.pk}/reply/", {"body": body})


def moderate(client, thread, action, post=None):
    data = {"action": action}
    if post is not None:
        data["post"] = post.pk
    return client.post(f"/discussion/{thread.pk}/moderate/", data)


@pytest.fixture
def lecture(demo):
    """A lesson of the digital office course that is not a free preview (enrolled only)."""
    return demo["slides_lecture"]


@pytest.fixture
def question(demo, lecture, member_client):
    answer = ask(member_client, lecture, body="Is 2026-11-25 right?")
    assert answer.status_code == 302
    return Thread.objects.get()


@pytest.fixture
def safety_question(demo):
    """A question in the first aid course, which the demo member is not in."""
    lesson = ArticlePage.objects.get(slug="recovery-position")
    asker = make_member("firstaider", course=demo["safety_course"])
    ask(login(asker), lesson, "When do I call an ambulance?")
    return Thread.objects.get(course=demo["safety_course"])


# Reading and posting -----------------------------------------------------------------------


def test_an_enrolled_member_asks_under_a_lesson_and_reads_it(demo, lecture, member_client):
    page = member_client.get(lecture.url).content.decode()
    assert 'id="questions"' in page and "Ask a question" in page
    answer = ask(member_client, lecture, "为什么用日期命名文件？", "因为按日期排序。")
    thread = Thread.objects.get()
    assert answer.url == f"/discussion/{thread.pk}/"
    assert thread.course.pk == demo["course"].pk and thread.lesson_id == lecture.pk
    assert thread.author == demo["users"]["member"]
    assert Follow.objects.filter(thread=thread, user=thread.author).exists()  # the asker follows
    html = member_client.get(answer.url).content.decode()
    assert "为什么用日期命名文件？" in html and "因为按日期排序。" in html
    assert "为什么用日期命名文件？" in member_client.get(lecture.url).content.decode()


def test_a_member_not_in_the_course_can_neither_read_nor_post(
    demo, lecture, question, safety_question, member_client
):
    outsider = login(make_member("outsider"))
    assert "questions-heading" not in outsider.get(lecture.url).content.decode()
    assert outsider.get(f"/discussion/{question.pk}/").status_code == 404
    assert reply(outsider, question).status_code == 404
    assert ask(outsider, lecture).status_code == 404
    assert outsider.get(f"/discussion/course/{demo['course'].pk}/").status_code == 404
    assert outsider.post(f"/discussion/{question.pk}/follow/", {"follow": "1"}).status_code == 404
    assert outsider.post(f"/discussion/{question.pk}/report/", {}).status_code == 404
    # The demo member, enrolled in another course, sees nothing of this one: a 404, as for an
    # id that does not exist.
    assert member_client.get(f"/discussion/{safety_question.pk}/").status_code == 404
    assert reply(member_client, safety_question).status_code == 404
    assert member_client.get(f"/discussion/course/{demo['safety_course'].pk}/").status_code == 404
    assert Client().get(f"/discussion/{question.pk}/").status_code == 404  # visitors
    assert Post.objects.count() == 0


def test_free_preview_questions_are_read_by_anyone_but_asked_by_members_only(demo, member_client):
    preview = demo["welcome_lecture"]
    ask(member_client, preview, "Where are the slides?")
    thread = Thread.objects.get()
    visitor = Client()
    assert "Where are the slides?" in visitor.get(preview.url).content.decode()
    assert visitor.get(f"/discussion/{thread.pk}/").status_code == 200
    assert reply(visitor, thread).url.startswith("/accounts/login/")
    outsider = login(make_member("outsider"))
    page = outsider.get(preview.url).content.decode()
    assert "Where are the slides?" in page and "Post your question" not in page
    assert reply(outsider, thread).status_code == 403
    assert ask(outsider, preview).status_code == 403
    assert Post.objects.count() == 0


def test_library_articles_have_no_discussion(demo, member_client):
    article = ArticlePage.objects.get(slug="data-protection-policy")
    assert "questions-heading" not in member_client.get(article.url).content.decode()
    assert ask(member_client, article).status_code == 404


def test_posts_need_the_csrf_token(demo, question):
    client = Client(enforce_csrf_checks=True)
    client.force_login(demo["users"]["member"])
    assert reply(client, question).status_code == 403
    assert (
        client.post(f"/discussion/lesson/{question.lesson_id}/ask/", {"title": "x"}).status_code
        == 403
    )


def test_ids_of_other_questions_are_refused(demo, lecture, question, safety_question):
    other_post = Post.objects.create(thread=safety_question, author=None, body="elsewhere")
    trainer = client_for("trainer", demo)
    admin = client_for("admin", demo)
    # A reply of another question cannot be accepted, hidden or reported through this one.
    assert moderate(trainer, question, "accept", other_post).status_code == 404
    assert moderate(admin, question, "delete", other_post).status_code == 404
    member = client_for("member", demo)
    answer = member.post(f"/discussion/{question.pk}/report/", {"post": other_post.pk})
    assert answer.status_code == 404
    assert Post.objects.filter(pk=other_post.pk).exists()
    assert not Report.objects.exists()


# Escaping ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected", "absent"),
    [
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;", "<script"),
        (
            '<img src=x onerror="alert(1)">',
            "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;",
            "<img",
        ),
        (
            "see https://example.org/a?b=1&c=2.",
            '<a href="https://example.org/a?b=1&amp;c=2" rel="nofollow noopener noreferrer ugc" '
            'target="_blank">https://example.org/a?b=1&amp;c=2</a>.',
            None,
        ),
        ("javascript:alert(1)", "javascript:alert(1)", "<a"),
        ('https://x.org/"onmouseover="alert(1)', "&quot;onmouseover=&quot;alert(1)", 'o"'),
        ("www.example.org and me@example.org", "www.example.org and me@example.org", "<a"),
        ("看这里 https://example.org/文件，谢谢", ">https://example.org/文件</a>，谢谢", None),
        ("line one\nline two\n\nnew paragraph", "<p>line one<br>line two</p>\n\n<p>new", None),
        ("[b]bold[/b] **not markdown**", "**not markdown**", "<b>"),
    ],
)
def test_render_post(text, expected, absent):
    html = render_post(text)
    assert expected in html
    if absent:
        assert absent not in html


def test_titles_and_bodies_are_escaped_on_every_page(demo, lecture, member_client):
    ask(member_client, lecture, '<b onclick="x()">Bold?</b>', "<iframe src=//evil>")
    thread = Thread.objects.get()
    reply(member_client, thread, "<script>steal()</script> https://example.org/ok")
    trainer = client_for("trainer", demo)
    pages = [
        member_client.get(f"/discussion/{thread.pk}/").content.decode(),
        member_client.get(lecture.url).content.decode(),
        member_client.get(f"/discussion/course/{demo['course'].pk}/?q=Bold").content.decode(),
        trainer.get("/admin/discussion/").content.decode(),
    ]
    for html in pages:
        assert '<b onclick="x()">' not in html and "<script>steal" not in html
        assert "<iframe src=//evil>" not in html
        assert "&lt;b onclick=&quot;x()&quot;&gt;Bold?&lt;/b&gt;" in html
    assert 'href="https://example.org/ok" rel="nofollow noopener noreferrer ugc"' in pages[0]


# Rate limits -------------------------------------------------------------------------------


def test_members_are_rate_limited_trainers_are_not(demo, lecture, question, settings):
    settings.ELEARN_DISCUSSION_POSTS_PER_HOUR = 2  # the question counted one
    member = client_for("member", demo)
    assert reply(member, question, "one").status_code == 302
    refused = reply(member, question, "two")
    assert refused.status_code == 429
    assert "posted a lot in the last hour" in refused.content.decode()
    assert "two</textarea>" in refused.content.decode()  # nothing typed is lost
    assert ask(member, lecture, "Another?").status_code == 429
    assert Post.objects.count() == 1 and Thread.objects.count() == 1
    trainer = client_for("trainer", demo)
    for n in range(4):
        assert reply(trainer, question, f"answer {n}").status_code == 302


# Emails ------------------------------------------------------------------------------------


def test_followers_are_emailed_about_replies_but_not_the_author(
    demo, lecture, member_client, django_capture_on_commit_callbacks
):
    member = demo["users"]["member"]
    classmate = make_member("classmate", course=demo["course"])
    with django_capture_on_commit_callbacks(execute=True):
        ask(member_client, lecture, "Which scanner?")
    thread = Thread.objects.get()
    # The course's trainer hears of the new question.
    [to_trainer] = mail.outbox
    assert to_trainer.to == ["trainer@example.com"]
    assert "New question" in to_trainer.subject and "Which scanner?" in to_trainer.subject
    assert f"http://testserver/discussion/{thread.pk}/" in to_trainer.body
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        reply(login(classmate), thread, "The Canon one.")
    [email] = mail.outbox
    assert email.to == [member.email]  # the asker follows; the replier is not told of himself
    assert email.subject == "New reply: “Which scanner?”"
    assert "Classmate replied to a question you follow" in email.body
    assert "The Canon one." in email.body
    post = Post.objects.get()
    assert f"http://testserver/discussion/{thread.pk}/#post-{post.pk}" in email.body

    # The replier now follows too; the asker's answer goes to them only.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        reply(member_client, thread, "Thanks!")
    assert [message.to for message in mail.outbox] == [[classmate.email]]


def test_unfollow_and_email_links_work_without_logging_in(
    demo, lecture, question, django_capture_on_commit_callbacks
):
    member = demo["users"]["member"]
    with django_capture_on_commit_callbacks(execute=True):
        reply(client_for("trainer", demo), question, "Yes.")
    [email] = mail.outbox
    unfollow = next(line for line in email.body.splitlines() if "/discussion/unfollow/" in line)
    url = unfollow.split("http://testserver", 1)[1]
    visitor = Client()
    assert "Unfollow" in visitor.get(url).content.decode()
    assert Follow.objects.filter(user=member, thread=question).exists()  # a GET changes nothing
    visitor.post(url)
    assert not Follow.objects.filter(user=member, thread=question).exists()
    assert visitor.get("/discussion/unfollow/forged:token/").status_code == 404

    emails = next(line for line in email.body.splitlines() if "/discussion/emails/" in line)
    url = emails.split("http://testserver", 1)[1]
    assert "Turn all discussion emails off" in visitor.get(url).content.decode()
    assert not DiscussionPreference.objects.exists()  # a GET writes nothing
    visitor.post(url, {"emails": "off"})
    assert not DiscussionPreference.wants_emails(member)
    Follow.objects.create(user=member, thread=question)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        reply(client_for("trainer", demo), question, "Still there?")
    assert mail.outbox == []  # emails off
    visitor.post(url, {"emails": "on"})
    assert DiscussionPreference.wants_emails(member)


def test_follow_and_unfollow_from_the_question(demo, question, django_capture_on_commit_callbacks):
    classmate = make_member("classmate", course=demo["course"])
    client = login(classmate)
    client.post(f"/discussion/{question.pk}/follow/", {"follow": "1"})
    assert Follow.objects.filter(user=classmate, thread=question).exists()
    assert "Unfollow" in client.get(f"/discussion/{question.pk}/").content.decode()
    client.post(f"/discussion/{question.pk}/follow/", {"follow": "0"})
    assert not Follow.objects.filter(user=classmate, thread=question).exists()


def test_reply_emails_in_each_followers_language(
    demo, lecture, question, django_capture_on_commit_callbacks
):
    chinese = make_member("xiaoli", course=demo["course"], language="zh-hans")
    english = make_member("john", course=demo["course"], language="en")
    for user in (chinese, english):
        Follow.objects.create(user=user, thread=question)
    trainer = client_for("trainer", demo)
    trainer.cookies["django_language"] = "zh-hans"  # the sender's language does not matter
    with django_capture_on_commit_callbacks(execute=True):
        reply(trainer, question, "文件名以日期开头。")
    by_recipient = {message.to[0]: message for message in mail.outbox}
    zh = by_recipient[chinese.email]
    assert zh.subject == f"新回复：“{question.title}”"
    assert "回复了您关注的问题" in zh.body and "文件名以日期开头。" in zh.body
    assert "不再关注这个问题" in zh.body
    en = by_recipient[english.email]
    assert en.subject == f"New reply: “{question.title}”"
    assert "Stop following this question" in en.body
    # The member chose no language: the site's (English), not the trainer's Chinese.
    assert "New reply" in by_recipient["member@example.com"].subject


def test_a_member_who_left_keeps_their_posts_and_gets_no_more_emails(
    demo, lecture, question, django_capture_on_commit_callbacks
):
    member = demo["users"]["member"]
    classmate = make_member("classmate", course=demo["course"])
    reply(client_for("member", demo), question, "My own follow-up.")
    withdraw(member, demo["course"])
    member = get_user_model().objects.get(pk=member.pk)
    # Their question and reply stay, under their name.
    html = login(classmate).get(f"/discussion/{question.pk}/").content.decode()
    assert "My own follow-up." in html and "李明" in html
    # They no longer read the course's discussion, nor hear of it.
    assert login(member).get(f"/discussion/{question.pk}/").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        reply(login(classmate), question, "Anyone?")
    assert member.email not in [address for message in mail.outbox for address in message.to]
    # A deleted account leaves the posts, without a name.
    member.delete()
    html = login(classmate).get(f"/discussion/{question.pk}/").content.decode()
    assert "My own follow-up." in html and "Former member" in html


# Answers and moderation --------------------------------------------------------------------


def test_a_trainer_accepts_an_answer(demo, lecture, question):
    trainer = client_for("trainer", demo)
    reply(trainer, question, "Use ISO dates: 2026-11-25.")
    post = Post.objects.get()
    member = client_for("member", demo)
    assert moderate(member, question, "accept", post).status_code == 403
    assert moderate(trainer, question, "accept", post).status_code == 302
    question.refresh_from_db()
    assert question.accepted_post == post
    html = member.get(f"/discussion/{question.pk}/").content.decode()
    assert "Accepted answer ✓" in html and "badge--staff" in html
    assert "Answered ✓" in member.get(lecture.url).content.decode()
    moderate(trainer, question, "unaccept")
    question.refresh_from_db()
    assert question.accepted_post is None


def test_hide_restore_delete_and_lock(demo, lecture, question):
    trainer, member = client_for("trainer", demo), client_for("member", demo)
    classmate = make_member("classmate", course=demo["course"])
    reply(login(classmate), question, "Buy my course at https://spam.example/")
    post = Post.objects.get()

    moderate(trainer, question, "hide", post)
    html = member.get(f"/discussion/{question.pk}/").content.decode()
    assert "spam.example" not in html and "hidden by a moderator" in html
    assert "spam.example" in trainer.get(f"/discussion/{question.pk}/").content.decode()
    moderate(trainer, question, "restore", post)
    assert "spam.example" in member.get(f"/discussion/{question.pk}/").content.decode()

    moderate(trainer, question, "lock")
    assert reply(member, question, "late").url == f"/discussion/{question.pk}/"
    assert Post.objects.count() == 1
    assert "locked" in member.get(f"/discussion/{question.pk}/").content.decode()
    moderate(trainer, question, "unlock")

    moderate(client_for("admin", demo), question, "delete", post)
    assert not Post.objects.exists()

    # A hidden question is gone for members, still there for its moderators.
    moderate(trainer, question, "hide")
    assert member.get(f"/discussion/{question.pk}/").status_code == 404
    assert "How do I name files?" not in member.get(lecture.url).content.decode()
    assert trainer.get(f"/discussion/{question.pk}/").status_code == 200
    answer = moderate(trainer, question, "delete")
    assert answer.url == lecture.url
    assert not Thread.objects.exists()

    assert moderate(member, question, "hide").status_code == 404  # gone now


def test_members_report_posts_and_the_admin_queue_shows_them(demo, lecture, question):
    classmate = make_member("classmate", course=demo["course"])
    reply(login(classmate), question, "Rude words")
    post = Post.objects.get()
    member = client_for("member", demo)
    member.post(f"/discussion/{question.pk}/report/", {"post": post.pk, "reason": "Rude"})
    member.post(f"/discussion/{question.pk}/report/", {"post": post.pk, "reason": "Again"})
    assert Report.objects.count() == 1  # once per member and post while open

    trainer = client_for("trainer", demo)
    queue = trainer.get("/admin/discussion/").content.decode()
    assert "Rude words" in queue and "Rude" in queue
    assert "Discussion (1)" in trainer.get("/admin/").content.decode()
    trainer.post("/admin/discussion/", {"thread": question.pk, "post": post.pk, "action": "hide"})
    post.refresh_from_db()
    assert post.hidden and post.hidden_by == demo["users"]["trainer"]
    assert Report.objects.get().resolved  # hiding settles the report
    queue = trainer.get("/admin/discussion/").content.decode()
    assert "Nothing is reported." in queue
    trainer.post(
        "/admin/discussion/", {"thread": question.pk, "post": post.pk, "action": "restore"}
    )
    post.refresh_from_db()
    assert not post.hidden


def test_the_queue_lists_unanswered_questions_by_course_for_their_trainers_only(
    demo, lecture, question, safety_question
):
    other_trainer = make_member("medic")
    from django.contrib.auth.models import Group

    other_trainer.groups.add(Group.objects.get(name="Trainers"))
    safety = demo["safety_course"]
    safety.trainers.add(other_trainer)
    safety.save_revision().publish()

    medic = login(other_trainer)
    queue = medic.get("/admin/discussion/").content.decode()
    assert "When do I call an ambulance?" in queue
    assert "How do I name files?" not in queue  # not their course
    # A question's id from a course they do not train is refused.
    answer = medic.post("/admin/discussion/", {"thread": question.pk, "action": "hide"})
    assert answer.status_code in (302, 403)
    question.refresh_from_db()
    assert not question.hidden

    admin = client_for("admin", demo)
    queue = admin.get("/admin/discussion/").content.decode()
    assert "When do I call an ambulance?" in queue and "How do I name files?" in queue
    # A trainer's reply answers it.
    reply(client_for("trainer", demo), question, "Start with the date.")
    queue = admin.get("/admin/discussion/").content.decode()
    assert "How do I name files?" not in queue
    # A member's menu has no Discussion item and the queue is closed to them.
    assert client_for("member", demo).get("/admin/discussion/").status_code in (302, 403)


# Slides and search ------------------------------------------------------------------------


def test_a_question_about_a_slide(demo, lecture, member_client):
    slide_page = member_client.get(lecture.slide_url(2)).content.decode()
    assert "Questions about slide 2" in slide_page
    assert '<option value="2" selected>' in slide_page
    assert ask(member_client, lecture, "What is on slide 99?", slide_number="99").status_code == 400
    ask(member_client, lecture, "What does this chart show?", slide_number="2")
    thread = Thread.objects.get()
    assert thread.slide_number == 2
    html = member_client.get(f"/discussion/{thread.pk}/").content.decode()
    assert f'href="{lecture.slide_url(2)}"' in html and "about slide 2" in html
    assert "What does this chart show?" in member_client.get(lecture.slide_url(2)).content.decode()
    assert (
        "What does this chart show?" not in member_client.get(lecture.slide_url(3)).content.decode()
    )


def test_search_within_a_course(demo, lecture, question, safety_question):
    member = client_for("member", demo)
    ask(member, lecture, "信息化建设从哪里开始？", "想了解电子政务。")
    reply(client_for("trainer", demo), question, "Use a retention schedule.")
    classmate = make_member("classmate", course=demo["course"])
    reply(login(classmate), question, "secret spam word")
    moderate(
        client_for("trainer", demo), question, "hide", Post.objects.get(body="secret spam word")
    )
    url = f"/discussion/course/{demo['course'].pk}/"

    def found(q):
        return member.get(url, {"q": q}).content.decode()

    assert "信息化建设从哪里开始？" in found("信息化")
    assert "信息化建设从哪里开始？" in found("电子政务")  # the details
    assert "How do I name files?" in found("retention")  # a reply
    assert "How do I name files?" not in found("spam word")  # a hidden reply
    assert "No question matches" in found("ambulance")  # another course's question
    listing = member.get(url).content.decode()
    assert "信息化建设从哪里开始？" in listing and "How do I name files?" in listing


def test_the_course_page_leads_to_its_questions(member_client, demo):
    html = member_client.get(demo["course"].url).content.decode()
    assert f'href="/discussion/course/{demo["course"].pk}/"' in html
    from django.test import Client

    assert "/discussion/course/" not in Client().get(demo["course"].url).content.decode()
