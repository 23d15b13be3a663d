"""Courses taken in order and optional lessons: what a member may open, what the course page
says, what counts towards completing the course."""

import json

import pytest

from courses.models import ArticlePage, CoursePage, Enrolment, LecturePage

from .learning import complete_lesson

pytestmark = pytest.mark.django_db


def _publish(page, **fields):
    for name, value in fields.items():
        setattr(page, name, value)
    page.save_revision().publish()
    return type(page).objects.get(pk=page.pk)


@pytest.fixture
def sequential(demo):
    return _publish(CoursePage.objects.get(pk=demo["course"].pk), sequential=True)


@pytest.fixture
def lessons(demo):
    return {
        "slides": LecturePage.objects.get(slug="digital-office-slides"),
        "video": LecturePage.objects.get(slug="digital-office-video"),
        "records": ArticlePage.objects.get(slug="records-management"),
        "preview": ArticlePage.objects.get(slug="what-is-e-government"),
        "welcome": LecturePage.objects.get(slug="welcome-lecture"),
    }


@pytest.fixture
def past_the_previews(demo, lessons):
    """The member has done the two free-preview lessons that open the course."""
    for name in ("preview", "welcome"):
        complete_lesson(demo["users"]["member"], lessons[name])


def test_previews_stay_open_but_still_come_first(sequential, lessons, member_client, demo):
    assert member_client.get(lessons["preview"].url).status_code == 200
    assert member_client.get(lessons["welcome"].url).status_code == 200
    locked = member_client.get(lessons["slides"].url)
    assert locked.status_code == 403 and "什么是电子政务" in locked.content.decode()


def test_a_lesson_opens_once_the_required_ones_before_it_are_complete(
    sequential, lessons, member_client, demo, past_the_previews
):
    member = demo["users"]["member"]
    assert member_client.get(lessons["slides"].url).status_code == 200  # the next to take
    locked = member_client.get(lessons["video"].url)
    assert locked.status_code == 403
    html = locked.content.decode()
    assert "open in order" in html and "Digital office basics · 信息化办公基础" in html
    assert f'href="{lessons["slides"].url}"' in html  # straight to the lesson to finish
    # Slide pages, the progress API and the video's files are closed too.
    assert member_client.get(lessons["video"].url + "slides/2/").status_code == 403
    answer = member_client.post(
        f"/progress/{lessons['video'].pk}/",
        json.dumps({"segments": [[0, 5]]}),
        content_type="application/json",
    )
    assert answer.status_code == 403 and "信息化办公基础" in answer.json()["error"]
    video = lessons["video"].video
    poster = f"/videos/{video.pk}/files/poster.jpg"
    assert member_client.get(poster).status_code == 404

    complete_lesson(member, lessons["slides"])
    assert member_client.get(lessons["video"].url).status_code == 200
    assert member_client.get(lessons["records"].url).status_code == 403  # the video is next
    complete_lesson(member, lessons["video"])
    assert member_client.get(lessons["records"].url).status_code == 200


def test_course_page_says_what_each_locked_lesson_waits_for(
    sequential, lessons, member_client, past_the_previews
):
    html = member_client.get(sequential.url).content.decode()
    assert "Take the lessons in order" in html
    assert html.count("Opens when you complete “Digital office basics · 信息化办公基础”") == 2


def test_trainers_and_admins_open_lessons_in_any_order(
    sequential, lessons, trainer_client, admin_client_demo
):
    for client in (trainer_client, admin_client_demo):
        assert client.get(lessons["records"].url).status_code == 200
        assert "Opens when you complete" not in client.get(sequential.url).content.decode()


def test_an_optional_lesson_holds_no_one_back(
    sequential, lessons, member_client, past_the_previews
):
    _publish(lessons["slides"], optional=True)
    assert member_client.get(lessons["video"].url).status_code == 200
    html = member_client.get(sequential.url).content.decode()
    assert "Optional" in html


def test_the_course_is_complete_without_its_optional_lessons(demo, lessons, member_client):
    member = demo["users"]["member"]
    _publish(lessons["records"], optional=True)
    for lesson in demo["course"].get_lessons():
        if lesson.pk != lessons["records"].pk:
            complete_lesson(member, lesson)
    enrolment = Enrolment.objects.get(user=member, course=demo["course"])
    assert enrolment.completed_at is not None
    html = member_client.get("/learning/").content.decode()
    assert "4 of 4 lessons done" not in html  # a completed course is listed as completed
    assert "Download your certificate" in html


def test_share_of_progress_counts_required_lessons_only(demo, lessons, member_client):
    member = demo["users"]["member"]
    _publish(lessons["records"], optional=True)
    complete_lesson(member, lessons["records"])  # optional: not progress towards the course
    complete_lesson(member, lessons["preview"])
    html = member_client.get("/learning/").content.decode()
    assert "1 of 4 lessons done" in html
    assert 'aria-valuenow="25"' in html
