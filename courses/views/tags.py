"""Tag pages: every course and article carrying a tag."""

from django.core.validators import slug_unicode_re
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from taggit.models import Tag

from ..models import ArticlePage, CoursePage


def tag_index(request):
    """All tags in use on live courses and articles, with how often each is used."""
    tags = (
        Tag.objects.annotate(
            uses=Count(
                "courses_coursetag_items",
                filter=Q(courses_coursetag_items__content_object__live=True),
                distinct=True,
            )
            + Count(
                "courses_articletag_items",
                filter=Q(courses_articletag_items__content_object__live=True),
                distinct=True,
            )
        )
        .filter(uses__gt=0)
        .order_by("name")
    )
    return render(request, "courses/tag_index.html", {"tags": tags})


def tag_detail(request, slug: str):
    """The courses and articles tagged ``slug``."""
    # Tag slugs are letters, digits, "-" and "_" (taggit's SlugField). Anything else names no
    # tag, and a NUL byte is refused by PostgreSQL even in a comparison.
    if not slug_unicode_re.match(slug):
        raise Http404
    tag = get_object_or_404(Tag, slug=slug)
    courses = CoursePage.objects.live().public().filter(tags=tag).order_by("title")
    articles = ArticlePage.objects.live().public().filter(tags=tag).order_by("title")
    return render(
        request, "courses/tag_detail.html", {"tag": tag, "courses": courses, "articles": articles}
    )
