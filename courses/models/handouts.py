"""Handout PDFs requested in the admin: what was asked for, and how building it went.

The file itself is stored under a name made from the digest of everything that goes into it
(sources, options, recipients), so asking again for unchanged content reuses the file.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .slides import StatusMixin

LAYOUT_CHOICES = [
    ("1", _("1 slide per page")),
    ("2", _("2 slides per page")),
    ("3", _("3 slides per page, with lines for notes")),
    ("4", _("4 slides per page")),
    ("6", _("6 slides per page")),
    ("9", _("9 slides per page")),
    ("notes", _("Notes pages (slide and speaker notes)")),
    ("outline", _("Outline (titles and text)")),
]


class HandoutBuild(StatusMixin, models.Model):
    """One "Print handouts" request for a course or a lecture."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        BUILDING = "building", _("Building")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    class Recipients(models.TextChoices):
        NONE = "none", _("No names: one copy")
        NAME = "name", _("One named copy (a member or a branch)")
        ENROLLED = "enrolled", _("A named copy for every enrolled member")
        GROUP = "group", _("A named copy for everyone in a group")

    page = models.ForeignKey(
        "wagtailcore.Page", on_delete=models.CASCADE, related_name="+", verbose_name=_("page")
    )
    layout = models.CharField(_("layout"), max_length=10, choices=LAYOUT_CHOICES, default="6")
    paper = models.CharField(
        _("paper"), max_length=10, choices=[("A4", "A4"), ("letter", "Letter")], default="A4"
    )
    order = models.CharField(
        _("order"),
        max_length=12,
        choices=[("horizontal", _("Across, then down")), ("vertical", _("Down, then across"))],
        default="horizontal",
    )
    include_hidden = models.BooleanField(_("include hidden slides"), default=False)
    duplex = models.BooleanField(_("each lecture starts on a right-hand page"), default=False)
    recipients = models.CharField(
        _("copies"), max_length=10, choices=Recipients.choices, default=Recipients.NONE
    )
    recipient_name = models.CharField(_("name on the cover"), max_length=200, blank=True)
    group = models.ForeignKey(
        "auth.Group",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("group"),
    )
    as_zip = models.BooleanField(_("a ZIP of one PDF per person"), default=False)
    # The language of the admin who asked: the words the handout prints itself (cover,
    # contents, page numbers) are in it, though it is built later by a worker.
    language = models.CharField(_("language"), max_length=15, blank=True, editable=False)

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    progress = models.PositiveSmallIntegerField(default=0)
    error_message = models.TextField(blank=True)
    digest = models.CharField(max_length=64, blank=True, db_index=True)
    file = models.CharField(max_length=300, blank=True)  # storage name
    pages = models.PositiveIntegerField(null=True)
    size = models.PositiveBigIntegerField(null=True)
    reused = models.BooleanField(default=False)  # the same content was printed before
    # Lectures whose slides could not be printed (courses.handout_sources.LeftOut as dicts):
    # a course's set is printed without them, and the admin is told which and why.
    left_out = models.JSONField(default=list, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # For finding builds whose worker died (tasks.recover_stale_handouts).
    processing_started_at = models.DateTimeField(null=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    finished_at = models.DateTimeField(null=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("handout")

    def __str__(self):
        return f"{self.page} · {self.get_layout_display()}"

    @property
    def filename(self) -> str:
        extension = "zip" if self.file.endswith(".zip") else "pdf"
        return f"{self.page.slug}-{self.layout}.{extension}"
