"""Admin: one member's certificate in a course: see what it says against what it would say
today, copy today's names onto it (reissue), revoke it with a reason, or undo the revoking."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..certificates import names_now, reissue_certificate, restore_certificate, revoke_certificate
from ..models import Certificate
from ..names import join_list, person_name
from .enrolment_admin import _not_listed, editable_course

# The certificate's fields a reissue copies again, with the labels the page shows them under.
FIELDS = {
    "member_name": gettext_lazy("Issued to"),
    "course_title": gettext_lazy("Course"),
    "trainer_names": gettext_lazy("Trainers"),
    "organisation": gettext_lazy("Issued by"),
}


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why is it revoked?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "For the course’s editors: the certificate’s public page says only that it was "
            "revoked, and when."
        ),
    )


def certificate_admin(request, page_id: int, enrolment_id: int):
    """GET: the certificate and what a reissue would change. POST ``action``: ``reissue``,
    ``revoke`` (with a reason) or ``restore``; then back to this page."""
    course = editable_course(request, page_id)
    certificate = (
        Certificate.objects.select_related("enrolment__user", "enrolment__course", "revoked_by")
        .filter(enrolment__course=course, enrolment_id=enrolment_id)
        .first()
    )
    members_url = reverse("courses_course_enrolments", args=[course.pk])
    if certificate is None:
        _not_listed(request)
        return redirect(members_url)
    action = request.POST.get("action") if request.method == "POST" else None
    form = RevokeForm(request.POST if action == "revoke" else None)
    if action == "reissue":
        changed = reissue_certificate(certificate)
        if changed:
            messages.success(
                request,
                _("Certificate %(code)s now says today’s %(fields)s.")
                % {
                    "code": certificate.code,
                    "fields": join_list(str(FIELDS[name]).lower() for name in changed),
                },
            )
        else:
            messages.info(request, _("Nothing to change: the certificate already says this."))
        return redirect(request.path)
    # A second click on an old page (revoked or restored meanwhile) changes nothing.
    out_of_date = (action == "revoke" and certificate.is_revoked) or (
        action == "restore" and not certificate.is_revoked
    )
    if out_of_date or action not in (None, "revoke", "restore"):
        messages.warning(request, _("Nothing was changed: the page was out of date."))
        return redirect(request.path)
    if action == "revoke" and form.is_valid():
        revoke_certificate(certificate, by=request.user, reason=form.cleaned_data["reason"])
        messages.success(
            request, _("Certificate %(code)s is revoked.") % {"code": certificate.code}
        )
        return redirect(request.path)
    if action == "restore":
        restore_certificate(certificate)
        messages.success(
            request, _("Certificate %(code)s is valid again.") % {"code": certificate.code}
        )
        return redirect(request.path)
    today = names_now(certificate.enrolment)
    rows = [
        {"label": label, "now": getattr(certificate, name), "today": today[name]}
        for name, label in FIELDS.items()
    ]
    return TemplateResponse(
        request,
        "courses/admin/certificate.html",
        {
            "course": course,
            "certificate": certificate,
            "member": person_name(certificate.enrolment.user),
            "revoked_by": person_name(certificate.revoked_by) if certificate.revoked_by else "",
            "rows": rows,
            "outdated": any(row["now"] != row["today"] for row in rows),
            "form": form,
            "members_url": members_url,
            "page_title": _("Certificate %(code)s") % {"code": certificate.code},
        },
        status=400 if form.is_bound and not form.is_valid() else 200,
    )
