"""The discussion pages: ask under a lesson, read a question, reply, follow, report, moderate,
and search a course's questions. Every POST is CSRF-protected (Django's middleware); every id
in a request is looked up through the requester's rights (``discussion.access``)."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from wagtail.models import Page

from courses.models import CoursePage, LecturePage
from courses.permissions import can_access_course, can_view_lesson

from . import notify
from .access import (
    allow_post,
    as_lesson,
    can_moderate,
    can_post,
    can_read,
    staff_among,
    thread_for,
)
from .forms import AskForm, ReplyForm, ReportForm
from .models import DiscussionPreference, Follow, Post, Report, Thread
from .tasks import notify_question_task, notify_reply_task

TOO_MANY = gettext_lazy(
    "You have posted a lot in the last hour. Please wait a while before posting again; "
    "your text is still in the form."
)


def lesson_slides(user, lesson) -> list:
    """The slides a question may be about: those of the lecture's deck this person sees."""
    return list(lesson.get_slides(user)) if isinstance(lesson, LecturePage) else []


def replies_annotation():
    return Count("posts", filter=Q(posts__hidden=False))


def _readable_lesson(user, lesson_id: int):
    lesson = as_lesson(get_object_or_404(Page, pk=lesson_id))
    if lesson is None or not can_read(user, lesson):
        raise Http404
    return lesson


@require_http_methods(["GET", "POST"])
def ask(request, lesson_id: int):
    """Ask a question under a lesson (the form is also on the lesson page)."""
    lesson = _readable_lesson(request.user, lesson_id)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not can_post(request.user, lesson):
        raise PermissionDenied
    slides = lesson_slides(request.user, lesson)
    form = AskForm(
        request.POST if request.method == "POST" else None,
        slides=slides,
        initial={"slide_number": request.GET.get("slide")},
    )
    status = 200
    if request.method == "POST":
        if not form.is_valid():
            status = 400
        elif not allow_post(request.user, lesson.course):
            form.add_error(None, TOO_MANY)
            status = 429
        else:
            with transaction.atomic():
                thread = Thread.objects.create(
                    lesson=lesson,
                    course=lesson.course,
                    author=request.user,
                    title=form.cleaned_data["title"],
                    body=form.cleaned_data["body"],
                    slide_number=form.cleaned_data.get("slide_number"),
                )
                Follow.objects.create(user=request.user, thread=thread)
                transaction.on_commit(lambda: notify_question_task.enqueue(thread.pk))
            messages.success(
                request, _("Your question is posted. You will get an email when someone replies.")
            )
            return redirect(thread.get_absolute_url())
    return TemplateResponse(
        request,
        "discussion/ask.html",
        {"lesson": lesson, "course": lesson.course, "form": form, "title": _("Ask a question")},
        status=status,
    )


def thread_page(request, thread, lesson, reply_form=None, status=200):
    """The question, its replies (hidden ones as a placeholder, or in full for moderators),
    and what this person may do there."""
    user = request.user
    moderator = can_moderate(user, thread.course)
    posts = list(thread.posts.select_related("author", "hidden_by"))
    staff = staff_among(thread.course, [thread.author_id, *(p.author_id for p in posts)])
    for post in posts:
        post.by_staff = post.author_id in staff
    may_post = can_post(user, lesson)
    context = {
        "thread": thread,
        "lesson": lesson,
        "course": thread.course,
        "posts": posts,
        "asker_is_staff": thread.author_id in staff,
        "reply_count": sum(1 for post in posts if not post.hidden),
        "moderator": moderator,
        "may_post": may_post,
        "reply_form": (reply_form or ReplyForm()) if may_post and not thread.locked else None,
        "report_form": ReportForm() if user.is_authenticated else None,
        "following": user.is_authenticated
        and Follow.objects.filter(user=user, thread=thread).exists(),
        "slide_url": lesson.slide_url(thread.slide_number)
        if thread.slide_number and isinstance(lesson, LecturePage)
        else None,
        "title": thread.title,
    }
    if user.is_authenticated:
        context["emails_on"] = DiscussionPreference.wants_emails(user)
        context["emails_url"] = notify.emails_url(user)
    return TemplateResponse(request, "discussion/thread.html", context, status=status)


