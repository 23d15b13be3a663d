"""The reports in the admin's Reports menu, on Wagtail's ReportView: filters in the header,
paginated tables, CSV and XLSX downloads, and the charts above the tables.

Docs: https://docs.wagtail.org/en/stable/extending/adding_reports.html

Every report reads only the courses of ``scope.reportable_courses``; the numbers are defined
in ``insights.metrics``.
"""

from __future__ import annotations

import csv
from collections import OrderedDict, defaultdict
from datetime import date, datetime, timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext, pgettext_lazy
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views.mixins import Echo
from wagtail.admin.views.reports import ReportView

from courses.models import Certificate, Enrolment
from courses.names import person_name
from courses.progress import course_lessons
from courses.views.enrolment_admin import enrollable_groups
from elearn.converters import database_id

from .. import charts, metrics
from ..filters import (
    CertificateFilterSet,
    EnrolmentFilterSet,
    GroupComparisonFilterSet,
    OneCourseFilterSet,
)
from ..scope import check_reports, reportable_courses
from ..spreadsheets import CSV_START, as_text_cell, write_xlsx

STATE_LABELS = {
    "done": gettext_lazy("Done"),
    "in_progress": pgettext_lazy("learning", "In progress"),
    "not_started": gettext_lazy("Not started"),
}


def local(value):
    """A datetime as the reader's wall clock, to the second, naive (Excel has no zones)."""
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(tzinfo=None, microsecond=0)
    return value


def progress_text(row) -> str:
    """ "50% (1/2)"; a member who completed the course before a required lesson was added
    stays complete, and the cell says why it counts fewer lessons done."""
    if row.enrolment.completed_at is not None and row.done < row.required:
        return _("100%% (completed; %(done)s/%(required)s of today’s lessons)") % {
            "done": row.done,
            "required": row.required,
        }
    return f"{row.percent}% ({row.done}/{row.required})"


def percent(value: float | None) -> str:
    """A 0–1 share as "42%", or empty when there is none."""
    return "" if value is None else f"{round(value * 100)}%"


class ExportColumn:
    """A column of a report's CSV/XLSX download: its heading and how to read it off a row."""

    def __init__(self, key: str, heading, getter):
        self.key, self.heading, self.getter = key, heading, getter


