"""A course's announcements in the admin: post one (shown on the course page, emailed to
members who want announcements), or take one down."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from courses.views.enrolment_admin import editable_course
from elearn.converters import database_id

from ..forms import AnnouncementForm
from ..models import Announcement
from ..tasks import announcement_email_task, queue


def course_announcements(request, page_id: int):
    """Those who may edit the course (its trainers, admins) post and remove announcements."""
    course = editable_course(request, page_id)
    form = AnnouncementForm()
    if request.method == "POST":
        if request.POST.get("action") == "delete":
            announcement = get_object_or_404(
                Announcement, pk=database_id(request.POST.get("announcement")), course=course
            )
            announcement.delete()
            messages.success(request, _("The announcement was removed."))
            return redirect("insights_course_announcements", course.pk)
        form = AnnouncementForm(request.POST)
        if form.is_valid():
            announcement = form.save(commit=False)
            announcement.course = course
            announcement.author = request.user
            announcement.save()
            if form.cleaned_data["send_email"]:
                queue(announcement_email_task, announcement.pk)
                messages.success(
                    request, _("The announcement is on the course page and being emailed.")
                )
            else:
                messages.success(request, _("The announcement is on the course page."))
            return redirect("insights_course_announcements", course.pk)
    return TemplateResponse(
        request,
        "insights/admin/announcements.html",
        {
            "course": course,
            "form": form,
            "announcements": course.announcements.select_related("author"),
            "page_title": _("Announcements: %(course)s") % {"course": course.title},
        },
    )
