"""Admin views for a course's members: requests to approve, who is enrolled, enrol a person
or a whole group, and bulk enrolment from a CSV file (all rows or none)."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..enrolment_csv import CsvProblem, file_notices, import_enrolments
from ..enrolments import EnrolmentRefused, decide, enrol, invite, places_left, withdraw
from ..models import CoursePage, Enrolment
from ..names import person_name
from ..roles import ADMINS, CONTRIBUTOR_GROUP_PREFIX, CONTRIBUTORS, MEMBERS, REVIEWERS, TRAINERS

ROLE_GROUPS = [ADMINS, MEMBERS, TRAINERS, CONTRIBUTORS, REVIEWERS]


def editable_course(request, page_id: int) -> CoursePage:
    course = get_object_or_404(CoursePage, pk=page_id)
    if not course.permissions_for_user(request.user).can_edit():
        raise PermissionDenied
    return course


# The CSV form's options, as the form first shows them.
CSV_OPTIONS = {"create_accounts": False, "invite": True, "dry_run": False}


def enrollable_groups():
    """Groups that stand for people (branches, teams), not the roles or trainer groups.

    A group that grants any permission (Wagtail's own Editors and Moderators, a role an admin
    made) is a role too: it is offered neither for enrolment nor in the reports' filters."""
    return (
        Group.objects.exclude(name__in=ROLE_GROUPS)
        .exclude(name__startswith="Trainers of course ")
        .exclude(name__startswith=CONTRIBUTOR_GROUP_PREFIX)
        .filter(
            permissions__isnull=True,
            page_permissions__isnull=True,
            collection_permissions__isnull=True,
        )
    )


def _find_user(text: str):
    User = get_user_model()
    matches = list(User.objects.filter(Q(username=text) | Q(email__iexact=text))[:2])
    return matches[0] if len(matches) == 1 else None


def course_enrolments(request, page_id: int):
    """One course's members and requests, with every way to enrol people."""
    course = editable_course(request, page_id)
    csv_report = None
    if request.method == "POST":
        action = request.POST.get("action", "")
        response, csv_report = _act(request, course, action)
        if response is not None:
            return response
    enrolments = course.enrolments.select_related("user", "decided_by", "certificate").order_by(
        "user__last_name", "user__first_name", "user__username"
    )
    return TemplateResponse(
        request,
        "courses/admin/course_enrolments.html",
        {
            "course": course,
            "pending": [e for e in enrolments if e.status == Enrolment.Status.PENDING],
            "active": [e for e in enrolments if e.status == Enrolment.Status.ACTIVE],
            "former": [
                e
                for e in enrolments
                if e.status in (Enrolment.Status.DECLINED, Enrolment.Status.WITHDRAWN)
            ],
            "places_left": places_left(course),
            "groups": enrollable_groups().order_by("name"),
            "csv_report": csv_report,
            # After a file with problems (re-shown with its report) the options stay as chosen.
            "csv_options": (
                {name: bool(request.POST.get(name)) for name in CSV_OPTIONS}
                if csv_report is not None
                else CSV_OPTIONS
            ),
            "page_title": _("Members of %(course)s") % {"course": course.title},
        },
        status=400 if csv_report and csv_report.failed else 200,
    )