class InsightsReport(ReportView):
    """What every report here shares: the scope check, export columns built per request
    (a course's lessons are columns), and charts above the table."""

    results_template_name = "insights/admin/report_results.html"
    filterset_class = EnrolmentFilterSet
    paginate_by = 50
    intro = ""
    # A report about one course at a time has no "all my courses" to fall back to: a filter
    # error would leave it showing another course, which could be taken for the one asked.
    one_course = False

    def dispatch(self, request, *args, **kwargs):
        check_reports(request.user)
        return super().dispatch(request, *args, **kwargs)

    # Scope ------------------------------------------------------------------------------

    @cached_property
    def courses(self):
        return reportable_courses(self.request.user)

    def chosen(self, name: str):
        """A filter's value once the filter form is valid, else None."""
        if self.filters is not None and self.filters.is_valid():
            return self.filters.form.cleaned_data.get(name)
        return None

    def scoped_enrolments(self):
        """Enrolments in the person's courses, narrowed by the filters."""
        enrolments = Enrolment.objects.filter(course__in=self.courses)
        return self.filter_queryset(enrolments)

    def chosen_courses(self) -> list:
        course = self.chosen("course")
        return [course] if course is not None else list(self.courses)

    def refuses_asked_course(self) -> bool:
        """Whether the course in the query string is one whose reports the person may not
        read: any id that is not one of their courses, whether a course has it or not (the
        answer must not tell a trainer which ids are other people's courses); for a
        one-course report, malformed ones too. A reports page of all courses leaves a
        malformed id to its filter, which says so above the report."""
        asked = self.request.GET.get("course")
        if not asked:
            return False
        pk = database_id(asked)
        if pk is None and not self.one_course:
            return False
        return not self.courses.filter(pk=pk).exists()

    def refuse_asked_course(self):
        """Refuse with a message, never answering with a report (or, for a one-course report,
        another course's report) that could be taken for the course asked for."""
        if self.request.headers.get("x-requested-with") == "XMLHttpRequest":
            raise PermissionDenied
        messages.error(
            self.request,
            _(
                "You can’t see the reports of that course: only its trainers and the "
                "administrators can, and the course may no longer exist."
            ),
        )
        return redirect("wagtailadmin_home")

    # Export -----------------------------------------------------------------------------

    def get_export_columns(self) -> list[ExportColumn]:
        raise NotImplementedError

    @cached_property
    def export_columns(self) -> list[ExportColumn]:
        return self.get_export_columns()

    @cached_property
    def list_export(self):
        return [column.key for column in self.export_columns]

    def get_heading(self, queryset, field):
        return str(next(c.heading for c in self.export_columns if c.key == field))

    def to_row_dict(self, item):
        return OrderedDict((c.key, local(c.getter(item))) for c in self.export_columns)

    def stream_csv(self, queryset):
        # Wagtail's writer looks up a conversion for every cell; the values here are plain
        # already (text, numbers, naive datetimes), so rows go straight to the csv module:
        # a third of a large export's time.
        writer = csv.writer(Echo())
        yield CSV_START  # Excel then reads Chinese text as such (insights.spreadsheets)
        yield writer.writerow(
            [as_text_cell(self.get_heading(queryset, key)) for key in self.list_export]
        )
        for item in queryset:
            yield writer.writerow(
                [
                    "" if value is None else as_text_cell(value)
                    for value in self.to_row_dict(item).values()
                ]
            )

    def write_xlsx(self, queryset, output):
        write_xlsx(
            output,
            str(self.page_title),
            [self.get_heading(queryset, key) for key in self.list_export],
            (self.to_row_dict(item).values() for item in queryset),
        )

    def export_rows(self):
        """What the download holds: every row, not one page of them."""
        return self.decorate_paginated_queryset(self.get_filtered_queryset())

    def get(self, request, *args, **kwargs):
        if self.refuses_asked_course():
            return self.refuse_asked_course()
        # A download skips the listing's context (which would count and hold every row)
        # and writes straight from the rows, so a CSV streams in constant memory.
        if self.is_export:
            return self.as_spreadsheet(self.export_rows(), request.GET.get("export"))
        self.object_list = self.get_filtered_queryset()
        return self.render_to_response(self.get_context_data())

    def get_table(self, object_list):
        # ReportView decorates the page of rows after the table is made; the rows here are
        # built from the page (a member's cells, a course's figures), so decorate first.
        return super().get_table(self.decorate_paginated_queryset(object_list))

    def get_filename(self):
        """The download's name: the course's slug when the report is about one, what the
        report is, the day ("digital-office-progress-2026-11-27")."""
        course = self.filename_course()
        named = f"{course.slug}-{self.export_filename}" if course else self.export_filename
        return f"{named}-{timezone.localdate():%Y-%m-%d}"

    def filename_course(self):
        return self.chosen("course")

    def write_csv_response(self, queryset):
        # Wagtail writes filename="…" as it is: a Chinese course slug then reaches the browser
        # MIME-encoded, which no browser reads as a file name ("download.csv"). RFC 6266's
        # filename* carries it, as Django's FileResponse does for the XLSX.
        response = super().write_csv_response(queryset)
        response["Content-Disposition"] = content_disposition_header(
            True, f"{self.get_filename()}.csv"
        )
        return response

    # Charts -----------------------------------------------------------------------------

    def get_charts(self) -> list[dict]:
        return []

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        context["charts"] = self.get_charts()
        context["report_intro"] = self.intro
        return context


# Course progress: members × lessons ------------------------------------------------------


class MemberColumn(Column):
    """The member's name, with their username under it: names are not unique."""

    cell_template_name = "insights/admin/member_cell.html"


class LessonColumn(Column):
    """One lesson of the progress matrix: the member's state, and how much they watched."""

    cell_template_name = "insights/admin/lesson_cell.html"
    header_template_name = "insights/admin/lesson_header.html"

    def __init__(self, lesson, position: int):
        super().__init__(
            f"lesson_{lesson.pk}",
            label=str(position),
            accessor=lambda row: row.cells.get(lesson.pk, metrics.NOT_STARTED),
            classname="insights-lesson",
        )
        self.lesson = lesson


