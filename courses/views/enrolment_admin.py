"""Admin views for a course's members: requests to approve, who is enrolled, enrol a person
or a whole group, and bulk enrolment from a CSV file (all rows or none)."""

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from elearn.converters import database_id

from ..enrolment_csv import CsvProblem, file_notices, import_enrolments
from ..enrolments import (
    EnrolmentRefused,
    awaits_password,
    decide,
    enrol,
    enrol_group,
    places_left,
    queue_invitation,
    withdraw,
)
from ..models import CoursePage, Enrolment
from ..names import join_names, person_name
from ..roles import ADMINS, CONTRIBUTOR_GROUP_PREFIX, CONTRIBUTORS, MEMBERS, REVIEWERS, TRAINERS

ROLE_GROUPS = [ADMINS, MEMBERS, TRAINERS, CONTRIBUTORS, REVIEWERS]


def editable_course(request, page_id: int) -> CoursePage:
    course = get_object_or_404(CoursePage, pk=page_id)
    if not course.permissions_for_user(request.user).can_edit():
        raise PermissionDenied
    return course


# The CSV form's options, as the form first shows them.
CSV_OPTIONS = {"create_accounts": False, "invite": True, "dry_run": False}
MEMBERS_PER_PAGE = 50


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


def _already_decided(request, enrolment) -> None:
    """Tell the person a request was decided before their click (by them in another tab, or
    by another admin), and how."""
    messages.warning(
        request,
        _("%(name)s’s request was already decided: %(status)s.")
        % {"name": person_name(enrolment.user), "status": enrolment.get_status_display()},
    )


