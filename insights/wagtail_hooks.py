"""Wagtail admin: the reports (Reports menu), the dashboard panels, a course's announcements
and progress report buttons, and the page view counter on every served page."""

from django.templatetags.static import static
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component

from courses.models import CoursePage
from courses.wagtail_hooks import EditorPageButton

from . import charts, metrics, statistics
from .scope import can_view_reports, reportable_courses
from .views import announcements, reports
from .views import charts as chart_views

REPORTS = [
    # (url path, view class, url name, menu label, icon)
    (
        "progress",
        reports.CourseProgressReport,
        "insights_course_progress",
        _("Course progress"),
        "tasks",
    ),
    (
        "summary",
        reports.CourseSummaryReport,
        "insights_course_summary",
        _("Course summary"),
        "list-ul",
    ),
    ("groups", reports.GroupComparisonReport, "insights_groups", _("Groups compared"), "group"),
    (
        "drop-off",
        reports.LessonDropOffReport,
        "insights_drop_off",
        _("Lesson drop-off"),
        "order-down",
    ),
    (
        "certificates",
        reports.CertificatesReport,
        "insights_certificates",
        _("Certificates issued"),
        "success",
    ),
]


@hooks.register("register_admin_urls")
def register_insights_urls():
    urls = []
    for slug, view, name, _label, _icon in REPORTS:
        urls += [
            path(f"insights/{slug}/", view.as_view(), name=name),
            path(
                f"insights/{slug}/results/", view.as_view(results_only=True), name=f"{name}_results"
            ),
        ]
    return urls + [
        path("insights/video/<id:page_id>/", chart_views.video_audience, name="insights_retention"),
        path(
            "courses/<id:page_id>/announcements/",
            announcements.course_announcements,
            name="insights_course_announcements",
        ),
    ]


class InsightsMenuItem(MenuItem):
    """Shown to admins and to trainers of at least one course."""

    def is_shown(self, request):
        return can_view_reports(request.user)


def _menu_item(label, name, icon, order):
    return lambda: InsightsMenuItem(label, reverse(name), icon_name=icon, order=order)


for _order, (_slug, _view, _name, _label, _icon) in enumerate(REPORTS):
    hooks.register("register_reports_menu_item", _menu_item(_label, _name, _icon, 50 + _order))


# Course page buttons ----------------------------------------------------------------------


class AnnouncementsButton(EditorPageButton):
    """ "Announcements" on course pages."""

    label = _("Announcements")
    icon_name = "mail"
    url_name = "insights_course_announcements"
    page_types = (CoursePage,)


class ProgressReportButton(EditorPageButton):
    """ "Progress report" on course pages, for those who may read the course's reports."""

    label = _("Progress report")
    icon_name = "tasks"
    page_types = (CoursePage,)

    @property
    def url(self):
        return reverse("insights_course_progress") + f"?course={self.page.pk}"

    def is_shown(self, user):
        return (
            isinstance(self.page.specific_deferred, CoursePage)
            and reportable_courses(user).filter(pk=self.page.pk).exists()
        )


@hooks.register("register_page_header_buttons")
def insights_page_header_buttons(page, user, view_name, next_url=None):
    yield AnnouncementsButton(page=page, priority=45)
    yield ProgressReportButton(page=page, priority=46)


@hooks.register("register_page_listing_more_buttons")
def insights_page_listing_buttons(page, user, next_url=None):
    yield AnnouncementsButton(page=page, priority=35)
    yield ProgressReportButton(page=page, priority=36)


# Dashboard --------------------------------------------------------------------------------


def _scope_paths(user) -> list[str] | None:
    """None for admins (the whole site); a trainer's course subtrees otherwise."""
    from courses.permissions import is_site_admin

    if is_site_admin(user):
        return None
    return list(reportable_courses(user).values_list("path", flat=True))


class SiteStatisticsPanel(Component):
    """Views this week against last week, views per day, and the week's top pages (admins
    see the site, trainers their courses)."""

    name = "insights_statistics"
    template_name = "insights/admin/statistics_panel.html"
    order = 90

    def get_context_data(self, parent_context):
        request = parent_context["request"]
        paths = _scope_paths(request.user)
        days = statistics.daily_views(14, paths=paths)
        title = str(_("Page views per day"))
        return {
            "request": request,
            "whole_site": paths is None,
            "this_week": statistics.total_views(7, paths=paths),
            "last_week": statistics.total_views(7, ago=7, paths=paths),
            "top_pages": statistics.top_pages(7, 5, paths=paths),
            "chart": charts.line_chart(
                [f"{day:%m-%d}" for day, _views in days],
                [charts.Series(title, [views for _day, views in days])],
                title=title,
            ),
        }


class MyCoursesPanel(Component):
    """Each of the person's courses (up to ten): members, in progress, completed."""

    name = "insights_courses"
    template_name = "insights/admin/courses_panel.html"
    order = 95
    limit = 10

    def get_context_data(self, parent_context):
        from courses.models import Enrolment

        request = parent_context["request"]
        courses = list(reportable_courses(request.user)[: self.limit])
        facts: dict[int, list] = {course.pk: [] for course in courses}
        for fact in metrics.enrolment_facts(Enrolment.objects.filter(course__in=courses)):
            facts[fact.course_id].append(fact)
        return {
            "request": request,
            "rows": [(course, metrics.summarise(facts[course.pk])) for course in courses],
            "progress_url": reverse("insights_course_progress"),
            "summary_url": reverse("insights_course_summary"),
        }


@hooks.register("construct_homepage_panels")
def insights_homepage_panels(request, panels):
    if can_view_reports(request.user):
        panels.append(SiteStatisticsPanel())
        panels.append(MyCoursesPanel())


# Page views -------------------------------------------------------------------------------


@hooks.register("on_serve_page")
def count_page_views(next_serve_page):
    """Count each person's view of a page (see ``insights.statistics``)."""

    def serve(page, request, args, kwargs):
        response = next_serve_page(page, request, args, kwargs)
        statistics.record_view(page, request, response)
        return response

    return serve


@hooks.register("insert_global_admin_css")
def insights_admin_css():
    return format_html('<link rel="stylesheet" href="{}">', static("insights/css/admin.css"))