def _act(request, course, action):
    """Carry out one POSTed action; (redirect, None) when done, (None, report) to re-show."""
    back = redirect("courses_course_enrolments", course.pk)
    if action in ("approve", "decline", "remove"):
        enrolment = get_object_or_404(Enrolment, pk=request.POST.get("enrolment"), course=course)
        if action == "remove":
            withdraw(enrolment.user, course)
            # Said as what the admin did: the member did not leave on their own.
            messages.success(
                request,
                _("%(name)s was removed from the course.") % {"name": person_name(enrolment.user)},
            )
            return back, None
        try:
            decide(enrolment, approve=action == "approve", by=request.user)
        except EnrolmentRefused as refused:
            messages.error(request, refused.message)
            return back, None
        text = _("%(name)s is enrolled.") if action == "approve" else _("%(name)s was declined.")
        messages.success(request, text % {"name": person_name(enrolment.user)})
        return back, None
    if action == "enrol_user":
        who = request.POST.get("who", "").strip()
        if not who:
            messages.error(request, _("Enter a username or email address."))
            return back, None
        user = _find_user(who)
        if user is None:
            messages.error(
                request, _("No single account has the username or email “%(who)s”.") % {"who": who}
            )
            return back, None
        try:
            enrol(user, course, source=Enrolment.Source.ADMIN, by=request.user)
        except EnrolmentRefused as refused:
            messages.error(request, refused.message)
            return back, None
        messages.success(request, _("%(name)s is enrolled.") % {"name": person_name(user)})
        return back, None
    if action == "enrol_group":
        group = enrollable_groups().filter(pk=request.POST.get("group")).first()
        if group is None:
            messages.error(request, _("Choose a group."))
            return back, None
        return _enrol_group(request, course, group, back), None
    if action == "import_csv":
        upload = request.FILES.get("csv")
        if upload is None:
            messages.error(request, _("Choose a CSV file."))
            return back, None
        try:
            report, created = import_enrolments(
                upload.read(),
                course,
                by=request.user,
                create_accounts=bool(request.POST.get("create_accounts")),
                dry_run=bool(request.POST.get("dry_run")),
            )
        except CsvProblem as problem:
            messages.error(request, str(problem))
            return back, None
        for notice in file_notices(report):
            messages.warning(request, notice)
        if report.failed:
            messages.error(
                request,
                ngettext(
                    "Nothing was changed: %(n)s row of %(total)s has a problem (listed below).",
                    "Nothing was changed: %(n)s rows of %(total)s have a problem (listed below).",
                    len(report.failed),
                )
                % {"n": len(report.failed), "total": len(report.rows)},
            )
            return None, report
        if not report.applied:
            messages.info(request, _("Every row is fine. Nothing was changed (a trial run)."))
            return None, report
        if request.POST.get("invite"):
            for user in created:
                invite(user, course)
        messages.success(
            request,
            _("Enrolled: %(enrolled)s (new accounts: %(created)s). Already enrolled: %(already)s.")
            % {
                "enrolled": report.count("enrolled") + report.count("created"),
                "created": report.count("created"),
                "already": report.count("already"),
            },
        )
        return back, None
    messages.error(request, _("Unknown action."))
    return back, None


def _enrol_group(request, course, group, back):
    """Everyone in the group or nobody: a full course refuses the whole group."""
    users = list(group.user_set.filter(is_active=True))
    try:
        with transaction.atomic():
            for user in users:
                enrol(user, course, source=Enrolment.Source.GROUP, by=request.user)
    except EnrolmentRefused as refused:
        messages.error(
            request,
            _("Nobody from %(group)s was enrolled: %(reason)s")
            % {"group": group.name, "reason": refused.message},
        )
        return back
    messages.success(
        request,
        ngettext(
            "%(count)s member of %(group)s is enrolled.",
            "%(count)s members of %(group)s are enrolled.",
            len(users),
        )
        % {"count": len(users), "group": group.name},
    )
    return back


def enrolment_requests(request):
    """Requests waiting for a decision, in the courses this person may edit."""
    if not request.user.has_perm("wagtailadmin.access_admin"):
        raise PermissionDenied
    pending = list(
        Enrolment.objects.pending().select_related("user", "course").order_by("created_at")
    )
    editable = {}
    for enrolment in pending:
        if enrolment.course_id not in editable:
            editable[enrolment.course_id] = enrolment.course.permissions_for_user(
                request.user
            ).can_edit()
    return TemplateResponse(
        request,
        "courses/admin/enrolment_requests.html",
        {
            "pending": [e for e in pending if editable[e.course_id]],
            "page_title": _("Enrolment requests"),
        },
    )
