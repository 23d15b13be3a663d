"""Video audience retention: the share of a course's members who watched each moment of a
lecture's video, drawn from the watched intervals progress reports keep."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from courses.models import Enrolment, LecturePage
from courses.timecodes import format_clock
from courses.views.enrolment_admin import enrollable_groups
from elearn.converters import database_id

from .. import charts, metrics
from ..scope import check_reports, reportable_courses

BUCKETS = 100


def video_audience(request, page_id: int):
    """The retention chart of one lecture's video, for the course's members or one group."""
    check_reports(request.user)
    lecture = get_object_or_404(LecturePage, pk=page_id)
    course = lecture.course
    if course is None or not reportable_courses(request.user).filter(pk=course.pk).exists():
        raise PermissionDenied
    video = lecture.video if lecture.video_id else None
    if video is None or not video.duration:
        raise Http404(_("This lecture has no video with a known length."))
    groups = enrollable_groups().order_by("name")
    group = None
    if request.GET.get("group"):  # empty: everyone
        # Not a group one may choose (a link from before it was deleted, a typed id): a 404
        # rather than everyone's chart under the group's name in the address.
        group = groups.filter(pk=database_id(request.GET["group"])).first()
        if group is None:
            raise Http404
    enrolments = Enrolment.objects.filter(course=course)
    if group is not None:
        enrolments = enrolments.filter(user__groups=group)
    curve, members = metrics.lecture_retention(lecture, enrolments, BUCKETS)
    title = _("Video audience: %(lecture)s") % {"lecture": lecture.title}
    step = BUCKETS // 10
    return TemplateResponse(
        request,
        "insights/admin/retention.html",
        {
            "page_title": title,
            "lecture": lecture,
            "course": course,
            "members": members,
            "groups": groups,
            "group": group,
            "chart": charts.retention_chart(curve, video.duration, title=title),
            "points": [
                {
                    "from": format_clock(video.duration * i / BUCKETS),
                    "to": format_clock(video.duration * (i + step) / BUCKETS),
                    "percent": round(100 * sum(curve[i : i + step]) / step),
                }
                for i in range(0, BUCKETS, step)
            ],
            "progress_url": reverse("insights_course_progress") + f"?course={course.pk}",
        },
    )
