"""The filters above the reports: course, group (branch) and dates.

Choices come from the person's own courses, but the reports never trust them alone: every
report starts from ``scope.reportable_courses`` and filters within it.
"""

import django_filters
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet

from courses.models import Certificate, Enrolment
from courses.views.enrolment_admin import enrollable_groups
from elearn.converters import database_id

from .scope import reportable_courses


def _courses(request):
    return reportable_courses(request.user)


def _groups(request):
    return enrollable_groups().order_by("name")


class IdChoiceField(django_filters.fields.ModelChoiceField):
    """A course or group chosen by id, refusing ids no row can have before the database is
    asked (SQLite's driver raises OverflowError for ?course=<a huge number>)."""

    def to_python(self, value):
        if value not in self.empty_values and database_id(str(value)) is None:
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        return super().to_python(value)


class IdChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = IdChoiceField


def course_filter(**kwargs):
    return IdChoiceFilter(label=_("Course"), queryset=_courses, **kwargs)


def group_filter(field_name: str):
    return IdChoiceFilter(
        label=_("Group"), field_name=field_name, queryset=_groups, empty_label=_("Everyone")
    )


def enrolled_filter():
    return django_filters.DateFromToRangeFilter(
        label=_("Enrolled"), field_name="created_at", widget=DateRangePickerWidget
    )


class EnrolmentFilterSet(WagtailFilterSet):
    """Course (or all of one's courses), group, and when members enrolled."""

    course = course_filter(empty_label=_("All my courses"))
    group = group_filter("user__groups")
    enrolled = enrolled_filter()

    class Meta:
        model = Enrolment
        fields = []


class OneCourseFilterSet(EnrolmentFilterSet):
    """As above, for reports about one course at a time (the first is chosen at first)."""

    course = course_filter(empty_label=None)


class GroupComparisonFilterSet(WagtailFilterSet):
    """Groups are the rows of this report, so they are not a filter."""

    course = course_filter(empty_label=_("All my courses"))
    enrolled = enrolled_filter()

    class Meta:
        model = Enrolment
        fields = []


class CertificateFilterSet(WagtailFilterSet):
    course = IdChoiceFilter(
        label=_("Course"),
        field_name="enrolment__course",
        queryset=_courses,
        empty_label=_("All my courses"),
    )
    group = group_filter("enrolment__user__groups")
    issued = django_filters.DateFromToRangeFilter(
        label=_("Issued"), field_name="issued_at", widget=DateRangePickerWidget
    )

    class Meta:
        model = Certificate
        fields = []
