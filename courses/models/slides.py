"""Slide decks: an uploaded presentation and the slides converted from it.

The original upload is kept untouched; everything else (slide rows, images, the deck PDF,
extracted media) is derived, keyed on the file's SHA-256 and rebuilt by converting again.
"""

import hashlib
import posixpath
import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from taggit.managers import TaggableManager
from taggit.models import TaggedItemBase
from wagtail.models import CollectionMember
from wagtail.search import index

from ..search_text import segment_for_index


def deck_upload_to(instance: "SlideDeck", filename: str) -> str:
    # A random folder keeps names unique without renaming the trainer's file.
    return f"decks/originals/{uuid.uuid4().hex[:12]}/{filename}"


def file_sha256(file) -> str:
    """SHA-256 of a Django File, read in chunks (decks can be hundreds of MB)."""
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in file.chunks(1024 * 1024):
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


class StatusMixin:
    """For rows a background task moves through states (decks, videos, handouts)."""

    def mark(self, status: str, **fields) -> None:
        """Set the status (and other fields) with one UPDATE, visible at once to readers."""
        fields["status"] = status
        for name, value in fields.items():
            setattr(self, name, value)
        type(self).objects.filter(pk=self.pk).update(**fields)
        # A deck's slides or a video's length may have changed with it (no signal is sent).
        from ..lesson_rules import lessons_changed

        lessons_changed()

    def take_task_fields_from_db(self) -> None:
        """Before a form saves this row whole: set the fields background tasks own (those no
        form edits) to what is committed now, so saving a new title does not put back the
        status, files and counts of a conversion that finished while the form was open."""
        if self.pk is None:
            return
        names = [
            field.attname
            for field in self._meta.concrete_fields
            if not field.editable and not field.primary_key
        ]
        current = type(self).objects.filter(pk=self.pk).values(*names).first()
        for name, value in (current or {}).items():
            setattr(self, name, value)


class UploadedFileMixin(StatusMixin):
    """What an uploaded, converted file (a deck, a video) offers besides its fields."""

    @property
    def filename(self) -> str:
        return posixpath.basename(self.file.name)

    @property
    def size_display(self) -> str:
        from django.template.defaultfilters import filesizeformat

        return filesizeformat(self.file_size) if self.file_size else ""


class SlideDeckTag(TaggedItemBase):
    content_object = ParentalKey(
        "courses.SlideDeck", on_delete=models.CASCADE, related_name="tagged_items"
    )


class SlideDeck(UploadedFileMixin, CollectionMember, index.Indexed, ClusterableModel):
    """An uploaded presentation (PowerPoint, OpenDocument or PDF) and its conversion state."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        PROCESSING = "processing", _("Converting")
        TEXT_READY = "text_ready", _("Text ready, images coming")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    title = models.CharField(_("title"), max_length=255)
    file = models.FileField(
        _("presentation"),
        upload_to=deck_upload_to,
        max_length=500,
        help_text=_("PowerPoint (.pptx, .ppsx, .potx, .pptm, .ppt), OpenDocument (.odp) or PDF."),
    )
    file_size = models.PositiveBigIntegerField(_("size"), null=True, editable=False)
    file_hash = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    decrypted_file = models.FileField(
        upload_to="decks/decrypted/",
        max_length=500,
        blank=True,
        editable=False,
        help_text="A password-free copy made when the trainer typed the password; never the password.",
    )
    tags = TaggableManager(through=SlideDeckTag, blank=True, verbose_name=_("tags"))
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
    error_code = models.CharField(max_length=40, blank=True, editable=False)
    error_message = models.TextField(_("error"), blank=True, editable=False)
    source_format = models.CharField(_("format"), max_length=10, blank=True, editable=False)
    slide_count = models.PositiveIntegerField(_("slides"), null=True, editable=False)
    slide_width = models.PositiveBigIntegerField(null=True, editable=False)  # EMU
    slide_height = models.PositiveBigIntegerField(null=True, editable=False)
    pdf = models.FileField(upload_to="decks/derived/", max_length=500, blank=True, editable=False)
    # The file hash of the complete conversion members see (its Slide rows, images and PDF):
    # this file's, or while a newer file converts or after it failed, the last good one's.
    # Empty when there is none.
    converted_hash = models.CharField(max_length=64, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(default=0, editable=False)
    processing_started_at = models.DateTimeField(null=True, editable=False)
    text_ready_at = models.DateTimeField(null=True, editable=False)
    processed_at = models.DateTimeField(null=True, editable=False)
    conversion_seconds = models.FloatField(null=True, editable=False)

    search_fields = [
        index.SearchField("title", boost=2),
        index.AutocompleteField("title"),
        index.FilterField("status"),
        index.FilterField("collection"),
    ]

    class Meta:
        verbose_name = _("slide deck")
        verbose_name_plural = _("slide decks")
        ordering = ["-created_at"]
        permissions = [("choose_slidedeck", "Can choose slide deck")]

    def __str__(self):
        return self.title

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.READY

    @property
    def has_text(self) -> bool:
        """Members can read slides: a first conversion's text, or a complete conversion."""
        return self.status in (self.Status.TEXT_READY, self.Status.READY) or self.is_converted

    @property
    def is_converted(self) -> bool:
        """Complete slides (text, images, PDF) are shown: this file's, or the last good
        file's while a newer one converts or after it failed (see ``converted_hash``)."""
        return bool(self.converted_hash)

    @property
    def shows_previous_version(self) -> bool:
        """Members still see the slides of the last good conversion, not of this file as it
        is now: a new file (or the same one again) is converting, or failed to."""
        return self.is_converted and self.status != self.Status.READY

    @property
    def previous_version_notice(self) -> str:
        """What the admin says while members see the last good conversion ("" otherwise)."""
        if not self.shows_previous_version:
            return ""
        if self.status != self.Status.FAILED:
            return _("Members see the previous slides until the new ones are ready.")
        if self.converted_hash != self.file_hash:
            return _(
                "The new file could not be converted. Members still see the previous "
                "version of the slides."
            )
        return _("Converting again failed. Members still see the slides converted before.")

    @property
    def aspect_ratio(self) -> float:
        if self.slide_width and self.slide_height:
            return self.slide_width / self.slide_height
        return 16 / 9

    @property
    def pdf_url(self) -> str:
        """The deck's PDF (kept for handouts), through the permission-checked file view."""
        if not self.pdf:
            return ""
        return reverse(
            "deck_file", args=[self.pk, self.pdf.name.removeprefix(f"decks/derived/{self.pk}/")]
        )

    def conversion_source(self):
        """The file the converter reads: the password-free copy if there is one."""
        return self.decrypted_file if self.decrypted_file else self.file

    def visible_slides(self, user=None):
        """Slides a viewer sees: hidden ones only for those who may edit the deck's lessons."""
        slides = self.slides.all()
        if not can_see_hidden_slides(user):
            slides = slides.filter(hidden=False)
        return slides