def thread_view(request, thread_id: int):
    thread, lesson = thread_for(request.user, thread_id)
    return thread_page(request, thread, lesson)


@login_required
@require_POST
def reply(request, thread_id: int):
    thread, lesson = thread_for(request.user, thread_id)
    if not can_post(request.user, lesson):
        raise PermissionDenied
    if thread.locked:
        messages.error(request, _("This question is locked: no more replies."))
        return redirect(thread.get_absolute_url())
    form = ReplyForm(request.POST)
    if not form.is_valid():
        return thread_page(request, thread, lesson, reply_form=form, status=400)
    if not allow_post(request.user, thread.course):
        form.add_error(None, TOO_MANY)
        return thread_page(request, thread, lesson, reply_form=form, status=429)
    with transaction.atomic():
        post = Post.objects.create(
            thread=thread, author=request.user, body=form.cleaned_data["body"]
        )
        Thread.objects.filter(pk=thread.pk).update(updated_at=post.created_at)
        Follow.objects.get_or_create(user=request.user, thread=thread)
        transaction.on_commit(lambda: notify_reply_task.enqueue(post.pk))
    return redirect(post.get_absolute_url())


@login_required
@require_POST
def follow(request, thread_id: int):
    thread, _lesson = thread_for(request.user, thread_id)
    if request.POST.get("follow") == "1":
        Follow.objects.get_or_create(user=request.user, thread=thread)
        messages.success(request, _("You will get an email when someone replies."))
    else:
        Follow.objects.filter(user=request.user, thread=thread).delete()
        messages.success(request, _("You no longer follow this question."))
    return redirect(thread.get_absolute_url())


def _post_of(thread, post_id):
    """A reply of this question, or None for the question itself; another question's reply
    is a 404, whatever its id."""
    if not post_id:
        return None
    try:
        return get_object_or_404(Post, pk=int(post_id), thread=thread)
    except ValueError:
        raise Http404 from None


@login_required
@require_POST
def report(request, thread_id: int):
    thread, _lesson = thread_for(request.user, thread_id)
    post = _post_of(thread, request.POST.get("post"))
    form = ReportForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    _report, created = Report.objects.get_or_create(
        thread=thread,
        post=post,
        reporter=request.user,
        resolved=False,
        defaults={"reason": reason},
    )
    if created:
        messages.success(request, _("Thank you: the trainers will look at it."))
    else:
        messages.info(request, _("You have reported this already; the trainers will look at it."))
    return redirect(post.get_absolute_url() if post else thread.get_absolute_url())


def resolve_reports(thread, post, user) -> int:
    """Close the open reports on a question (``post`` None) or a reply."""
    return Report.objects.filter(thread=thread, post=post, resolved=False).update(
        resolved=True, resolved_by=user, resolved_at=timezone.now()
    )


MODERATION_DONE = {
    "accept": gettext_lazy("The reply is marked as the accepted answer."),
    "unaccept": gettext_lazy("The reply is no longer the accepted answer."),
    "hide": gettext_lazy("Hidden from members."),
    "restore": gettext_lazy("Shown to members again."),
    "dismiss": gettext_lazy("Reports dismissed."),
    "lock": gettext_lazy("The question is locked: no more replies."),
    "unlock": gettext_lazy("The question is open for replies again."),
    "delete": gettext_lazy("Deleted."),
}


def moderate_thread(user, thread, action: str, post=None) -> None:
    """Carry out one moderator's action (see MODERATION_DONE) on the question or a reply."""
    target = post or thread
    if action == "accept":
        if post is None or post.hidden:
            raise Http404
        thread.accepted_post = post
        thread.save(update_fields=["accepted_post"])
    elif action == "unaccept":
        thread.accepted_post = None
        thread.save(update_fields=["accepted_post"])
    elif action == "hide":
        target.hide(user)
        resolve_reports(thread, post, user)
    elif action == "restore":
        target.restore()
    elif action == "dismiss":
        resolve_reports(thread, post, user)
    elif action in ("lock", "unlock"):
        thread.locked = action == "lock"
        thread.save(update_fields=["locked"])
    elif action == "delete":
        target.delete()
    else:
        raise Http404


