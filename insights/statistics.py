"""Site statistics: page views counted on the server, the week's top pages, and the popular
articles shown to readers.

A view is counted when a page itself (not a sub-route such as a lecture's slide) is served
with status 200 to a GET from something that is not a bot: no cookie, no script, no third
party, nothing about the visitor stored. Counting costs one UPDATE of the page's row for the
day, and a failure is logged, never shown: a page must not break for its statistics.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta

from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q, Sum
from django.template.response import SimpleTemplateResponse
from django.utils import timezone
from wagtail.models import Page

from .models import PageViewDay

logger = logging.getLogger(__name__)

# Crawlers, link previewers, monitors and scripts name themselves in the User-Agent; a
# browser never sends an empty one.
BOT_PATTERN = re.compile(
    r"bot|crawl|spider|slurp|archiv|scrap|fetch|monitor|uptime|pingdom|preview|lighthouse|"
    r"headless|phantom|curl|wget|httpie|python-|aiohttp|okhttp|go-http|java/|libwww|"
    r"facebookexternalhit|embedly|whatsapp|slack|discord|telegram|scan",
    re.IGNORECASE,
)
POPULAR_CACHE_SECONDS = 600


def is_bot(user_agent: str) -> bool:
    return not user_agent.strip() or bool(BOT_PATTERN.search(user_agent))


def should_count(page, request, response) -> bool:
    """Whether this response is a person's view of the page itself."""
    if request.method != "GET" or response.status_code != 200:
        return False
    if getattr(request, "is_preview", False):
        return False
    if is_bot(request.headers.get("User-Agent", "")):
        return False
    # Browsers prefetching a link the person may never open.
    if "prefetch" in request.headers.get("Sec-Purpose", request.headers.get("Purpose", "")):
        return False
    url = page.get_url(request=request) or ""
    return request.path == ("/" + url.split("/", 3)[3] if "://" in url else url)


def count_view(page_id: int, day=None) -> None:
    """Add one view of the page on ``day`` (today): an UPDATE, or an INSERT for the day's
    first view (two requests racing to insert end with both counted)."""
    day = day or timezone.localdate()
    rows = PageViewDay.objects.filter(page_id=page_id, day=day)
    if rows.update(views=F("views") + 1):
        return
    try:
        with transaction.atomic():
            PageViewDay.objects.create(page_id=page_id, day=day, views=1)
    except IntegrityError:
        rows.update(views=F("views") + 1)


def record_view(page, request, response) -> None:
    """Count the view once the page has rendered; never raise."""

    def count(response=response):
        try:
            if not should_count(page, request, response):
                return
            if connection.in_atomic_block:
                # Inside a request transaction a failed write must not spoil the rest of it.
                with transaction.atomic():
                    count_view(page.pk)
            else:
                count_view(page.pk)
        except Exception:  # noqa: BLE001 - statistics must never break a page
            logger.exception("Could not count a view of page %s", page.pk)

    # A template response is counted after it rendered, so an error while rendering (a 500)
    # is not counted as a view.
    if isinstance(response, SimpleTemplateResponse) and not response.is_rendered:
        response.add_post_render_callback(lambda rendered: count(rendered))
    else:
        count()


def _within(paths: list[str] | None) -> Q:
    if paths is None:
        return Q()
    query = Q(pk__in=[])
    for path in paths:
        query |= Q(page__path__startswith=path)
    return query


def total_views(days: int = 7, *, ago: int = 0, paths: list[str] | None = None) -> int:
    """Views in the ``days`` days ending ``ago`` days before today (today included when 0);
    only of pages under ``paths`` when given (a trainer's courses)."""
    end = timezone.localdate() - timedelta(days=ago)
    rows = PageViewDay.objects.filter(_within(paths), day__gt=end - timedelta(days=days))
    return rows.filter(day__lte=end).aggregate(total=Sum("views"))["total"] or 0


def daily_views(days: int = 14, *, paths: list[str] | None = None) -> list[tuple]:
    """``[(day, views)]`` for each of the last ``days`` days, oldest first, zeros included."""
    today = timezone.localdate()
    first = today - timedelta(days=days - 1)
    totals = dict(
        PageViewDay.objects.filter(_within(paths), day__gte=first)
        .values("day")
        .annotate(total=Sum("views"))
        .values_list("day", "total")
    )
    return [
        (first + timedelta(days=i), totals.get(first + timedelta(days=i), 0)) for i in range(days)
    ]


def top_pages(days: int = 7, limit: int = 5, *, paths: list[str] | None = None) -> list:
    """The most viewed pages of the last ``days`` days, each with ``recent_views`` set."""
    since = timezone.localdate() - timedelta(days=days - 1)
    ranked = list(
        PageViewDay.objects.filter(_within(paths), day__gte=since)
        .values("page_id")
        .annotate(total=Sum("views"))
        .order_by("-total", "page_id")[:limit]
    )
    pages = Page.objects.in_bulk([row["page_id"] for row in ranked])
    result = []
    for row in ranked:
        page = pages.get(row["page_id"])
        if page is not None:
            page.recent_views = row["total"]
            result.append(page)
    return result


def ranked_article_ids(days: int = 30, limit: int = 30) -> list[tuple[int, int]]:
    """``[(article id, views)]`` of the most viewed live articles over ``days`` days, cached
    for a few minutes (every article page asks)."""
    from courses.models import ArticlePage

    key = f"insights:popular-articles:{days}:{limit}:{timezone.localdate()}"

    def rank():
        since = timezone.localdate() - timedelta(days=days - 1)
        articles = ArticlePage.objects.live().public().values("pk")
        return list(
            PageViewDay.objects.filter(day__gte=since, page_id__in=articles)
            .values("page_id")
            .annotate(total=Sum("views"))
            .order_by("-total", "page_id")
            .values_list("page_id", "total")[:limit]
        )

    return cache.get_or_set(key, rank, POPULAR_CACHE_SECONDS)


def popular_articles(user, limit: int = 5, *, exclude: int | None = None, days: int = 30) -> list:
    """The articles most viewed in the last ``days`` days that ``user`` may open (library
    articles, free previews, lessons of their courses), each with ``recent_views``."""
    from courses.models import ArticlePage
    from courses.permissions import can_view_lesson

    ranked = [(pk, views) for pk, views in ranked_article_ids(days) if pk != exclude]
    articles = ArticlePage.objects.live().public().in_bulk([pk for pk, _views in ranked])
    result = []
    for pk, views in ranked:
        article = articles.get(pk)
        if article is not None and can_view_lesson(user, article):
            article.recent_views = views
            result.append(article)
            if len(result) == limit:
                break
    return result
