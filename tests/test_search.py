"""Search over courses, lectures and articles on the configured database (SQLite or PostgreSQL).

Chinese queries must find parts of Chinese words, which the backends cannot do on their own.
"""

import pytest
from django.contrib.auth.models import User

from courses.models import ArticlePage
from tests.conftest import client_for

SLIDES = "Digital office basics · 信息化办公基础"
# The same deck, as a video in step: its slides are searchable there too.
VIDEO = "Digital office basics, the video · 视频讲座"


def titles(response) -> list[str]:
    return [hit.page.title for hit in response.context["hits"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            "信息化",
            {
                "加强机关信息化建设，提高工作效率",
                "机关公文处理规定",
                "什么是电子政务",
                SLIDES,
                VIDEO,
            },
        ),
        ("加强", {"加强机关信息化建设，提高工作效率", "机关公文处理规定"}),
        ("电子政务", {"什么是电子政务", SLIDES, VIDEO}),  # slide 3
        (
            "提高工作效率",
            {
                "加强机关信息化建设，提高工作效率",
                "机关公文处理规定",
                "什么是电子政务",
                SLIDES,
                VIDEO,
            },
        ),
        ("数据共享", {"什么是电子政务"}),  # inside a table
        ("公文", {"机关公文处理规定", SLIDES, VIDEO}),  # slide 5
        (
            "records",
            {
                "Records management in a small office",
                "加强机关信息化建设，提高工作效率",
                "Data protection policy",
                SLIDES,  # the table on slide 7
                VIDEO,
            },
        ),
        ("recovery position", {"The recovery position"}),
        (
            "office skills",
            {"加强机关信息化建设，提高工作效率", "Records management in a small office"},
        ),
        ("信息化 records", {"加强机关信息化建设，提高工作效率", SLIDES, VIDEO}),
        ("speaker notes partner", set()),
        ("留痕", {SLIDES, VIDEO}),  # only in slide 5's speaker notes
        ("spare slide", set()),  # only on a hidden slide
        ("税收", set()),
    ],
)
def test_search_finds_chinese_and_english(client, demo, query, expected):
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    assert set(titles(response)) == expected


def test_search_shows_where_each_hit_matched(client, demo):
    html = client.get("/search/", {"q": "电子政务"}).content.decode()
    assert '<span class="match__where">Title:</span> 什么是<mark>电子政务</mark>' in html
    assert "<mark>电子政务</mark>的概念" in html  # the summary


def test_new_pages_are_searchable_at_once_in_tests(client, demo):
    article = ArticlePage(title="安全生产责任制", slug="safety-duty", summary="落实安全生产责任")
    demo["library"].add_child(instance=article)
    article.save_revision().publish()
    assert titles(client.get("/search/", {"q": "责任制"})) == ["安全生产责任制"]
    assert titles(client.get("/search/", {"q": "生产"})) == ["安全生产责任制"]


def test_drafts_and_private_pages_are_not_found(client, demo):
    draft = ArticlePage(title="草稿文章信息化", slug="draft", live=False)
    demo["library"].add_child(instance=draft)
    assert "草稿文章信息化" not in titles(client.get("/search/", {"q": "草稿"}))


@pytest.mark.parametrize(
    "query",
    [
        'unbalanced "quote',
        "AND OR NOT (",
        "*",
        "-",
        "NEAR(",
        "a" * 500,
        "'; DROP TABLE x; --",
        "\x00",
    ],
)
def test_odd_queries_never_fail(client, demo, query):
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200


def test_a_pasted_chinese_paragraph_of_200_characters_finds_its_page(client, demo):
    """Each bigram was one more nested term: PostgreSQL's backend overflowed Python's stack
    from about 130 of them. The first terms of the paragraph find the page it came from."""
    quoted = (  # the definition in the article 什么是电子政务, then text found on no page
        "电子政务是指国家机关在政务活动中，全面应用现代信息技术、网络技术以及办公自动化技术"
        "等进行办公、管理和为社会提供公共服务的一种全新的管理模式。"
    )
    rest = (
        "各地区各部门要结合实际制定切实可行的实施方案，明确目标任务和责任分工，完善配套制度，"
        "强化人员培训，提升干部职工运用现代手段开展工作的本领，确保各项工作落到实处取得实效。"
        "同时注重总结经验，及时研究解决推进过程中遇到的新情况新问题，不断提高管理与服务水平，"
        "为群众办事创造便利条件。"
    )
    query = (quoted + rest)[:200]
    assert len(query) == 200
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    assert titles(response) == ["什么是电子政务"]


def test_search_escapes_the_query(client, demo):
    html = client.get("/search/", {"q": "<script>alert(1)</script>"}).content.decode()
    assert "<script>alert(1)</script>" not in html