@login_required
@require_POST
def moderate(request, thread_id: int):
    thread, lesson = thread_for(request.user, thread_id)
    if not can_moderate(request.user, thread.course):
        raise PermissionDenied
    action = request.POST.get("action", "")
    if action not in MODERATION_DONE:
        raise Http404
    post = _post_of(thread, request.POST.get("post"))
    moderate_thread(request.user, thread, action, post)
    messages.success(request, MODERATION_DONE[action])
    if action == "delete" and post is None:
        return redirect(lesson.url)
    return redirect(thread.get_absolute_url())


def course_threads(request, course_id: int):
    """A course's questions, newest activity first, searchable (``?q=``) by the words of the
    questions and their visible replies."""
    course = get_object_or_404(CoursePage.objects.live(), pk=course_id)
    if not can_access_course(request.user, course):
        raise Http404
    lessons = [lesson for lesson in course.get_lessons() if can_view_lesson(request.user, lesson)]
    titles = {lesson.pk: lesson.title for lesson in lessons}
    threads = Thread.objects.filter(course=course, lesson_id__in=titles).select_related("author")
    if not can_moderate(request.user, course):
        threads = threads.filter(hidden=False)
    # A NUL character is no part of any stored text, and PostgreSQL refuses it even in a
    # comparison: it separates words like a space.
    query = " ".join(request.GET.get("q", "").replace("\x00", " ").split())[:200]
    if query:
        # Substring matching: Chinese needs no word splitting for it, on every database.
        matching = Thread.objects.filter(
            Q(title__icontains=query)
            | Q(body__icontains=query)
            | Q(posts__body__icontains=query, posts__hidden=False)
        ).values("pk")
        threads = threads.filter(pk__in=matching)
    # Explicit order: Django leaves Meta.ordering out of aggregated (GROUP BY) queries.
    threads = threads.annotate(reply_count=replies_annotation()).order_by("-updated_at", "-pk")
    page = Paginator(threads, 20).get_page(request.GET.get("page"))
    for thread in page:
        thread.lesson_title = titles.get(thread.lesson_id, "")
    return TemplateResponse(
        request,
        "discussion/course_threads.html",
        {
            "course": course,
            "page_obj": page,
            "base_query": f"{urlencode({'q': query})}&" if query else "",
            "query": query,
            "title": _("Questions in %(course)s") % {"course": course.title},
        },
    )


@require_http_methods(["GET", "POST"])
def unfollow_link(request, token: str):
    """The link in a reply email: unfollow without logging in (a POST, so mail scanners that
    open links change nothing)."""
    payload = notify.read_token(token, notify.UNFOLLOW_SALT)
    if not (isinstance(payload, list) and len(payload) == 2):
        raise Http404
    user_id, thread_id = payload
    thread = Thread.objects.filter(pk=thread_id).first()
    done = request.method == "POST"
    if done:
        Follow.objects.filter(user_id=user_id, thread_id=thread_id).delete()
    return TemplateResponse(
        request,
        "discussion/unfollow.html",
        {"thread": thread, "done": done, "title": _("Stop following a question")},
    )


@require_http_methods(["GET", "POST"])
def emails_link(request, token: str):
    """The link in every discussion email: all discussion emails off, or on again."""
    user_id = notify.read_token(token, notify.EMAILS_SALT)
    if not (isinstance(user_id, int) and get_user_model().objects.filter(pk=user_id).exists()):
        raise Http404
    # Nothing is written on GET: mail scanners open links.
    preference = DiscussionPreference.objects.filter(user_id=user_id).first()
    preference = preference or DiscussionPreference(user_id=user_id)
    if request.method == "POST":
        preference.emails = request.POST.get("emails") == "on"
        preference.save()
        messages.success(
            request,
            _("Discussion emails are on.")
            if preference.emails
            else _("You will get no more discussion emails."),
        )
        return redirect(request.path)
    return TemplateResponse(
        request,
        "discussion/emails.html",
        {"preference": preference, "title": _("Discussion emails")},
    )