class CourseProgressReport(InsightsReport):
    """Each member of one course down the side, its lessons across: state, share done, video
    watched, last activity."""

    page_title = gettext_lazy("Course progress")
    header_icon = "tasks"
    index_url_name = "insights_course_progress"
    index_results_url_name = "insights_course_progress_results"
    filterset_class = OneCourseFilterSet
    one_course = True
    export_filename = "progress"
    default_ordering = "member"
    table_classname = "listing insights-matrix"
    state_key = True  # the legend explains the matrix's cells
    orderings = {
        "member": ("user__last_name", "user__first_name", "user__username", "pk"),
        "enrolled": ("created_at", "pk"),
        "completed": ("completed_at", "pk"),
    }

    def get_filterset_kwargs(self):
        kwargs = super().get_filterset_kwargs()
        if not self.request.GET.get("course") and self.courses.exists():
            data = self.request.GET.copy()
            data["course"] = str(self.courses.first().pk)
            kwargs["data"] = data
        return kwargs

    @cached_property
    def course(self):
        course = self.chosen("course") or self.courses.first()
        if course is None:
            raise Http404
        return course

    @cached_property
    def lessons(self):
        return course_lessons(self.course)

    @cached_property
    def groups(self):
        return enrollable_groups()

    def get_base_queryset(self):
        return metrics.active(Enrolment.objects.filter(course=self.course)).select_related("user")

    def get_queryset(self):
        # The filters first: a group filter joins the member's groups, and ordering by a
        # column of that join would repeat rows.
        return self.order_queryset(self.filter_queryset(self.get_base_queryset()))

    def get_valid_orderings(self):
        return [key for name in self.orderings for key in (name, f"-{name}")]

    def order_queryset(self, queryset):
        key = self.ordering or self.default_ordering
        fields = self.orderings[key.lstrip("-")]
        if key.startswith("-"):
            fields = [f"-{name}" for name in fields]
        return queryset.order_by(*fields)

    def decorate_paginated_queryset(self, object_list):
        if self.is_export:
            return metrics.stream_member_progress(self.course, object_list, self.groups)
        enrolments = list(object_list)
        names = metrics.group_names([e.user_id for e in enrolments], self.groups)
        return metrics.member_progress(self.course, enrolments, names)

    def get_page_subtitle(self):
        return self.course.title

    @cached_property
    def columns(self):
        return [
            MemberColumn(
                "member",
                label=_("Member"),
                accessor=lambda row: {
                    "name": person_name(row.user),
                    "username": row.user.get_username(),
                },
                sort_key="member",
            ),
            Column("groups", label=_("Groups")),
            DateColumn(
                "enrolled",
                label=_("Enrolled"),
                accessor="enrolment.created_at",
                sort_key="enrolled",
            ),
            Column(
                "progress",
                label=_("Progress"),
                accessor=progress_text,
            ),
            DateColumn(
                "completed",
                label=_("Completed"),
                accessor="enrolment.completed_at",
                sort_key="completed",
            ),
            DateColumn("last_activity", label=_("Last activity")),
            *[LessonColumn(lesson, n) for n, lesson in enumerate(self.lessons, start=1)],
        ]

    def get_export_columns(self):
        columns = [
            ExportColumn("member", _("Member"), lambda row: person_name(row.user)),
            ExportColumn("username", _("Username"), lambda row: row.user.get_username()),
            ExportColumn("email", _("Email"), lambda row: row.user.email),
            ExportColumn("groups", _("Groups"), lambda row: row.groups),
            ExportColumn("enrolled", _("Enrolled"), lambda row: row.enrolment.created_at),
            ExportColumn("percent", _("Progress (%)"), lambda row: row.percent),
            ExportColumn("done", _("Required lessons done"), lambda row: row.done),
            ExportColumn("required", _("Required lessons"), lambda row: row.required),
            ExportColumn("completed", _("Completed"), lambda row: row.enrolment.completed_at),
            ExportColumn("last_activity", _("Last activity"), lambda row: row.last_activity),
        ]
        # Translated once for the whole download, not once a cell.
        states = {key: str(label) for key, label in STATE_LABELS.items()}
        for n, lesson in enumerate(self.lessons, start=1):
            name = f"{n}. {lesson.title}"

            def cell(row, pk=lesson.pk):
                return row.cells.get(pk, metrics.NOT_STARTED)

            columns += [
                ExportColumn(
                    f"state_{lesson.pk}",
                    _("%(lesson)s: state") % {"lesson": name},
                    lambda row, cell=cell: states[cell(row).state],
                ),
                ExportColumn(
                    f"percent_{lesson.pk}",
                    _("%(lesson)s: %%") % {"lesson": name},
                    lambda row, cell=cell: cell(row).percent,
                ),
            ]
            if metrics.has_video(lesson):
                columns.append(
                    ExportColumn(
                        f"video_{lesson.pk}",
                        _("%(lesson)s: video watched (%%)") % {"lesson": name},
                        lambda row, cell=cell: cell(row).video_percent or 0,
                    )
                )
        return columns

    def filename_course(self):
        return self.course

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        context["lessons"] = [
            {
                "position": n,
                "title": lesson.title,
                "optional": lesson.optional,
                "retention_url": reverse("insights_retention", args=[lesson.pk])
                if metrics.has_video(lesson)
                else "",
            }
            for n, lesson in enumerate(self.lessons, start=1)
        ]
        context["state_key"] = self.state_key
        return context


