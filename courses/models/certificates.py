"""Certificates of completion: issued once per enrolment when the course is complete, with a
public code anyone can check at ``/certificates/<code>/``."""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Crockford's base 32: no I, L, O or U, so a code read off paper cannot be mistyped into
# another valid one by confusing 1/I/L or 0/O.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_GROUPS = 3
CODE_GROUP_LENGTH = 4


def new_code() -> str:
    """A random code such as ``7K2M-Q9XD-4RTB`` (60 bits: not guessable, short to type)."""
    groups = (
        "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_GROUP_LENGTH))
        for _ in range(CODE_GROUPS)
    )
    return "-".join(groups)


def normalise_code(text: str) -> str:
    """A code as people type it (lower case, spaces, O for 0, I or L for 1) in stored form."""
    raw = "".join(ch for ch in text.upper() if ch.isalnum())
    raw = raw.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))
    size = CODE_GROUP_LENGTH
    return "-".join(raw[i : i + size] for i in range(0, len(raw), size))


class Certificate(models.Model):
    """The record of a member completing a course.

    The names and the course title are copied at issue time: the certificate says what was
    true on that day even if the course is renamed or the member changes their name later.
    A course editor may copy them again (``reissued_at``: a misspelt name was corrected) or
    revoke the certificate (issued in error): its public page then says so, with the date.
    """

    enrolment = models.OneToOneField(
        "courses.Enrolment",
        on_delete=models.CASCADE,
        related_name="certificate",
        verbose_name=_("enrolment"),
    )
    code = models.CharField(_("code"), max_length=20, unique=True, default=new_code)
    # As long as ``person_name`` can make it: Django's first and last names (150 each) and
    # the space between.
    member_name = models.CharField(_("member"), max_length=301)
    course_title = models.CharField(_("course"), max_length=255)
    # A course may have any number of trainers.
    trainer_names = models.TextField(_("trainers"), blank=True)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    issued_at = models.DateTimeField(_("issued"), default=timezone.now)
    reissued_at = models.DateTimeField(_("reissued"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        verbose_name=_("revoked by"),
    )
    # For the course's editors; the public page gives only the date.
    revoked_reason = models.CharField(_("reason for revoking"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_at"]

    def __str__(self):
        return f"{self.code} · {self.member_name} · {self.course_title}"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("certificate", args=[self.code])

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
