"""Lecture videos: an uploaded recording, its web-ready renditions, captions, and where each
member stopped watching.

The original is kept untouched; renditions, poster and storyboard are derived, keyed on the
file's SHA-256, and rebuilt by processing again.
"""

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from taggit.managers import TaggableManager
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel
from wagtail.models import CollectionMember
from wagtail.search import index

from .slides import UploadedFileMixin


def video_upload_to(instance: "LectureVideo", filename: str) -> str:
    return f"videos/originals/{uuid.uuid4().hex[:12]}/{filename}"


def caption_upload_to(instance: "VideoCaption", filename: str) -> str:
    return f"videos/captions/{uuid.uuid4().hex[:12]}/{filename}"


class LectureVideoTag(TaggedItemBase):
    content_object = ParentalKey(
        "courses.LectureVideo", on_delete=models.CASCADE, related_name="tagged_items"
    )


class LectureVideo(UploadedFileMixin, CollectionMember, index.Indexed, ClusterableModel):
    """A recorded lecture or talk, processed into a web-ready MP4 with a poster and storyboard."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        PROCESSING = "processing", _("Processing")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    title = models.CharField(_("title"), max_length=255)
    file = models.FileField(
        _("video file"),
        upload_to=video_upload_to,
        max_length=500,
        help_text=_(
            "Any common video format (MP4, MOV, WebM, AVI…); it is made web-ready for you."
        ),
    )
    file_size = models.PositiveBigIntegerField(_("size"), null=True, editable=False)
    file_hash = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    tags = TaggableManager(through=LectureVideoTag, blank=True, verbose_name=_("tags"))
    uploaded_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True, db_index=True)

    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING, editable=False
    )
    progress = models.PositiveSmallIntegerField(_("progress"), default=0, editable=False)
    error_code = models.CharField(max_length=40, blank=True, editable=False)
    error_message = models.TextField(_("error"), blank=True, editable=False)
    duration = models.FloatField(_("duration"), null=True, editable=False)  # seconds
    width = models.PositiveIntegerField(null=True, editable=False)
    height = models.PositiveIntegerField(null=True, editable=False)
    fps = models.FloatField(null=True, editable=False)
    video_codec = models.CharField(max_length=40, blank=True, editable=False)
    audio_codec = models.CharField(max_length=40, blank=True, editable=False)
    poster = models.CharField(max_length=500, blank=True, editable=False)
    storyboard_vtt = models.CharField(max_length=500, blank=True, editable=False)
    processed_hash = models.CharField(max_length=64, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(default=0, editable=False)
    processing_started_at = models.DateTimeField(null=True, editable=False)
    processed_at = models.DateTimeField(null=True, editable=False)

    search_fields = [
        index.SearchField("title", boost=2),
        index.AutocompleteField("title"),
        index.FilterField("status"),
        index.FilterField("collection"),
    ]

    class Meta:
        verbose_name = _("lecture video")
        verbose_name_plural = _("lecture videos")
        ordering = ["-created_at"]
        permissions = [("choose_lecturevideo", "Can choose lecture video")]

    def __str__(self):
        return self.title

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.READY

    @property
    def resolution(self) -> str:
        return f"{self.width}×{self.height}" if self.width and self.height else ""

    @property
    def duration_display(self) -> str:
        if self.duration is None:
            return ""
        seconds = round(self.duration)
        hours, rest = divmod(seconds, 3600)
        minutes, seconds = divmod(rest, 60)
        return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"

    def file_url(self, name: str) -> str:
        """URL of a derived file (relative to the video's folder), through the checked view."""
        return reverse("video_file", args=[self.pk, name]) if name else ""

    @property
    def poster_url(self) -> str:
        return self.file_url(self.poster)

    @property
    def storyboard_url(self) -> str:
        return self.file_url(self.storyboard_vtt)


class VideoRendition(models.Model):
    """A web-ready MP4 made from a video: the main one, and a smaller one for slow links."""

    video = models.ForeignKey(LectureVideo, on_delete=models.CASCADE, related_name="renditions")
    label = models.CharField(max_length=20)  # "web", "480p"
    file = models.CharField(max_length=500)  # relative to the video's derived folder
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size = models.PositiveBigIntegerField(default=0)
    remuxed = models.BooleanField(default=False)  # True: the source's streams, not re-encoded
    source_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["-height"]
        constraints = [
            models.UniqueConstraint(
                fields=["video", "label", "source_hash"], name="unique_rendition_per_hash"
            )
        ]

    def __str__(self):
        return f"{self.video} · {self.label}"

    @property
    def url(self) -> str:
        return self.video.file_url(self.file)


class VideoCaption(models.Model):
    """A captions (or chapters) track uploaded as WebVTT or SRT, kept as WebVTT."""

    class Kind(models.TextChoices):
        CAPTIONS = "captions", _("Captions")
        SUBTITLES = "subtitles", _("Subtitles")
        CHAPTERS = "chapters", _("Chapters")

    video = ParentalKey(LectureVideo, on_delete=models.CASCADE, related_name="captions")
    language = models.CharField(_("language"), max_length=20, help_text=_("e.g. en, zh-Hans"))
    label = models.CharField(
        _("label"), max_length=100, help_text=_("Shown in the player, e.g. 中文")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.CAPTIONS)
    file = models.FileField(_("file"), upload_to=caption_upload_to, max_length=500)
    vtt = models.TextField(blank=True, editable=False)
    cues = models.JSONField(default=list, blank=True, editable=False)  # [[start, end, text], …]

    panels = [FieldPanel("language"), FieldPanel("label"), FieldPanel("kind"), FieldPanel("file")]

    class Meta:
        ordering = ["kind", "language"]
        verbose_name = _("caption track")

    def __str__(self):
        return f"{self.video} · {self.label}"

    @property
    def url(self) -> str:
        return reverse("video_caption", args=[self.video_id, self.pk])

    def plain_text(self) -> str:
        return "\n".join(text for _start, _end, text in self.cues)

    def clean(self):
        """Read the uploaded WebVTT or SRT now, so a bad file is refused with its reason and a
        good one is kept as WebVTT (what browsers play) with its cues for search."""
        from django.core.exceptions import ValidationError
        from django.utils.translation import gettext

        from ..conversion import ConversionError, captions

        if not self.file:
            return
        try:
            self.file.seek(0)
            parsed = captions.parse_captions(self.file.read())
        except ConversionError as exc:
            raise ValidationError({"file": gettext(exc.message)}) from exc
        finally:
            self.file.seek(0)
        self.vtt = captions.to_webvtt(parsed)
        self.cues = [[cue.start_s, cue.end_s, cue.plain] for cue in parsed]


class VideoPosition(models.Model):
    """Where a member stopped watching a video, so they resume there on any device."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    video = models.ForeignKey(LectureVideo, on_delete=models.CASCADE, related_name="+")
    position = models.FloatField(default=0)  # seconds of media time
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "video"], name="unique_position_per_member")
        ]

    def __str__(self):
        return f"{self.user} · {self.video} · {self.position:.0f} s"
