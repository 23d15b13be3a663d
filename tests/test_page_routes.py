"""Pages found from memory (courses/page_routes.py) are the pages Wagtail would find, and a
change to the tree is seen by the very next request: unpublished, renamed, moved; view
restrictions still apply to a remembered page."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import PageViewRestriction

from courses import page_memory, page_routes
from courses.models import LecturePage

pytestmark = pytest.mark.django_db


@pytest.fixture
def lecture(demo):
    return LecturePage.objects.get(pk=demo["slides_lecture"].pk)


def page_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    walks = [q for q in queries.captured_queries if 'FROM "wagtailcore_page"' in q["sql"]]
    return response, len(walks)


def test_a_remembered_page_is_the_same_page_for_fewer_queries(shared, member_client, lecture):
    first, walked = page_queries(member_client, lecture.url)
    second, remembered = page_queries(member_client, lecture.url)
    assert first.status_code == second.status_code == 200
    assert second.context["page"].pk == lecture.pk
    assert first.content.decode().count("slide-text__item") == second.content.decode().count(
        "slide-text__item"
    )
    assert remembered < walked


def test_a_routable_page_routes_the_rest_of_the_path_itself(shared, member_client, lecture):
    for number in (2, 3, 2):
        response = member_client.get(f"{lecture.url}slides/{number}/")
        assert response.status_code == 200
        assert response.context["slide"].number == number
    assert member_client.get(f"{lecture.url}slides/999/").status_code == 404


def test_unpublished_renamed_and_moved_pages_are_seen_at_once(
    shared, member_client, lecture, demo, django_capture_on_commit_callbacks
):
    old_url = lecture.url
    assert member_client.get(old_url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        lecture.slug = "renamed-lecture"
        lecture.save_revision().publish()
    lecture.refresh_from_db()
    moved = member_client.get(old_url)  # not the remembered page: Wagtail's redirect to the new
    assert moved.status_code == 301 and moved["Location"] == lecture.url
    assert member_client.get(lecture.url).status_code == 200

    other_course = demo["safety_course"]
    with django_capture_on_commit_callbacks(execute=True):
        lecture.move(other_course, pos="last-child")
    lecture.refresh_from_db()
    assert lecture.url.startswith(other_course.url)
    assert member_client.get(lecture.url).status_code in (200, 403)  # another course now

    with django_capture_on_commit_callbacks(execute=True):
        lecture.unpublish()
    assert member_client.get(lecture.url).status_code == 404


def restriction_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return sum("wagtailcore_pageviewrestriction" in q["sql"] for q in queries.captured_queries)


def test_view_restrictions_apply_to_remembered_pages(
    shared, member_client, lecture, django_capture_on_commit_callbacks
):
    assert member_client.get(lecture.url).status_code == 200  # remembered now
    with django_capture_on_commit_callbacks(execute=True):
        PageViewRestriction.objects.create(
            page=lecture, restriction_type=PageViewRestriction.PASSWORD, password="secret"
        )
    response = member_client.get(lecture.url)
    content = response.content.decode()
    assert "authenticate_with_password" in content  # the password form, not the lecture
    assert "slide-text__item" not in content
    restriction = PageViewRestriction.objects.get(page=lecture)
    form = f"/_util/authenticate_with_password/{restriction.pk}/{lecture.pk}/"
    answer = member_client.post(form, {"password": "secret", "return_url": lecture.url})
    assert answer.status_code == 302 and answer["Location"] == lecture.url
    assert "slide-text__item" in member_client.get(lecture.url).content.decode()


def test_view_restrictions_are_kept_and_every_change_to_them_is_seen_at_once(
    shared, member_client, lecture, demo, django_capture_on_commit_callbacks
):
    ancestor = lecture.get_parent()
    assert restriction_queries(member_client, lecture.url) == 1
    assert restriction_queries(member_client, lecture.url) == 0  # kept: no query

    # A restriction on an ancestor, to a group the member is not in.
    trainers = Group.objects.create(name="Restricted to these")
    with django_capture_on_commit_callbacks(execute=True):
        restriction = PageViewRestriction.objects.create(
            page=ancestor, restriction_type=PageViewRestriction.GROUPS
        )
        restriction.groups.add(trainers)
    assert member_client.get(lecture.url).status_code != 200

    # The member is put in the group (their groups change), then the group is taken off the
    # restriction and another put on: each seen by the next request.
    member = demo["users"]["member"]
    with django_capture_on_commit_callbacks(execute=True):
        member.groups.add(trainers)
    assert member_client.get(lecture.url).status_code == 200
    others = Group.objects.create(name="Someone else")
    with django_capture_on_commit_callbacks(execute=True):
        restriction.groups.set([others])
    assert member_client.get(lecture.url).status_code != 200

    with django_capture_on_commit_callbacks(execute=True):
        restriction.delete()
    assert member_client.get(lecture.url).status_code == 200


def test_the_admin_privacy_view_still_gets_a_queryset(admin_client_demo, lecture):
    PageViewRestriction.objects.create(page=lecture, restriction_type=PageViewRestriction.LOGIN)
    response = admin_client_demo.get(f"/admin/pages/{lecture.pk}/privacy/")
    assert response.status_code == 200


def test_nothing_is_remembered_without_a_shared_cache(settings, member_client, lecture):
    settings.ELEARN_CACHE_SHARED = False
    page_routes.forget()
    assert member_client.get(lecture.url).status_code == 200
    assert page_memory._kept == {}
