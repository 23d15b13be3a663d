"""What members want to be emailed about, trainers' announcements, and the records that keep
each notification from being sent twice."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NotificationPreferences(models.Model):
    """One member's choice of emails. A member without a row has the defaults: everything but
    new lessons, which they opt in to."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
        verbose_name=_("member"),
    )
    enrolment = models.BooleanField(
        _("enrolment decisions"),
        default=True,
        help_text=_("When a trainer approves or declines your request to join a course."),
    )
    new_lessons = models.BooleanField(
        _("new lessons"),
        default=False,
        help_text=_("When a lesson is added to a course you are enrolled in."),
    )
    announcements = models.BooleanField(
        _("announcements"),
        default=True,
        help_text=_("Messages from the trainers of your courses."),
    )
    completion = models.BooleanField(
        _("completed courses"),
        default=True,
        help_text=_("When you complete a course, with the link to your certificate."),
    )
    reminders = models.BooleanField(
        _("reminders"),
        default=True,
        help_text=_("A reminder when you have not continued a course for a while."),
    )
    requests = models.BooleanField(
        _("requests to join my courses"),
        default=True,
        help_text=_("For trainers: when someone asks to join a course you train."),
    )
    conversions = models.BooleanField(
        _("uploads that could not be converted"),
        default=True,
        help_text=_(
            "For trainers: when a slide deck or video you uploaded, or one a course you train "
            "shows, could not be converted."
        ),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    KINDS = (
        "enrolment",
        "new_lessons",
        "announcements",
        "completion",
        "reminders",
        "requests",
        "conversions",
    )

    class Meta:
        verbose_name = _("notification preferences")
        verbose_name_plural = _("notification preferences")

    def __str__(self):
        return f"{self.user}"

    @classmethod
    def for_user(cls, user) -> "NotificationPreferences":
        """The member's preferences; an unsaved row with the defaults when they chose none."""
        return cls.objects.filter(user=user).first() or cls(user=user)


class Announcement(models.Model):
    """A trainer's message to a course's members: shown on the course page, and emailed to
    members who want announcements."""

    course = models.ForeignKey(
        "courses.CoursePage",
        on_delete=models.CASCADE,
        related_name="announcements",
        verbose_name=_("course"),
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), max_length=5000)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("author"),
    )
    created_at = models.DateTimeField(_("posted"), default=timezone.now)
    emailed_at = models.DateTimeField(_("emailed"), null=True, blank=True)

    class Meta:
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")
        ordering = ["-created_at"]

    def __str__(self):
        return self.title


class LessonNotice(models.Model):
    """A lesson whose members were told it is new: one row per lesson, so publishing it again
    does not email them again."""

    page = models.OneToOneField(
        "wagtailcore.Page", on_delete=models.CASCADE, related_name="+", verbose_name=_("lesson")
    )
    created_at = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        verbose_name = _("new lesson notice")

    def __str__(self):
        return f"{self.page_id}"


class Reminder(models.Model):
    """A reminder emailed to an inactive member: one per stretch of inactivity."""

    enrolment = models.ForeignKey(
        "courses.Enrolment",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("enrolment"),
    )
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        verbose_name = _("reminder")
        indexes = [models.Index(fields=["enrolment", "sent_at"], name="reminder_enrolment_sent")]

    def __str__(self):
        return f"{self.enrolment_id} · {self.sent_at:%Y-%m-%d}"
