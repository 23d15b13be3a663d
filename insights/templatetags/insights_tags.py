"""Template tags for the public site: popular articles, a course's announcements and its
feedback survey."""

from django import template

from .. import statistics

register = template.Library()


@register.simple_tag(takes_context=True)
def popular_articles(context, limit: int = 5, exclude=None):
    """The most viewed articles of the last 30 days that the reader may open."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return statistics.popular_articles(user, limit, exclude=getattr(exclude, "pk", exclude))


@register.simple_tag
def course_announcements(course, limit: int = 3):
    """The course's latest announcements."""
    return list(course.announcements.all()[:limit])


@register.simple_tag
def course_feedback(course):
    """The course's live feedback survey, or None."""
    from ..models import CourseFeedbackPage

    return CourseFeedbackPage.objects.live().child_of(course).first()
