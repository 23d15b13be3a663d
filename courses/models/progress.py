"""How far each member got in each lesson: the unique seconds of video watched, the slides
seen, the article read to its end; and when the lesson was complete."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class LessonProgress(models.Model):
    """One member's progress in one lesson, updated by the progress API."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lesson_progress"
    )
    page = models.ForeignKey("wagtailcore.Page", on_delete=models.CASCADE, related_name="+")
    watched = models.JSONField(default=list, blank=True)  # merged [start, end] media seconds
    watched_seconds = models.FloatField(default=0)
    video_coverage = models.FloatField(default=0)  # 0–1
    slides_seen = models.JSONField(default=list, blank=True)  # slide numbers
    slides_coverage = models.FloatField(default=0)  # 0–1 of the slides members see
    reading_seconds = models.FloatField(default=0)
    reached_end = models.BooleanField(default=False)
    marked_done = models.BooleanField(default=False)
    completed_at = models.DateTimeField(null=True, blank=True)
    last_report_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("lesson progress")
        constraints = [
            models.UniqueConstraint(fields=["user", "page"], name="unique_progress_per_lesson")
        ]

    def __str__(self):
        return f"{self.user} · {self.page_id}"

    @property
    def is_complete(self) -> bool:
        return self.completed_at is not None
