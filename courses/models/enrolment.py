"""Who takes which course: one enrolment per member and course, with its state over time.

An enrolment is never deleted when a member leaves or is declined: its status changes, so
progress and certificates keep their history and a member can come back.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _

from ..names import person_name


class EnrolmentQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=Enrolment.Status.ACTIVE)

    def pending(self):
        return self.filter(status=Enrolment.Status.PENDING)


class Enrolment(models.Model):
    """A member's place in a course: asked for, active, declined or withdrawn."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        ACTIVE = "active", _("Enrolled")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Left the course")

    class Source(models.TextChoices):
        SELF = "self", _("The member")
        ADMIN = "admin", _("An administrator")
        GROUP = "group", _("A group enrolment")
        CSV = "csv", _("A CSV import")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="enrolments",
        verbose_name=_("member"),
    )
    course = models.ForeignKey(
        "courses.CoursePage",
        on_delete=models.CASCADE,
        related_name="enrolments",
        verbose_name=_("course"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE, db_index=True
    )
    source = models.CharField(
        _("enrolled by"), max_length=20, choices=Source.choices, default=Source.SELF
    )
    created_at = models.DateTimeField(_("asked"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("decided by"),
    )
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["user", "course"], name="unique_enrolment")]

    def __str__(self):
        return f"{self.user} · {self.course} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    # How the members list says who let each member in, by the way they came.
    ENROLLED_BY = {
        Source.SELF: gettext_lazy("Approved by %(name)s"),  # their request, decided
        Source.ADMIN: gettext_lazy("Added by %(name)s"),
        Source.GROUP: gettext_lazy("Group enrolment by %(name)s"),
        Source.CSV: gettext_lazy("CSV import by %(name)s"),
    }

    def enrolled_by(self) -> str:
        """Who let the member in: the trainer or admin who approved their request, added
        them, or enrolled their group or file; the way alone when nobody is recorded (the
        member enrolled themselves, the command line, an account since deleted)."""
        if self.decided_by is None:
            return self.get_source_display()
        return self.ENROLLED_BY[self.source] % {"name": person_name(self.decided_by)}
