"""The moderation queue in the Wagtail admin: reported questions and replies, questions no
trainer has answered yet (by course, oldest first), and what is hidden, with hide, restore and
dismiss. Trainers see their own courses; admins every course."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from courses.models import CoursePage
from courses.permissions import is_site_admin
from courses.roles import ADMINS

from .access import can_moderate
from .models import Post, Report, Thread
from .views import MODERATION_DONE, moderate_thread


def moderated_courses(user):
    """The courses whose discussion ``user`` moderates."""
    if is_site_admin(user):
        return CoursePage.objects.all()
    return CoursePage.objects.filter(trainers=user)


def unanswered(courses):
    """Visible, open questions with no accepted answer and no visible reply from the course's
    trainers or an admin, oldest first."""
    staff_reply = Post.objects.filter(thread=OuterRef("pk"), hidden=False).filter(
        Q(author__trained_courses=OuterRef("course_id"))
        | Q(author__is_superuser=True)
        | Q(author__groups__name=ADMINS)
    )
    return (
        Thread.objects.filter(course__in=courses, hidden=False, locked=False, accepted_post=None)
        .exclude(Exists(staff_reply))
        .select_related("course", "lesson", "author")
        .order_by("course__path", "created_at")
    )


def open_reports(courses) -> list[dict]:
    """Unresolved reports, one entry per reported question or reply, oldest report first."""
    reports = (
        Report.objects.filter(resolved=False, thread__course__in=courses)
        .select_related("thread__course", "thread__lesson", "thread__author", "post__author")
        .select_related("reporter")
        .order_by("created_at", "pk")
    )
    items: dict[tuple, dict] = {}
    for report in reports:
        key = (report.thread_id, report.post_id)
        item = items.setdefault(
            key,
            {
                "thread": report.thread,
                "post": report.post,
                "target": report.target,
                "first_reported": report.created_at,
                "reports": [],
            },
        )
        item["reports"].append(report)
    return list(items.values())


def _id(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


def moderation_queue(request):
    user = request.user
    if not user.has_perm("wagtailadmin.access_admin"):
        raise PermissionDenied
    courses = moderated_courses(user)
    if request.method == "POST":
        thread = get_object_or_404(
            Thread.objects.select_related("course"), pk=_id(request.POST.get("thread"))
        )
        if not can_moderate(user, thread.course):
            raise PermissionDenied
        action = request.POST.get("action", "")
        if action not in ("hide", "restore", "dismiss"):
            raise PermissionDenied
        post = None
        if request.POST.get("post"):
            post = get_object_or_404(Post, pk=_id(request.POST["post"]), thread=thread)
        moderate_thread(user, thread, action, post)
        messages.success(request, MODERATION_DONE[action])
        return redirect("discussion_moderation")
    hidden_threads = Thread.objects.filter(course__in=courses, hidden=True).select_related(
        "course", "author", "hidden_by"
    )
    hidden_posts = Post.objects.filter(thread__course__in=courses, hidden=True).select_related(
        "thread__course", "author", "hidden_by"
    )
    hidden = sorted(
        [
            *({"thread": t, "post": None, "target": t} for t in hidden_threads[:50]),
            *({"thread": p.thread, "post": p, "target": p} for p in hidden_posts[:50]),
        ],
        key=lambda item: item["target"].hidden_at,
        reverse=True,
    )
    return TemplateResponse(
        request,
        "discussion/admin/moderation.html",
        {
            "reports": open_reports(courses),
            "unanswered": unanswered(courses)[:200],
            "hidden": hidden,
            "page_title": _("Discussion"),
        },
    )


def open_report_count(user) -> int:
    return (
        Report.objects.filter(resolved=False, thread__course__in=moderated_courses(user))
        .values("thread_id", "post_id")
        .distinct()
        .count()
    )
