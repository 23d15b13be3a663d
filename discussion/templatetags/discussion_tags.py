"""``{% lesson_questions page %}`` under each lesson, and the ``post_text`` filter."""

from django import template

from courses.names import person_name

from ..access import as_lesson, can_moderate, can_post, can_read
from ..forms import AskForm
from ..models import Thread
from ..text import render_post
from ..views import lesson_slides, replies_annotation

register = template.Library()

LIST_LIMIT = 50


@register.filter
def post_text(text):
    """A member's text as safe HTML: escaped, http(s) links clickable, paragraphs kept."""
    return render_post(text)


@register.filter
def author(user):
    """The name a post is shown under; "former member" once the account is gone."""
    from django.utils.translation import gettext as _

    return person_name(user) if user is not None else _("Former member")


@register.inclusion_tag("discussion/lesson_questions.html", takes_context=True)
def lesson_questions(context, page, slide=None):
    """The "Questions" section of a lesson (on a slide page: the questions about that slide,
    and the ask form set to it), for those who may read the lesson's discussion."""
    request = context["request"]
    user = request.user
    lesson = as_lesson(page)
    if lesson is None or not can_read(user, lesson):
        return {"show": False}
    threads = Thread.objects.filter(lesson_id=lesson.pk).select_related("author")
    if not can_moderate(user, lesson.course):
        threads = threads.filter(hidden=False)
    if slide is not None:
        threads = threads.filter(slide_number=slide.number)
    threads = threads.annotate(reply_count=replies_annotation()).order_by("-updated_at", "-pk")
    threads = list(threads[: LIST_LIMIT + 1])
    for thread in threads:
        if thread.slide_number and hasattr(lesson, "slide_url"):
            thread.slide_url = lesson.slide_url(thread.slide_number)
    may_post = can_post(user, lesson)
    form = form_key = None
    if may_post:
        # The lecture page has just listed the slides this person sees: the same list.
        shown = context.get("slides")
        same_page = context.get("page") is page and isinstance(shown, list)
        form = AskForm(
            slides=shown if same_page else lesson_slides(user, lesson),
            initial={"slide_number": slide.number if slide is not None else None},
        )
        # The empty form is the same for everyone shown these slides: rendered once.
        choices = form.fields["slide_number"].choices if "slide_number" in form.fields else ()
        form_key = (lesson.pk, form.initial["slide_number"], tuple(value for value, _ in choices))
    return {
        "show": True,
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "lesson": lesson,
        "course": lesson.course,
        "slide": slide,
        "threads": threads[:LIST_LIMIT],
        "more": len(threads) > LIST_LIMIT,
        "form": form,
        "form_key": form_key,
        "may_post": may_post,
    }