def can_see_hidden_slides(user) -> bool:
    """Trainers and admins see hidden slides (marked); members do not."""
    return bool(user and user.is_authenticated and user.has_perm("wagtailadmin.access_admin"))


class Slide(models.Model):
    """One slide of a deck: its text (available first), then its images."""

    deck = models.ForeignKey(SlideDeck, on_delete=models.CASCADE, related_name="slides")
    number = models.PositiveIntegerField(_("number"))  # 1-based, PowerPoint's order
    source_hash = models.CharField(max_length=64)
    title = models.TextField(_("title"), blank=True)
    content = models.JSONField(default=dict, blank=True)  # paragraphs, tables, links, alt texts
    text = models.TextField(blank=True)  # everything searchable, one item per line
    notes = models.TextField(_("speaker notes"), blank=True)
    hidden = models.BooleanField(_("hidden"), default=False)
    advance_after_ms = models.PositiveIntegerField(null=True, blank=True)
    images = models.JSONField(default=dict, blank=True)  # {"480": "decks/derived/…webp", …}
    thumbnail = models.CharField(max_length=500, blank=True)
    image_width = models.PositiveIntegerField(null=True)
    image_height = models.PositiveIntegerField(null=True)

    class Meta:
        ordering = ["deck", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["deck", "number", "source_hash"], name="unique_slide_per_deck_hash"
            )
        ]
        verbose_name = _("slide")

    def __str__(self):
        return f"{self.deck} · {self.number}"

    @cached_property
    def display_title(self) -> str:
        return self.title or _("Slide %(number)s") % {"number": self.number}

    def image_url(self, width: int | str) -> str:
        name = self.images.get(str(width))
        return reverse("deck_file", args=[self.deck_id, name]) if name else ""

    @property
    def srcset(self) -> str:
        return ", ".join(
            f"{reverse('deck_file', args=[self.deck_id, name])} {width}w"
            for width, name in sorted(self.images.items(), key=lambda item: int(item[0]))
        )

    @property
    def src(self) -> str:
        """The middle width, a sensible default where srcset is not understood."""
        widths = sorted(self.images, key=int)
        return self.image_url(widths[len(widths) // 2]) if widths else ""

    @property
    def thumbnail_url(self) -> str:
        return reverse("deck_file", args=[self.deck_id, self.thumbnail]) if self.thumbnail else ""

    def search_text(self) -> str:
        """The slide's text for search; the extracted text already holds its title and
        notes (``SlideContent.plain_text``), which search excerpts showed twice."""
        missing = [part for part in (self.title, self.notes) if part and part not in self.text]
        return "\n".join(filter(None, [*missing, self.text]))


class SlideMedia(models.Model):
    """Audio or video embedded in a slide, extracted so the browser can play it."""

    slide = models.ForeignKey(Slide, on_delete=models.CASCADE, related_name="media")
    name = models.CharField(max_length=255)
    file = models.CharField(max_length=500)  # a storage name under decks/derived/
    content_type = models.CharField(max_length=100)
    kind = models.CharField(max_length=10)  # "audio" or "video"

    def __str__(self):
        return self.name

    @property
    def url(self) -> str:
        return reverse("deck_file", args=[self.slide.deck_id, self.file])


def deck_search_text(deck: SlideDeck | None, include_hidden: bool = False) -> str:
    """All slide text and notes of a deck, plus its CJK bigrams, for a lecture's index entry."""
    if deck is None:
        return ""
    slides = deck.slides.all() if include_hidden else deck.slides.filter(hidden=False)
    text = "\n".join(slide.search_text() for slide in slides)
    return f"{text}\n{segment_for_index([text])}"