def back_url(request, course) -> str:
    """Where an action returns to: the page it was started from (the join requests page
    sends ``next``), else the course's members. Only addresses on this site are followed."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("courses_course_enrolments", args=[course.pk])


def _not_listed(request) -> None:
    messages.error(
        request,
        _("That member or request is not in this course’s list any more. Here is the list now."),
    )


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
    # A society's course has hundreds of members: they are found by name and paged.
    query = request.GET.get("q", "").replace("\x00", "").strip()[:100]
    members = enrolments.filter(status=Enrolment.Status.ACTIVE)
    if query:
        members = members.filter(
            Q(user__username__icontains=query)
            | Q(user__email__icontains=query)
            | Q(user__first_name__icontains=query)
            | Q(user__last_name__icontains=query)
        )
    page_obj = Paginator(members, MEMBERS_PER_PAGE).get_page(request.GET.get("p"))
    return TemplateResponse(
        request,
        "courses/admin/course_enrolments.html",
        {
            "course": course,
            # Requests first come, first served, as on the join requests page.
            "pending": enrolments.filter(status=Enrolment.Status.PENDING).order_by(
                "created_at", "pk"
            ),
            "active": page_obj,
            "active_count": enrolments.filter(status=Enrolment.Status.ACTIVE).count(),
            "query": query,
            "former": enrolments.filter(
                status__in=[Enrolment.Status.DECLINED, Enrolment.Status.WITHDRAWN]
            ),
            "places_left": places_left(course),
            # Only active accounts are enrolled: the count says how many a group enrols.
            "groups": enrollable_groups()
            .annotate(size=Count("user", filter=Q(user__is_active=True)))
            .order_by("name"),
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
    back = redirect(back_url(request, course))
    if action in ("approve", "decline", "remove"):
        pk = database_id(request.POST.get("enrolment", "").strip())
        enrolment = course.enrolments.select_related("user").filter(pk=pk).first() if pk else None
        if enrolment is None:
            _not_listed(request)
            return back, None
        if action in CONFIRM:
            # Removing and declining are asked about first (a form from an older page lands
            # here): nothing is changed by this request.
            confirm = reverse(f"courses_enrolment_{action}", args=[course.pk, enrolment.pk])
            nxt = request.POST.get("next")
            return redirect(confirm + (f"?{urlencode({'next': nxt})}" if nxt else "")), None
        if enrolment.status != Enrolment.Status.PENDING:
            _already_decided(request, enrolment)
            return back, None
        try:
            decided = decide(enrolment, approve=True, by=request.user)
        except EnrolmentRefused as refused:
            messages.error(request, refused.message)
            return back, None
        if decided.status != Enrolment.Status.ACTIVE:  # another admin declined it meanwhile
            _already_decided(request, decided)
            return back, None
        messages.success(
            request, _("%(name)s is enrolled.") % {"name": person_name(enrolment.user)}
        )
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
        if course.trainers.filter(pk=user.pk).exists():
            # Allowed (a trainer may take their own course to try it), but rarely meant.
            messages.warning(
                request,
                _(
                    "%(name)s trains this course: as an enrolled member, their progress now "
                    "counts in its reports. Remove them from the members if that was not meant."
                )
                % {"name": person_name(user)},
            )
        return back, None
    if action == "enrol_group":
        pk = database_id(request.POST.get("group", "").strip())
        group = enrollable_groups().filter(pk=pk).first() if pk else None
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
                invite=bool(request.POST.get("invite")),
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
        messages.success(
            request,
            _("Enrolled: %(enrolled)s (new accounts: %(created)s). Already enrolled: %(already)s.")
            % {
                "enrolled": report.count("enrolled") + report.count("created"),
                "created": report.count("created"),
                "already": report.count("already"),
            },
        )
        if created and request.POST.get("invite"):
            # Sent by a background task: say so, and where to see who has not accepted.
            messages.info(
                request,
                ngettext(
                    "The invitation to the new account is being emailed. Until its member "
                    "chooses a password, the list below shows “Invitation not accepted”.",
                    "The invitations to the %(count)s new accounts are being emailed. Until "
                    "each member chooses a password, the list below shows “Invitation not "
                    "accepted”.",
                    len(created),
                )
                % {"count": len(created)},
            )
        return back, None
    if action == "invite_again":
        return _invite_again(request, course, back), None
    messages.error(request, _("Unknown action."))
    return back, None


def _invite_again(request, course, back):
    """Queue a fresh invitation for a member of this course whose account still waits for
    its first password (the last one failed, expired or was lost)."""
    pk = database_id(request.POST.get("enrolment", "").strip())
    enrolment = (
        course.enrolments.active().select_related("user").filter(pk=pk).first() if pk else None
    )
    if enrolment is None:
        _not_listed(request)
        return back
    user = enrolment.user
    if not awaits_password(user):
        messages.info(
            request,
            _("%(name)s has chosen a password already: no invitation was sent.")
            % {"name": person_name(user)},
        )
        return back
    queue_invitation(user, course)
    messages.success(
        request,
        _("A new invitation is being emailed to %(name)s (%(email)s).")
        % {"name": person_name(user), "email": user.email},
    )
    return back


def _enrol_group(request, course, group, back):
    """Everyone in the group or nobody: a full course refuses the whole group. The message
    counts what changed, and names those left out because their request had been declined."""
    users = list(
        group.user_set.filter(is_active=True).order_by("last_name", "first_name", "username")
    )
    try:
        result = enrol_group(users, course, by=request.user)
    except EnrolmentRefused as refused:
        messages.error(
            request,
            _("Nobody from %(group)s was enrolled: %(reason)s")
            % {"group": group.name, "reason": refused.message},
        )
        return back
    enrolled, already = len(result.enrolled), len(result.already)
    if enrolled and already:
        messages.success(
            request,
            _("%(group)s: %(enrolled)s enrolled, %(already)s already enrolled.")
            % {"group": group.name, "enrolled": enrolled, "already": already},
        )
    elif enrolled:
        messages.success(
            request,
            ngettext(
                "%(count)s member of %(group)s is enrolled.",
                "%(count)s members of %(group)s are enrolled.",
                enrolled,
            )
            % {"count": enrolled, "group": group.name},
        )
    elif already and not result.declined:
        messages.info(
            request, _("Everyone in %(group)s is already enrolled.") % {"group": group.name}
        )
    elif already:
        messages.info(
            request,
            _("Nobody new from %(group)s was enrolled; %(already)s already enrolled.")
            % {"group": group.name, "already": already},
        )
    elif not users:
        messages.info(request, _("%(group)s has nobody in it to enrol.") % {"group": group.name})
    if result.declined:
        messages.warning(
            request,
            ngettext(
                "Not enrolled, as their request had been declined: %(names)s. "
                "To enrol them after all, use “Enrol a person”.",
                "Not enrolled, as their requests had been declined: %(names)s. "
                "To enrol them after all, use “Enrol a person”.",
                len(result.declined),
            )
            % {"names": join_names(person_name(user) for user in result.declined)},
        )
    return back


# Removing and declining are confirmed on a page of their own first, as Wagtail's admin asks
# before deleting: what each needs the enrolment to be, and the page's wording.
CONFIRM = {
    "remove": Enrolment.Status.ACTIVE,
    "decline": Enrolment.Status.PENDING,
}


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("Included in the email the member gets."),
    )


def confirm_enrolment_change(request, page_id: int, enrolment_id: int, action: str):
    """Ask before removing a member or declining a request; do it when the form is sent."""
    if action not in CONFIRM:
        raise Http404
    course = editable_course(request, page_id)
    back = back_url(request, course)
    enrolment = course.enrolments.select_related("user").filter(pk=enrolment_id).first()
    if enrolment is None:
        _not_listed(request)
        return redirect(back)
    name = person_name(enrolment.user)
    if enrolment.status != CONFIRM[action]:
        # Someone else decided meanwhile, or the member left: say so rather than act on it.
        messages.warning(
            request,
            _("Nothing was changed: %(name)s’s enrolment is now “%(status)s”.")
            % {"name": name, "status": enrolment.get_status_display()},
        )
        return redirect(back)
    form = DeclineForm(request.POST or None) if action == "decline" else None
    if request.method == "POST" and (form is None or form.is_valid()):
        if action == "remove":
            withdraw(enrolment.user, course)
            # Said as what the admin did: the member did not leave on their own.
            messages.success(request, _("%(name)s was removed from the course.") % {"name": name})
        else:
            reason = form.cleaned_data["reason"]
            decided = decide(enrolment, approve=False, by=request.user, reason=reason)
            if decided.status != Enrolment.Status.DECLINED:  # approved by another meanwhile
                _already_decided(request, decided)
            else:
                messages.success(request, _("%(name)s was declined.") % {"name": name})
        return redirect(back)
    return TemplateResponse(
        request,
        "courses/admin/enrolment_confirm.html",
        {
            "course": course,
            "enrolment": enrolment,
            "name": name,
            "action": action,
            "form": form,
            "back": back,
            "page_title": (
                _("Remove %(name)s from the course?")
                if action == "remove"
                else _("Decline %(name)s’s request?")
            )
            % {"name": name},
        },
    )


def _editable_only(user, enrolments) -> list:
    """The enrolments in courses ``user`` may edit (one permission check per course)."""
    editable = {}
    for enrolment in enrolments:
        if enrolment.course_id not in editable:
            editable[enrolment.course_id] = enrolment.course.permissions_for_user(user).can_edit()
    return [e for e in enrolments if editable[e.course_id]]


def _approve_chosen(request) -> None:
    """Approve the ticked requests, each as its own decision (the course may fill up, another
    admin may decide one first), then say in a few lines what became of them all."""
    ids = {pk for pk in map(database_id, request.POST.getlist("enrolment")) if pk}
    if not ids:
        messages.error(request, _("Tick the requests to approve, then approve them."))
        return
    chosen = _editable_only(
        request.user,
        Enrolment.objects.filter(pk__in=ids).select_related("user", "course").order_by("pk"),
    )
    approved, decided, full = [], [], {}
    for enrolment in chosen:
        if enrolment.status != Enrolment.Status.PENDING:
            decided.append(enrolment.user)
            continue
        try:
            outcome = decide(enrolment, approve=True, by=request.user)
        except EnrolmentRefused:
            full.setdefault(enrolment.course.title, []).append(enrolment.user)
            continue
        # decide() leaves alone a request another admin decided since the page was drawn.
        mine = (
            outcome.status == Enrolment.Status.ACTIVE and outcome.decided_by_id == request.user.pk
        )
        (approved if mine else decided).append(enrolment.user)
    if approved:
        messages.success(
            request,
            ngettext(
                "%(count)s request approved: %(names)s.",
                "%(count)s requests approved: %(names)s.",
                len(approved),
            )
            % {"count": len(approved), "names": join_names(map(person_name, approved))},
        )
    for course, users in full.items():
        messages.error(
            request,
            _("“%(course)s” is full; still waiting: %(names)s.")
            % {"course": course, "names": join_names(map(person_name, users))},
        )
    if decided:
        messages.warning(
            request,
            _("Already decided before, left as they were: %(names)s.")
            % {"names": join_names(map(person_name, decided))},
        )
    if len(chosen) < len(ids):
        messages.warning(
            request,
            ngettext(
                "%(count)s ticked request is no longer on the list.",
                "%(count)s ticked requests are no longer on the list.",
                len(ids) - len(chosen),
            )
            % {"count": len(ids) - len(chosen)},
        )


def enrolment_requests(request):
    """Requests waiting for a decision, in the courses this person may edit; a POST approves
    the ticked ones."""
    if not request.user.has_perm("wagtailadmin.access_admin"):
        raise PermissionDenied
    if request.method == "POST":
        _approve_chosen(request)
        return redirect("courses_enrolment_requests")
    pending = list(
        Enrolment.objects.pending()
        .select_related("user", "course")
        .order_by("created_at", "pk")  # first come, first served, as on a course's members
    )
    return TemplateResponse(
        request,
        "courses/admin/enrolment_requests.html",
        {
            "pending": _editable_only(request.user, pending),
            # The admin menu's name for this page, so people find what they clicked.
            "page_title": _("Join requests"),
        },
    )