# Course summary -------------------------------------------------------------------------


class CourseRow:
    """A course and its summary figures (a row of the summary report)."""

    def __init__(self, course, summary: metrics.Summary):
        self.course, self.summary = course, summary

    @property
    def title(self):
        return self.course.title


def summary_columns(first: ExportColumn) -> list[ExportColumn]:
    return [
        first,
        ExportColumn("enrolled", _("Enrolled"), lambda row: row.summary.enrolled),
        ExportColumn("not_started", _("Not started"), lambda row: row.summary.not_started),
        ExportColumn(
            "in_progress", pgettext("learning", "In progress"), lambda row: row.summary.in_progress
        ),
        ExportColumn("completed", _("Completed the course"), lambda row: row.summary.completed),
        ExportColumn(
            "completion_rate",
            _("Completion rate (%)"),
            lambda row: row.summary.completion_percent,
        ),
        ExportColumn(
            "median_days", _("Median days to complete"), lambda row: row.summary.median_days
        ),
        ExportColumn(
            "mean_progress", _("Average progress (%)"), lambda row: row.summary.progress_percent
        ),
    ]


def summary_table_columns(first: Column) -> list[Column]:
    return [
        first,
        Column("enrolled", label=_("Enrolled"), accessor="summary.enrolled"),
        Column("not_started", label=_("Not started"), accessor="summary.not_started"),
        Column(
            "in_progress", label=pgettext("learning", "In progress"), accessor="summary.in_progress"
        ),
        Column("completed", label=_("Completed the course"), accessor="summary.completed"),
        Column(
            "completion_rate",
            label=_("Completion rate"),
            accessor=lambda row: percent(row.summary.completion_rate),
        ),
        Column(
            "median_days",
            label=_("Median days to complete"),
            accessor=lambda row: "" if row.summary.median_days is None else row.summary.median_days,
        ),
        Column(
            "mean_progress",
            label=_("Average progress"),
            accessor=lambda row: percent(row.summary.mean_progress),
        ),
    ]


