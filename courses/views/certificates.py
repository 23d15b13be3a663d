"""Certificates: the public verification page (anyone with the code) and the PDF download
(the member it was issued to, the course's trainers and admins)."""

from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_safe

from ..certificates import certificate_filename, certificate_pdf
from ..models import Certificate
from ..models.certificates import normalise_code
from ..permissions import is_course_staff


def _find(code: str) -> Certificate | None:
    return (
        Certificate.objects.select_related("enrolment__user", "enrolment__course")
        .filter(code=normalise_code(code))
        .first()
    )


@require_safe
def lookup(request):
    """A form to type a code from a printed certificate; a known code goes to its page."""
    code = request.GET.get("code", "").strip()[:40]
    if code:
        certificate = _find(code)
        if certificate is not None:
            return redirect("certificate", certificate.code)
    return TemplateResponse(
        request,
        "courses/certificate_lookup.html",
        {"code": code, "not_found": bool(code)},
        status=404 if code else 200,
    )


@require_safe
def verify(request, code: str):
    """Whether a certificate with this code was issued, and to whom for what."""
    certificate = _find(code)
    if certificate is None:
        return TemplateResponse(
            request,
            "courses/certificate_lookup.html",
            {"code": code[:40], "not_found": True},
            status=404,
        )
    if certificate.code != code:
        return redirect("certificate", certificate.code)
    user = request.user
    return TemplateResponse(
        request,
        "courses/certificate.html",
        {
            "certificate": certificate,
            "can_download": not certificate.is_revoked
            and user.is_authenticated
            and (
                certificate.enrolment.user_id == user.pk
                or is_course_staff(user, certificate.enrolment.course)
            ),
        },
    )


@require_safe
def download(request, code: str):
    """The certificate PDF, in the reader's language."""
    certificate = _find(code)
    user = request.user
    if (
        certificate is None
        or certificate.is_revoked
        or not (
            user.is_authenticated
            and (
                certificate.enrolment.user_id == user.pk
                or is_course_staff(user, certificate.enrolment.course)
            )
        )
    ):
        raise Http404  # the public page says whether a code is real; the file is private
    response = HttpResponse(certificate_pdf(certificate), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{certificate_filename(certificate)}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
