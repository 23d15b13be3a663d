"""Site search over courses, lectures and articles, showing where each hit matched."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext as _
from wagtail.models import Page

from ..models import ArticlePage, CoursePage, LecturePage
from ..permissions import can_access_course, can_view_lesson, prime_lesson_access, waiting_for
from ..search_text import Fragment, excerpt, segment_query

MAX_QUERY_LENGTH = 200
RESULTS_PER_PAGE = 10


@dataclass
class Hit:
    """One search result and the places in it where the query matched."""

    page: Page
    matches: list["Match"]
    # A lesson the person may not open: shown by its title and course, never its text.
    locked: bool = False
    course: Page | None = None
    waiting_for: Page | None = None  # in a course taken in order, the lesson to finish first


@dataclass
class Match:
    """Where in a page the query matched: an area (title, text, slide 7), an excerpt, a link."""

    label: str
    fragments: list[Fragment]
    url: str | None = None


def where_matched(page, query: str) -> list[Match]:
    """Each area of ``page`` that contains the query, in the page's order."""
    matches = []
    for label, text, *url in page.search_areas():
        fragments = excerpt(text, query)
        if fragments:
            matches.append(Match(label, fragments, url[0] if url else None))
    return matches


def hit_for(user, page, query: str) -> Hit:
    """A search result as ``user`` may see it.

    The index holds the text of every lesson, so a locked lesson is still found (its title
    is public in the course outline anyway), but excerpts of its body, slides, notes or
    captions, and links into its slides and video, would let anyone read it through search.
    """
    if isinstance(page, LecturePage | ArticlePage) and not can_view_lesson(user, page):
        waiting = waiting_for(user, page) if can_access_course(user, page.course) else None
        return Hit(page, [], locked=True, course=page.course, waiting_for=waiting)
    return Hit(page, where_matched(page, query))


def search(request):
    """The search results page: ?q=words[&page=N]."""
    query = request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]
    hits, page_obj = [], None
    terms = segment_query(query)
    if terms:
        results = (
            Page.objects.live()
            .public()
            .type(CoursePage, LecturePage, ArticlePage)
            .specific()
            .search(terms, operator="and")
        )
        page_obj = Paginator(results, RESULTS_PER_PAGE).get_page(request.GET.get("page"))
        pages = list(page_obj.object_list)
        prime_lesson_access(request.user, pages)
        hits = [hit_for(request.user, page, query) for page in pages]
    return render(
        request,
        "courses/search.html",
        {
            "query": query,
            "hits": hits,
            "page_obj": page_obj,
            "base_query": urlencode({"q": query}) + "&",
            "title": _("Search results for “%(query)s”") % {"query": query}
            if query
            else _("Search"),
        },
    )
