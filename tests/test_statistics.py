"""Site statistics: page views counted on the server (one UPDATE per view, no cookie, bots
and failures left out), the dashboard panel, and popular articles."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.utils import timezone

from courses.models import ArticlePage
from insights import statistics
from insights.models import PageViewDay

pytestmark = pytest.mark.django_db

ARTICLE = "/library/data-protection-policy/"
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/140.0 Safari/537.36"


def views(path: str = ARTICLE) -> int:
    page = ArticlePage.objects.get(url_path__endswith=path.rstrip("/").rsplit("/", 1)[-1] + "/")
    return sum(PageViewDay.objects.filter(page=page).values_list("views", flat=True))


def visit(client, path=ARTICLE, user_agent=BROWSER, **extra):
    return client.get(path, HTTP_USER_AGENT=user_agent, **extra)


def test_a_view_is_counted_per_page_and_day_without_cookies(demo):
    client = Client()
    first = visit(client)
    assert first.status_code == 200
    assert views() == 1
    visit(client)
    assert views() == 2
    [row] = PageViewDay.objects.all()
    assert row.day == timezone.localdate() and row.views == 2
    # The counter sets no cookie: the only one is the CSRF cookie of the page's forms.
    assert set(first.cookies) <= {"csrftoken"}
    assert "sessionid" not in first.cookies


def test_one_update_per_view(demo, django_assert_num_queries):
    page = ArticlePage.objects.first()
    statistics.count_view(page.pk)
    with django_assert_num_queries(1):
        statistics.count_view(page.pk)
    assert PageViewDay.objects.get(page=page).views == 2


@pytest.mark.parametrize(
    "user_agent",
    [
        "",
        "Googlebot/2.1 (+http://www.google.com/bot.html)",
        "Mozilla/5.0 (compatible; bingbot/2.0)",
        "curl/8.5.0",
        "python-requests/2.32",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/140.0",
        "facebookexternalhit/1.1",
    ],
)
def test_bots_are_not_counted(demo, user_agent):
    assert visit(Client(), user_agent=user_agent).status_code == 200
    assert not PageViewDay.objects.exists()


def test_only_successful_gets_of_the_page_itself_count(demo, member_client):
    visit(Client(), "/library/no-such-article/")  # 404
    visit(Client(), demo["slides_lecture"].url)  # 403: not enrolled
    Client().head(ARTICLE, HTTP_USER_AGENT=BROWSER)
    visit(Client(), HTTP_SEC_PURPOSE="prefetch")
    visit(member_client, demo["slides_lecture"].url + "slides/2/")  # a sub-route of the lecture
    assert not PageViewDay.objects.exists()
    visit(member_client, demo["slides_lecture"].url)
    assert PageViewDay.objects.get().page_id == demo["slides_lecture"].pk


def test_previews_are_not_counted(demo):
    """Wagtail serves previews outside its serve view (so the counter never sees them); the
    flag it sets is checked as well."""
    page = ArticlePage.objects.first()
    request = RequestFactory().get(page.url, HTTP_USER_AGENT=BROWSER)
    request.user = AnonymousUser()
    assert statistics.should_count(page, request, HttpResponse())
    request.is_preview = True
    assert not statistics.should_count(page, request, HttpResponse())


def test_a_failing_counter_never_breaks_the_page(demo, monkeypatch, caplog):
    def broken(page_id, day=None):
        raise RuntimeError("database gone")

    monkeypatch.setattr(statistics, "count_view", broken)
    response = visit(Client())
    assert response.status_code == 200 and b"Data protection policy" in response.content
    assert "Could not count a view" in caplog.text


def seed(page, days_ago: int, count: int):
    PageViewDay.objects.create(
        page=page, day=timezone.localdate() - timedelta(days=days_ago), views=count
    )


def test_dashboard_panel_for_admins_and_trainers(demo, admin_client_demo, trainer_client):
    policy = ArticlePage.objects.get(slug="data-protection-policy")
    lesson = demo["slides_lecture"]
    seed(policy, 0, 5)
    seed(policy, 3, 2)
    seed(policy, 10, 4)
    seed(lesson, 1, 3)
    admin = admin_client_demo.get("/admin/").content.decode()
    assert "Site statistics" in admin
    assert "<dd data-views-this-week>10</dd>" in admin  # 5 + 2 + 3
    assert "<dd>4</dd>" in admin  # the week before
    assert admin.index("Data protection policy") < admin.index(lesson.title)  # most viewed first
    trainer = trainer_client.get("/admin/").content.decode()
    assert "Your courses’ page views" in trainer
    assert "<dd data-views-this-week>3</dd>" in trainer  # their course's lesson only
    assert "Data protection policy" not in trainer
    assert "Courses" in trainer and "insights-courses" in trainer


def test_dashboard_panel_not_for_members(demo, member_client):
    assert b"Site statistics" not in member_client.get("/admin/").content


def test_popular_articles_on_the_home_page_and_beside_articles(demo, member_client):
    policy = ArticlePage.objects.get(slug="data-protection-policy")
    regulation = ArticlePage.objects.get(slug="office-regulation")
    course_article = ArticlePage.objects.filter(
        path__startswith=demo["course"].path, preview=False
    ).first()
    seed(regulation, 2, 9)
    seed(policy, 5, 4)
    seed(policy, 40, 100)  # outside the last 30 days
    seed(course_article, 1, 20)

    home = Client().get("/", HTTP_USER_AGENT=BROWSER).content.decode()
    assert "Popular articles" in home
    popular = home[home.index("Popular articles") :]
    assert popular.index("机关公文处理规定") < popular.index("Data protection policy")
    assert "9 views" in popular and "4 views" in popular
    assert course_article.title not in popular  # visitors cannot open a course's lesson

    mine = member_client.get("/").content.decode()
    assert course_article.title in mine[mine.index("Popular articles") :]  # enrolled: they can

    beside = Client().get(ARTICLE, HTTP_USER_AGENT=BROWSER).content.decode()
    aside = beside[beside.index("Popular articles") :]
    assert "机关公文处理规定" in aside and "Data protection policy" not in aside  # not itself