class CourseSummaryReport(InsightsReport):
    """One row per course: enrolled, in progress, completed, completion rate, median days."""

    page_title = gettext_lazy("Course summary")
    header_icon = "list-ul"
    index_url_name = "insights_course_summary"
    index_results_url_name = "insights_course_summary_results"
    export_filename = "course-summary"
    paginate_by = None

    def get_filtered_queryset(self):
        return self.rows

    @cached_property
    def rows(self):
        facts = defaultdict(list)
        for fact in metrics.enrolment_facts(self.scoped_enrolments()):
            facts[fact.course_id].append(fact)
        return [
            CourseRow(course, metrics.summarise(facts.get(course.pk, [])))
            for course in self.chosen_courses()
        ]

    @cached_property
    def columns(self):
        return summary_table_columns(Column("title", label=_("Course")))

    def get_export_columns(self):
        return summary_columns(ExportColumn("course", _("Course"), lambda row: row.title))

    def activity_window(self) -> tuple[date, date]:
        """The weeks the enrolment date filter spans, else the last twelve."""
        chosen = self.chosen("enrolled")
        today = timezone.localdate()
        end = min(today, chosen.stop.date()) if chosen and chosen.stop else today
        start = chosen.start.date() if chosen and chosen.start else end - timedelta(weeks=11)
        return start, end

    def get_charts(self):
        start, end = self.activity_window()
        grouped = self.chosen("group") is not None
        activity = metrics.activity(
            self.chosen_courses(), self.scoped_enrolments(), start, end, with_views=not grouped
        )
        names = {
            "enrolments": _("New enrolments"),
            "completed": _("Lessons completed"),
            "views": _("Lesson page views"),
        }
        labels = [f"{week:%m-%d}" for week in activity.weeks]
        series = [charts.Series(names[key], values) for key, values in activity.series.items()]
        title = _("Activity per week")
        return [
            {
                "title": title,
                "svg": charts.line_chart(labels, series, title=title),
                "caption": _(
                    "Weeks start on Monday. Page views count every visit to a lesson page, "
                    "members' and trainers' alike, and are left out when a group is chosen."
                ),
                "headers": [_("Week of"), *[s.name for s in series]],
                "rows": [[label, *[s.values[i] for s in series]] for i, label in enumerate(labels)],
            }
        ]


# Groups compared ------------------------------------------------------------------------


class GroupRow(CourseRow):
    def __init__(self, name: str, summary: metrics.Summary):
        self.name, self.summary = name, summary


class GroupComparisonReport(InsightsReport):
    """Branches side by side: the same figures as the course summary, one row per group
    (a member in two groups counts in both), and members in no group."""

    page_title = gettext_lazy("Groups compared")
    header_icon = "group"
    index_url_name = "insights_groups"
    index_results_url_name = "insights_groups_results"
    filterset_class = GroupComparisonFilterSet
    export_filename = "groups-compared"
    paginate_by = None

    def get_filtered_queryset(self):
        return self.rows

    @cached_property
    def rows(self):
        facts = metrics.enrolment_facts(self.scoped_enrolments())
        groups = list(enrollable_groups().order_by("name"))
        membership = metrics.group_names({fact.user_id for fact in facts}, groups)
        rows = [
            GroupRow(
                group.name,
                metrics.summarise(f for f in facts if group.name in membership.get(f.user_id, ())),
            )
            for group in groups
        ]
        rows.append(
            GroupRow(
                _("In no group"),
                metrics.summarise(f for f in facts if not membership.get(f.user_id)),
            )
        )
        return rows

    @cached_property
    def columns(self):
        return summary_table_columns(Column("name", label=_("Group")))

    def get_export_columns(self):
        return summary_columns(ExportColumn("group", _("Group"), lambda row: row.name))

    def get_charts(self):
        rows = self.rows
        title = _("Completion rate by group")
        bars = [
            charts.Bar(
                row.name,
                (row.summary.completion_rate or 0) * 100,
                f"{percent(row.summary.completion_rate) or '—'} "
                f"({row.summary.completed}/{row.summary.enrolled})",
            )
            for row in rows
        ]
        return [{"title": title, "svg": charts.bar_chart(bars, title=title)}]


# Lesson drop-off ------------------------------------------------------------------------