def test_search_paginates(client, demo):
    for i in range(12):
        article = ArticlePage(title=f"分页测试 {i}", slug=f"page-{i}")
        demo["library"].add_child(instance=article)
        article.save_revision().publish()
    first = client.get("/search/", {"q": "分页测试"})
    assert len(first.context["hits"]) == 10
    assert "Page 1 of 2" in first.content.decode()
    second = client.get("/search/", {"q": "分页测试", "page": "2"})
    assert len(second.context["hits"]) == 2
    assert client.get("/search/", {"q": "分页测试", "page": "x"}).status_code == 200


def test_a_slide_hit_links_to_that_slide(member_client, demo):
    response = member_client.get("/search/", {"q": "公文处理流程"})
    html = response.content.decode()
    assert '<a href="/digital-office/basics/digital-office-slides/slides/5/">Slide 5</a>' in html
    assert "<mark>公文处理流程</mark>" in html


def test_a_slide_excerpt_says_its_title_and_notes_once(member_client, demo):
    html = member_client.get("/search/", {"q": "信息化"}).content.decode()
    assert html.count("Welcome · 欢迎") == 2  # slide 1 in the deck lecture and in the video
    assert html.count("Introduce yourself and the plan for today.") == 2


def test_hidden_slides_are_found_when_the_lecture_shows_them(client, demo):
    lecture = demo["slides_lecture"]
    lecture.show_hidden_slides = True
    lecture.save_revision().publish()
    assert titles(client.get("/search/", {"q": "spare slide"})) == [SLIDES]


# Locked lessons: found, but not readable through search ------------------------------------

RECORDS = "Records management in a small office"
# Text only in lessons of the digital office course that are not free previews: speaker notes
# of slide 5 (both lectures show the deck) and the retention table of an article and slide 7.
LOCKED_TEXT = [
    ("留痕", {SLIDES, VIDEO}, "强调每一步都要"),
    ("Invoices", {SLIDES, VIDEO, RECORDS}, "7 years"),
]


def searcher(role, demo):
    if role != "outsider":
        return client_for(role, demo)
    # A member, but not of the digital office course.
    client = client_for("visitor", demo)
    client.force_login(User.objects.create_user("outsider", password="pw-12345678"))
    return client


@pytest.mark.parametrize(("query", "expected", "hidden_text"), LOCKED_TEXT)
@pytest.mark.parametrize("role", ["visitor", "outsider"])
def test_locked_lessons_show_their_title_but_not_their_text(
    demo, role, query, expected, hidden_text
):
    response = searcher(role, demo).get("/search/", {"q": query})
    html = response.content.decode()
    assert set(titles(response)) == expected
    for hit in response.context["hits"]:
        assert hit.locked and hit.matches == []
        assert hit.course.title == demo["course"].title
    assert hidden_text not in html
    assert "<mark>" not in html
    assert "/slides/" not in html  # no links into the deck
    assert "A lesson of “加强机关信息化建设，提高工作效率”: enrol in the course to read it." in html


@pytest.mark.parametrize(("query", "expected", "hidden_text"), LOCKED_TEXT)
@pytest.mark.parametrize("role", ["member", "trainer", "admin"])
def test_members_of_the_course_see_where_locked_text_matched(
    demo, role, query, expected, hidden_text
):
    response = client_for(role, demo).get("/search/", {"q": query})
    html = response.content.decode()
    assert set(titles(response)) == expected
    assert all(not hit.locked and hit.matches for hit in response.context["hits"])
    assert hidden_text in html
    assert f"<mark>{query}</mark>" in html


def test_in_a_course_taken_in_order_later_lessons_show_no_text_yet(demo):
    course = demo["course"]
    course.sequential = True
    course.save_revision().publish()
    response = client_for("member", demo).get("/search/", {"q": "留痕"})
    html = response.content.decode()
    assert set(titles(response)) == {SLIDES, VIDEO}
    assert all(hit.locked and not hit.matches for hit in response.context["hits"])
    assert "强调每一步都要" not in html
    assert "Opens when you complete “什么是电子政务”" in html  # the first lesson comes first
    trainer = client_for("trainer", demo).get("/search/", {"q": "留痕"}).content.decode()
    assert "强调每一步都要" in trainer


def test_free_previews_and_library_articles_stay_searchable_for_everyone(client, demo):
    html = client.get("/search/", {"q": "数据共享"}).content.decode()  # a preview's table
    assert "<mark>数据共享</mark>" in html
    html = client.get("/search/", {"q": "Welcome to the course"}).content.decode()
    assert "#t=0.5" in html  # a caption of the free welcome lecture, linked to its moment
    html = client.get("/search/", {"q": "24 hours"}).content.decode()  # a library policy
    assert "<mark>24</mark>" in html and "breach" in html
