"""Ids, numbers and text no form would send, typed or tampered into URLs and forms: each is a
404 or a message, never a server error, on SQLite and PostgreSQL alike."""

import pytest
from django.urls import URLResolver, get_resolver

from insights.models import Announcement
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

# Beyond 64 bits: SQLite's driver raised OverflowError on them where PostgreSQL found nothing.
HUGE_IDS = [str(2**63), "9" * 23]


def id_routes(patterns, prefix=""):
    """Every route with an ``<id:…>`` in it, as route text."""
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from id_routes(pattern.url_patterns, route)
        elif "<id:" in route:
            yield route


@pytest.mark.parametrize("huge", HUGE_IDS)
def test_a_huge_id_in_a_url_is_not_found(demo, huge):
    member, admin = client_for("member", demo), client_for("admin", demo)
    for client, method, url in [
        (member, "post", f"/enrol/{huge}/"),
        (member, "post", f"/enrol/{huge}/leave/"),
        (member, "post", f"/progress/{huge}/"),
        (member, "get", f"/discussion/course/{huge}/"),
        (admin, "get", f"/admin/courses/{huge}/members/"),
        (admin, "get", f"/admin/courses/{huge}/announcements/"),
        (admin, "get", f"/admin/lectures/{huge}/narrate/"),
        (admin, "get", f"/admin/insights/video/{huge}/"),
    ]:
        assert getattr(client, method)(url).status_code == 404, url
    # And every other route that takes an id, whatever its view does with it.
    routes = list(id_routes(get_resolver().url_patterns))
    assert "progress/<id:page_id>/" in routes and "discussion/<id:thread_id>/" in routes
    for route in routes:
        url = "/" + route.replace("<path:name>", "x").replace("^", "").replace("$", "")
        while "<id:" in url:
            start = url.index("<id:")
            url = url[:start] + huge + url[url.index(">", start) + 1 :]
        client = admin if route.startswith("admin/") else member
        # follow: a URL without its final slash is first sent to the one with it
        assert client.get(url, follow=True).status_code == 404, url


REPORTS = ["progress", "summary", "groups", "drop-off", "certificates"]


@pytest.mark.parametrize("slug", REPORTS)
@pytest.mark.parametrize("results", ["", "results/"])
def test_a_report_for_a_course_or_group_no_row_can_be_is_refused_by_its_filter(demo, slug, results):
    admin = client_for("admin", demo)
    for params in ({"course": HUGE_IDS[0]}, {"course": HUGE_IDS[1]}, {"group": HUGE_IDS[1]}):
        if slug == "groups" and "group" in params:
            continue  # groups are that report's rows, not a filter
        response = admin.get(f"/admin/insights/{slug}/{results}", params)
        if slug in ("progress", "drop-off") and "course" in params:
            # A one-course report for a course one cannot see is refused with a message.
            assert response.status_code == 302 and response.url == "/admin/", (slug, params)
            continue
        assert response.status_code == 200, (slug, params)
        # The filter says so above the report (as for ?course=abc).
        assert set(response.context["filters"].errors) == set(params), (slug, params)


def test_the_video_audience_of_a_group_that_is_not_one_is_not_found(demo):
    admin = client_for("admin", demo)
    url = f"/admin/insights/video/{demo['video_lecture'].pk}/"
    assert admin.get(url).status_code == 200
    assert admin.get(url, {"group": ""}).status_code == 200  # everyone
    for group in ("abc", "-1", "999999", HUGE_IDS[1]):
        assert admin.get(url, {"group": group}).status_code == 404, group


def test_removing_an_announcement_by_a_bad_id_is_not_found_and_removes_nothing(demo):
    course = demo["course"]
    admin = client_for("admin", demo)
    kept = Announcement.objects.create(
        course=course, author=demo["users"]["admin"], title="Kept", body="Stays."
    )
    url = f"/admin/courses/{course.pk}/announcements/"
    for value in ("abc", "", "1.5", HUGE_IDS[1]):
        response = admin.post(url, {"action": "delete", "announcement": value})
        assert response.status_code == 404, value
    assert Announcement.objects.filter(pk=kept.pk).exists()
    admin.post(url, {"action": "delete", "announcement": str(kept.pk)})
    assert not Announcement.objects.filter(pk=kept.pk).exists()


def test_a_nul_byte_in_a_tag_or_a_question_search_finds_nothing(demo):
    member = client_for("member", demo)
    assert member.get("/tags/%00/").status_code == 404
    assert member.get("/tags/a%00b/").status_code == 404
    assert member.get("/tags/a b/").status_code == 404
    catalogue = member.get(demo["catalogue"].url, {"tag": "\x00"})
    assert catalogue.status_code == 200
    assert "No course has this tag yet." in catalogue.content.decode()
    url = f"/discussion/course/{demo['course'].pk}/"
    for query in ("\x00", "a\x00b"):
        assert member.get(url, {"q": query}).status_code == 200, repr(query)
