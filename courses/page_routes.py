"""Which page a URL is, remembered per process while no page changes.

Wagtail finds the page for a path by walking down from the site's root page, a query or two
per level of the tree; a lesson's page costs five of them before it starts rendering. Pages
change rarely, and every change bumps the lessons' version in the shared cache
(``lesson_rules.lessons_changed``: saved, published, unpublished, moved or deleted). So each
process remembers, per site, language and path, which page answered and how much of the path
was its own, tagged with that version; the next request for the path loads that one page and
lets it route the rest itself (a routable page's ``slides/3/``), as Wagtail would from there.
View restrictions and every ``before_serve_page`` hook still run on each request.

Without a shared cache nothing is remembered: a change made by another process (a worker
converting a deck) could not be seen.
"""

from __future__ import annotations

from django.http import Http404
from django.template.response import SimpleTemplateResponse
from wagtail.models import Site
from wagtail.views import serve as wagtail_serve

from elearn import cache as shared_cache

from . import lesson_rules, page_memory


def serve(request, path):
    """Wagtail's page view, finding the page, and what it shows that only editors change
    (``page_memory``), from this process's memory when it can."""
    if not shared_cache.shared():
        return wagtail_serve(request, path)
    with page_memory.serving(lesson_rules.version()):
        key = _prime(request, path)
        response = wagtail_serve(request, path)
        if key is not None:
            _remember(request, key)
        if isinstance(response, SimpleTemplateResponse):
            # Rendered here, while the memory may be used: Django would render it after the
            # view returns. No middleware of ours changes a template response before then.
            response.render()
    return response


def _site(request) -> Site | None:
    """The site for the request's host, kept per process (Wagtail asks the database each
    time); Wagtail's own lookup, which every later caller in the request uses, is set too, and
    so are the sites' root paths that page URLs are made from."""
    if not hasattr(request, "_wagtail_site"):
        host = (request._get_raw_host(), request.get_port())
        request._wagtail_site = page_memory.remembered(
            ("site", host), lambda: Site._find_for_request(request)
        )
        # What every page URL of the request is made from (Wagtail keeps it in the cache).
        request._wagtail_cached_site_root_paths = page_memory.remembered(
            "site root paths", Site.get_site_root_paths
        )
    return request._wagtail_site


def _prime(request, path) -> tuple | None:
    """Set Wagtail's per-request route from memory; returns the key to remember it under when
    it was not there (None when there is nothing to remember)."""
    site = _site(request)
    if site is None:
        return None
    key = ("route", site.pk, site.root_page_id, path)
    kept = page_memory.recall(key)
    if kept is None:
        return key
    page_id, model, taken = kept
    page = model.objects.filter(pk=page_id).first()
    if page is None:  # deleted a moment ago: the version has moved on, or is about to
        return None
    components = [component for component in path.split("/") if component]
    try:
        # Page.route_for_request() keeps its answer here for the rest of the request.
        request._wagtail_route_for_request = page.route(request, components[taken:])
    except Http404:
        request._wagtail_route_for_request = None
    return None


def _remember(request, key) -> None:
    route = getattr(request, "_wagtail_route_for_request", None)
    if route is None:
        return
    page = route[0]
    site = Site.find_for_request(request)
    # (page id, its model, path components it takes): each level below the site's root takes
    # one component of the path.
    page_memory.keep(key, (page.pk, type(page), page.depth - site.root_page.depth))


def forget() -> None:
    """Empty this process's memory (tests)."""
    page_memory.forget()
