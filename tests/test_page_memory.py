"""What pages keep per process (courses/page_memory.py): fewer queries for the same page, and
every change an editor or admin makes is on the very next page: a renamed course in the
breadcrumbs, a new lesson in the previous / next links and the course outline, the
organisation's name, a trainer added to a course, a role given or taken, a video's captions
and a deck's slides; and what is shared stays each member's own (progress) and each reader's
language."""

import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.text import slugify
from wagtail.models import PageViewRestriction, Site

from courses import page_memory
from courses.models import ArticlePage, LecturePage, OrganisationSettings, VideoCaption

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a change's on-commit callbacks (the version bump), as the end of a request would."""

    def run(change):
        with django_capture_on_commit_callbacks(execute=True):
            change()

    return run


def publish_article(course, title: str) -> None:
    article = ArticlePage(title=title, slug=slugify(title))
    course.add_child(instance=article)
    article.save_revision().publish()


def queries(client, url) -> tuple[object, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return response, len(captured)


def test_remembered_only_while_a_page_is_served():
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    assert page_memory.remembered("key", compute) == 1
    assert page_memory.remembered("key", compute) == 2  # not serving: always computed
    with page_memory.serving(7):
        assert page_memory.remembered("key", compute) == 3
        assert page_memory.remembered("key", compute) == 3
    with page_memory.serving(8):  # something changed: the next version computes afresh
        assert page_memory.remembered("key", compute) == 4
    page_memory.forget()


@pytest.mark.parametrize("lesson", ["welcome_lecture", "slides_lecture", "video_lecture"])
def test_a_lesson_page_asks_less_the_second_time_and_shows_the_same(
    shared, member_client, demo, lesson
):
    url = demo[lesson].url
    first, before = queries(member_client, url)
    second, after = queries(member_client, url)
    assert after <= before - 5
    # Only the CSRF token differs between the two.
    strip = [
        line for line in first.content.decode().splitlines() if "csrfmiddlewaretoken" not in line
    ]
    again = [
        line for line in second.content.decode().splitlines() if "csrfmiddlewaretoken" not in line
    ]
    assert strip == again


def test_a_renamed_course_and_a_new_lesson_are_on_the_next_page(
    shared, member_client, demo, committed
):
    lecture = LecturePage.objects.get(pk=demo["welcome_lecture"].pk)
    course = lecture.course
    member_client.get(lecture.url)

    def rename():
        course.title = "Renamed course"
        course.save_revision().publish()

    committed(rename)
    page = member_client.get(lecture.url).content.decode()
    assert 'class="breadcrumbs"' in page and "Renamed course" in page

    last = course.get_lessons().last().specific
    member_client.get(last.url)
    committed(lambda: publish_article(course, "A lesson added today"))
    assert "A lesson added today" in member_client.get(last.url).content.decode()


def test_the_organisation_name_is_seen_at_once(shared, member_client, demo, committed):
    lecture = demo["welcome_lecture"]
    member_client.get(lecture.url)
    organisation = OrganisationSettings.for_site(Site.objects.get(is_default_site=True))

    def rename():
        organisation.name = "Hangzhou branch 杭州分会"
        organisation.save()

    committed(rename)
    assert "Hangzhou branch 杭州分会" in member_client.get(lecture.url).content.decode()


def test_a_trainer_added_to_a_course_opens_its_lessons_at_once(shared, client, demo, committed):
    lecture = LecturePage.objects.get(pk=demo["slides_lecture"].pk)
    assert not lecture.preview
    newcomer = get_user_model().objects.create_user("new-trainer", password="x" * 12)
    client.force_login(newcomer)
    assert client.get(lecture.url).status_code == 403  # not enrolled, not a trainer

    committed(lambda: newcomer.trained_courses.add(lecture.course))
    assert client.get(lecture.url).status_code == 200

    committed(lambda: newcomer.trained_courses.remove(lecture.course))
    assert client.get(lecture.url).status_code == 403


def test_new_captions_and_edited_slides_are_on_the_next_page(
    shared, member_client, demo, committed
):
    lecture = LecturePage.objects.get(pk=demo["video_lecture"].pk)
    assert lecture.video_id and lecture.deck_id
    member_client.get(lecture.url)

    def add_captions():
        VideoCaption.objects.create(
            video=lecture.video,
            language="zh-Hans",
            label="中文字幕",
            file="captions/zh.vtt",
            vtt="WEBVTT\n\n00:00.000 --> 00:01.000\n你好\n",
            cues=[[0.0, 1.0, "你好"]],
        )

    committed(add_captions)
    assert "中文字幕" in member_client.get(lecture.url).content.decode()

    slide = lecture.deck.slides.order_by("number").first()

    def retitle():
        slide.title = "A title the trainer just wrote"
        slide.save()

    committed(retitle)
    assert "A title the trainer just wrote" in member_client.get(lecture.url).content.decode()


def test_the_course_outline_is_shared_but_each_member_sees_their_own_progress(
    shared, client, member_client, demo, committed
):
    from courses.models import LessonProgress

    course, member = demo["course"], demo["users"]["member"]
    lesson = LecturePage.objects.get(pk=demo["slides_lecture"].pk)
    LessonProgress.objects.update_or_create(
        user=member, page_id=lesson.pk, defaults={"completed_at": lesson.last_published_at}
    )

    def states(response):
        return {
            item.pk: item.progress_state["state"]
            for _section, lessons in response.context["outline"]
            for item in lessons
        }

    assert states(member_client.get(course.url))[lesson.pk] == "done"
    client.force_login(demo["users"]["trainer"])
    assert states(client.get(course.url))[lesson.pk] == "not_started"
    assert states(member_client.get(course.url))[lesson.pk] == "done"

    committed(lambda: publish_article(course, "Published a moment ago"))
    assert "Published a moment ago" in member_client.get(course.url).content.decode()


def test_a_member_given_a_role_sees_the_admin_link_at_once(shared, client, demo, committed):
    from django.contrib.auth.models import Group

    from courses.roles import TRAINERS

    user = get_user_model().objects.create_user("promoted", password="x" * 12)
    client.force_login(user)
    url = demo["course"].url
    admin_link = 'href="/admin/"'
    assert admin_link not in client.get(url).content.decode()
    trainers = Group.objects.get(name=TRAINERS)
    committed(lambda: user.groups.add(trainers))
    assert admin_link in client.get(url).content.decode()
    committed(lambda: user.groups.remove(trainers))
    assert admin_link not in client.get(url).content.decode()


def test_kept_slides_speak_each_readers_language(shared, client, demo):
    lecture = LecturePage.objects.get(pk=demo["slides_lecture"].pk)
    lecture.deck.slides.filter(number=2).update(title="")  # "Slide 2", translated
    client.force_login(demo["users"]["member"])
    english = client.get(lecture.url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    chinese = client.get(lecture.url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    # The deck's strip lists each slide as "number. title".
    assert "2. Slide 2" in english and "2. 第 2 张幻灯片" in chinese


def test_remembered_markup_is_rendered_once_for_the_same_values():
    from django.template import Context, Template

    template = Template(
        '{% load page_tags %}{% remember "block" number %}{{ next_count }}{% endremember %}'
    )
    count = iter(range(1, 100))

    def render(number):
        return template.render(Context({"number": number, "next_count": lambda: next(count)}))

    assert (render(1), render(1)) == ("1", "2")  # not serving a page: rendered each time
    with page_memory.serving(7):
        assert (render(1), render(1), render(2), render(1)) == ("3", "3", "4", "3")
    with page_memory.serving(8):  # something changed: rendered afresh
        assert render(1) == "5"
    page_memory.forget()


def test_remembered_deck_markup_is_each_viewers_own_where_it_differs(
    shared, client, member_client, demo
):
    lecture = LecturePage.objects.get(pk=demo["slides_lecture"].pk)
    spare = "Trainer&#x27;s spare slide"  # slide 11, hidden from members
    client.force_login(demo["users"]["trainer"])
    for _round in range(2):  # the second time from memory, in either order
        members = member_client.get(lecture.url).content.decode()
        trainers = client.get(lecture.url).content.decode()
        # The slide's text and its thumbnail in the strip: the trainer's only.
        assert 'id="slide-text-11"' not in members and 'id="slide-text-11"' in trainers
        assert (members.count("data-deck-thumb="), trainers.count("data-deck-thumb=")) == (13, 14)
        assert spare not in members
    # Each slide page marks its own thumbnail and preselects its slide in the ask form.
    for number in (2, 3, 2):
        html = member_client.get(f"{lecture.url}slides/{number}/").content.decode()
        current = re.findall(r'data-deck-thumb="(\d+)" aria-current="page"', html)
        assert current == [str(number - 1)]
        assert f'<option value="{number}" selected>' in html
    # The deck's data for the viewer script marks the current slide as well.
    html = member_client.get(f"{lecture.url}slides/3/").content.decode()
    data = json.loads(
        html.split('<script id="deck-data" type="application/json">')[1].split("<")[0]
    )
    assert [item["number"] for item in data if item["current"]] == [3]


def test_an_edited_article_body_is_on_the_next_page(shared, member_client, demo, committed):
    article = ArticlePage.objects.live().filter(body__isnull=False).first()
    assert article is not None
    before = member_client.get(article.url).content.decode()

    def edit():
        article.body = [("paragraph", "<p>A sentence the editor just added.</p>")]
        article.save_revision().publish()

    committed(edit)
    after = member_client.get(article.url).content.decode()
    assert "A sentence the editor just added." in after and after != before


def test_a_lessons_files_ask_less_the_second_time_and_follow_changes_at_once(
    shared, member_client, demo, committed
):
    """Slide images, video renditions, posters and captions: the permission check keeps the
    lectures showing them per process, but an unpublished lecture, a slide hidden since and a
    member who left the course are refused on the very next request."""
    from courses.enrolments import withdraw

    lecture = LecturePage.objects.get(pk=demo["video_lecture"].pk)
    video, slide = lecture.video, lecture.deck.slides.filter(hidden=False).first()
    urls = [
        video.poster_url,
        video.renditions.first().url,
        video.captions.first().url,
        slide.image_url(480),
        f"/videos/{video.pk}/position/",
    ]
    for url in urls:
        page_memory.forget()
        first, before = queries(member_client, url)
        second, after = queries(member_client, url)
        assert after <= before - 3, url
        assert after <= 4, url  # the member, their enrolment; their position
        assert b"".join(first) == b"".join(second)  # streamed or not, the same bytes

    def hide():
        slide.hidden = True
        slide.save()

    committed(hide)
    assert member_client.get(slide.image_url(480)).status_code == 404

    # Still enrolled, with the lecture's answers kept: a view restriction, then unpublishing,
    # refuse them on the next request.
    assert member_client.get(video.poster_url).status_code == 200
    restriction = []
    committed(
        lambda: restriction.append(
            PageViewRestriction.objects.create(
                page=lecture, restriction_type=PageViewRestriction.PASSWORD, password="x"
            )
        )
    )
    assert member_client.get(video.poster_url).status_code == 404
    committed(lambda: restriction[0].delete())
    assert member_client.get(video.poster_url).status_code == 200
    committed(lambda: lecture.unpublish())
    assert member_client.get(video.poster_url).status_code == 404
    committed(lambda: lecture.get_latest_revision().publish())
    assert member_client.get(video.poster_url).status_code == 200

    member = demo["users"]["member"]
    committed(lambda: withdraw(member, lecture.course))
    assert member_client.get(video.poster_url).status_code == 404