class LessonDropOffReport(CourseProgressReport):
    """A course's lessons in order: how many members started and completed each, and where
    those who have not finished stopped; with the completion funnel."""

    page_title = gettext_lazy("Lesson drop-off")
    header_icon = "order-down"
    index_url_name = "insights_drop_off"
    index_results_url_name = "insights_drop_off_results"
    export_filename = "lesson-drop-off"
    table_classname = None
    state_key = False
    paginate_by = None
    intro = gettext_lazy(
        "A member who started the course and has not completed it stops at the first "
        "required lesson they have not completed."
    )

    @cached_property
    def drop_off(self) -> metrics.DropOff:
        return metrics.drop_off(self.course, self.filter_queryset(self.get_base_queryset()))

    def get_filtered_queryset(self):
        return self.drop_off.lessons

    def decorate_paginated_queryset(self, object_list):
        return object_list

    @cached_property
    def columns(self):
        return [
            Column("position", label="#"),
            Column(
                "title",
                label=_("Lesson"),
                accessor=lambda row: (
                    row.lesson.title + (f" ({_('optional')})" if row.optional else "")
                ),
            ),
            Column("started", label=_("Started")),
            Column("completed", label=_("Completed the lesson")),
            Column(
                "completed_percent",
                label=_("Completed the lesson (%)"),
                accessor=lambda row: (
                    "" if row.completed_percent is None else f"{row.completed_percent}%"
                ),
            ),
            Column("stopped_here", label=_("Stopped here")),
        ]

    def get_export_columns(self):
        return [
            ExportColumn("position", "#", lambda row: row.position),
            ExportColumn("lesson", _("Lesson"), lambda row: row.lesson.title),
            ExportColumn(
                "optional", _("Optional"), lambda row: _("yes") if row.optional else _("no")
            ),
            ExportColumn("started", _("Started"), lambda row: row.started),
            ExportColumn("completed", _("Completed the lesson"), lambda row: row.completed),
            ExportColumn(
                "completed_percent",
                _("Completed the lesson (%)"),
                lambda row: row.completed_percent,
            ),
            ExportColumn("stopped_here", _("Stopped here"), lambda row: row.stopped_here),
        ]

    def get_charts(self):
        figures = self.drop_off
        bars = [
            charts.Bar(_("Enrolled"), figures.enrolled),
            charts.Bar(_("Started"), figures.started),
        ]
        for row in figures.lessons:
            if not row.optional:
                bars.append(
                    charts.Bar(
                        _("%(n)s. %(lesson)s completed")
                        % {"n": row.position, "lesson": row.lesson.title},
                        row.completed,
                    )
                )
        bars.append(charts.Bar(_("Completed the course"), figures.completed))
        title = _("Completion funnel: %(course)s") % {"course": self.course.title}
        return [
            {
                "title": title,
                "svg": charts.bar_chart(bars, title=title),
                "caption": ngettext(
                    "%(n)s enrolled member has not started yet.",
                    "%(n)s enrolled members have not started yet.",
                    figures.enrolled - figures.started,
                )
                % {"n": figures.enrolled - figures.started},
            }
        ]


# Certificates -----------------------------------------------------------------------------


class CertificatesReport(InsightsReport):
    """Certificates issued, newest first, with their codes."""

    page_title = gettext_lazy("Certificates issued")
    header_icon = "success"
    index_url_name = "insights_certificates"
    index_results_url_name = "insights_certificates_results"
    filterset_class = CertificateFilterSet
    export_filename = "certificates"
    model = Certificate

    def get_base_queryset(self):
        return Certificate.objects.filter(enrolment__course__in=self.courses).select_related(
            "enrolment__user", "enrolment__course"
        )

    def get_queryset(self):
        return self.filter_queryset(self.get_base_queryset()).order_by("-issued_at", "-pk")

    columns = [
        Column("code", label=pgettext_lazy("certificate", "Code")),
        Column("member_name", label=gettext_lazy("Member")),
        Column("course_title", label=gettext_lazy("Course")),
        DateColumn("issued_at", label=gettext_lazy("Issued")),
        DateColumn("revoked_at", label=pgettext_lazy("certificate", "Revoked")),
    ]

    def get_export_columns(self):
        return [
            ExportColumn("code", pgettext("certificate", "Code"), lambda c: c.code),
            ExportColumn("member", _("Member"), lambda c: c.member_name),
            ExportColumn("email", _("Email"), lambda c: c.enrolment.user.email),
            ExportColumn("course", _("Course"), lambda c: c.course_title),
            ExportColumn("issued", _("Issued"), lambda c: c.issued_at),
            ExportColumn("revoked", pgettext("certificate", "Revoked"), lambda c: c.revoked_at),
            ExportColumn("trainers", _("Trainers"), lambda c: c.trainer_names),
            ExportColumn("organisation", _("Organisation"), lambda c: c.organisation),
        ]

    def export_rows(self):
        return self.get_filtered_queryset().iterator(chunk_size=metrics.BATCH)
