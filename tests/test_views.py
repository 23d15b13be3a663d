"""Every public view renders for a visitor, a member, a trainer and an admin."""

import pytest

PUBLIC_URLS = [
    "/",
    "/?tag=safety",
    "/?tag=no-such-tag",
    "/digital-office/",
    "/digital-office/basics/",
    "/digital-office/basics/what-is-e-government/",
    "/digital-office/basics/welcome-lecture/",
    "/library/",
    "/library/office-regulation/",
    "/search/",
    "/search/?q=records",
    "/search/?q=%E4%BF%A1%E6%81%AF%E5%8C%96",
    "/tags/",
    "/tags/safety/",
]


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_public_pages_render_for_every_role(role_client, url):
    role, client = role_client
    response = client.get(url)
    assert response.status_code == 200, f"{url} as {role}"
    html = response.content.decode()
    assert '<main id="main"' in html
    assert 'href="/static/courses/css/site.css"' in html


def test_catalogue_lists_published_courses_and_filters_by_tag(client, demo):
    html = client.get("/").content.decode()
    assert "加强机关信息化建设，提高工作效率" in html
    assert "First aid basics" in html
    filtered = client.get("/?tag=safety").content.decode()
    assert "First aid basics" in filtered
    assert "加强机关信息化建设，提高工作效率" not in filtered
    assert 'aria-current="true">safety<' in filtered


def test_unpublished_course_is_not_in_the_catalogue_or_reachable(client, demo):
    course = demo["course"]
    course.unpublish()
    assert "加强机关信息化建设" not in client.get("/").content.decode()
    assert client.get("/digital-office/").status_code == 404


def test_course_page_shows_sections_lessons_trainers_and_tags(client, demo):
    html = client.get("/digital-office/").content.decode()
    for text in [
        "Part 1 · Basics 基础",
        "什么是电子政务",
        "Welcome lecture",
        "Tom Trainer",
        "office skills",
    ]:
        assert text in html
    assert html.index("什么是电子政务") < html.index("Records management in a small office")


def test_article_page_shows_body_blocks_reading_time_and_neighbours(client, demo):
    html = client.get("/digital-office/basics/what-is-e-government/").content.decode()
    assert "<h2>概念</h2>" in html
    assert "<table" in html and "电子政务的发展阶段" in html
    assert "1 min read" in html
    assert 'rel="next"' in html and "Welcome lecture" in html


def test_unknown_tag_is_404_and_404_page_is_friendly(client, demo):
    response = client.get("/tags/no-such-tag/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_tag_page_lists_courses_and_articles(client, demo):
    html = client.get("/tags/%E4%BF%A1%E6%81%AF%E5%8C%96/").content.decode()
    assert "加强机关信息化建设，提高工作效率" in html  # a course tagged 信息化
    assert "机关公文处理规定" in html  # an article tagged 信息化
    assert "First aid basics" not in html


def test_tag_index_counts_uses(client, demo):
    html = client.get("/tags/").content.decode()
    assert 'href="/tags/safety/"' in html


@pytest.mark.parametrize(
    ("role", "expected"),
    [("visitor", 302), ("member", 302), ("trainer", 200), ("admin", 200)],
)
def test_wagtail_admin_is_for_trainers_and_admins(demo, role, expected):
    from tests.conftest import client_for

    assert client_for(role, demo).get("/admin/").status_code == expected


@pytest.mark.parametrize(("role", "expected"), [("member", 302), ("trainer", 200), ("admin", 200)])
def test_editing_a_course_in_the_admin(demo, role, expected):
    from tests.conftest import client_for

    response = client_for(role, demo).get(f"/admin/pages/{demo['course'].pk}/edit/")
    assert response.status_code == expected


def test_trainer_cannot_edit_the_catalogue_in_the_admin(trainer_client, demo):
    response = trainer_client.get(f"/admin/pages/{demo['catalogue'].pk}/edit/")
    assert response.status_code in (302, 403)


def test_profile_needs_login_and_shows_roles(client, trainer_client, demo):
    response = client.get("/accounts/profile/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    html = trainer_client.get("/accounts/profile/").content.decode()
    assert "Trainer" in html and "加强机关信息化建设，提高工作效率" in html


def test_page_text_is_escaped(client, demo):
    from courses.models import ArticlePage

    article = ArticlePage(title="<script>alert(1)</script>", slug="xss", summary="<b>bold</b>")
    demo["library"].add_child(instance=article)
    article.save_revision().publish()
    html = client.get("/library/xss/").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html


def test_pages_with_a_search_box_of_their_own_leave_the_headers_out(client, demo):
    """One search box on the catalogue and the results page (the phone's header was two
    screens' worth of boxes); every other page keeps the header's."""
    for url in ("/", "/search/?q=safety"):
        html = client.get(url).content.decode()
        assert html.count('role="search"') == 1 and 'id="site-search-q"' not in html, url
    assert 'id="site-search-q"' in client.get(demo["course"].url).content.decode()
