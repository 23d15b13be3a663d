"""When each slide starts in a lecture's video, so the lecture page shows the slide being talked
about, clicking a slide seeks the video there, and the slide times become the video's chapters.

Times belong to the lecture, not the deck or the video: the same deck may be talked through in
several recordings. They are keyed by slide number, which survives a deck being converted again.
"""

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class SlideTiming(models.Model):
    """The moment (seconds into the lecture's video) at which a slide comes up."""

    lecture = models.ForeignKey(
        "courses.LecturePage", on_delete=models.CASCADE, related_name="slide_timings"
    )
    slide_number = models.PositiveIntegerField(_("slide"))
    start = models.FloatField(_("starts at"), validators=[MinValueValidator(0)])

    class Meta:
        ordering = ["start", "slide_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["lecture", "slide_number"], name="unique_slide_timing_per_lecture"
            )
        ]
        verbose_name = _("slide timing")

    def __str__(self):
        return f"{self.lecture_id} · {self.slide_number} @ {self.start:g}s"
