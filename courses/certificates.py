"""Issuing certificates when a member completes a course, and printing them.

A certificate is issued once per enrolment (inside the transaction that completes the
course), emailed to the member by a background task queued after the commit
(``insights.notifications``), and drawn on request by the pure
``certificate_pdf`` core in the reader's language.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from wagtail.models import Site

from .addresses import absolute
from .certificate_pdf import CertificateText, render_certificate
from .models import Certificate, Enrolment, OrganisationSettings
from .names import join_names, person_name


def _organisation(course) -> str:
    site = course.get_site() or Site.objects.filter(is_default_site=True).first()
    return OrganisationSettings.for_site(site).name if site else ""


def names_now(enrolment: Enrolment) -> dict[str, str]:
    """What a certificate of this enrolment would say today: the member's and trainers'
    names, the course's title and the organisation, as the certificate's fields."""
    course = enrolment.course
    trainers = course.trainers.order_by("last_name", "first_name", "username")
    return {
        "member_name": person_name(enrolment.user),
        "course_title": course.title,
        "trainer_names": join_names(person_name(t) for t in trainers),
        "organisation": _organisation(course),
    }


def reissue_certificate(certificate: Certificate) -> list[str]:
    """Copy today's names and title onto the certificate (same code, same completion date);
    returns the fields that changed (none: nothing is written)."""
    changed = {
        name: value
        for name, value in names_now(certificate.enrolment).items()
        if getattr(certificate, name) != value
    }
    if changed:
        for name, value in changed.items():
            setattr(certificate, name, value)
        certificate.reissued_at = timezone.now()
        certificate.save(update_fields=[*changed, "reissued_at"])
    return list(changed)


def revoke_certificate(certificate: Certificate, *, by, reason: str) -> None:
    """Withdraw a certificate issued in error: its code stays known, and its page says it was
    revoked and when; the PDF can no longer be downloaded."""
    certificate.revoked_at = timezone.now()
    certificate.revoked_by = by
    certificate.revoked_reason = reason.strip()[:500]
    certificate.save(update_fields=["revoked_at", "revoked_by", "revoked_reason"])


def restore_certificate(certificate: Certificate) -> None:
    """Undo a revocation made by mistake."""
    certificate.revoked_at = None
    certificate.revoked_by = None
    certificate.revoked_reason = ""
    certificate.save(update_fields=["revoked_at", "revoked_by", "revoked_reason"])


def issue_certificate(enrolment: Enrolment) -> Certificate:
    """The enrolment's certificate, created now if it has none; the member gets an email once
    the surrounding transaction commits."""
    existing = Certificate.objects.filter(enrolment=enrolment).first()
    if existing:
        return existing
    for _attempt in range(3):  # a clash of random codes is astronomically rare, but possible
        try:
            with transaction.atomic():
                certificate = Certificate.objects.create(
                    enrolment=enrolment,
                    issued_at=enrolment.completed_at or timezone.now(),
                    **names_now(enrolment),
                )
            break
        except IntegrityError:
            existing = Certificate.objects.filter(enrolment=enrolment).first()
            if existing:
                return existing
    else:
        raise IntegrityError("could not find a free certificate code")
    from insights.tasks import course_completed_email_task, queue

    queue(course_completed_email_task, certificate.pk)
    return certificate


def verify_url(certificate: Certificate) -> str:
    return absolute(certificate.get_absolute_url())


def certificate_text(certificate: Certificate) -> CertificateText:
    """The certificate's wording in the active language."""
    return CertificateText(
        heading=_("Certificate of completion"),
        lead=_("This certifies that"),
        name=certificate.member_name,
        completed=_("has completed the course"),
        course=certificate.course_title,
        date_label=_("Date"),
        date=date_format(timezone.localtime(certificate.issued_at), "DATE_FORMAT"),
        trainers_label=_("Trainers") if certificate.trainer_names else "",
        trainers=certificate.trainer_names,
        organisation=certificate.organisation,
        code_label=_("Certificate code"),
        code=certificate.code,
        verify_url=verify_url(certificate),
        title=_("Certificate: %(course)s") % {"course": certificate.course_title},
    )


def certificate_pdf(certificate: Certificate) -> bytes:
    """The certificate as a PDF in the active language."""
    return render_certificate(certificate_text(certificate))


def certificate_filename(certificate: Certificate) -> str:
    return f"certificate-{certificate.code}.pdf"
