"""A lesson published for the first time is news for its course's members (those who opted
in); publishing it again is not."""

from django.dispatch import receiver
from wagtail.signals import page_published

from courses.models import ArticlePage, LecturePage

from .models import LessonNotice
from .tasks import new_lesson_email_task, queue


@receiver(page_published)
def lesson_published(sender, instance, **kwargs):
    if not isinstance(instance, LecturePage | ArticlePage):
        return
    course = instance.course
    if course is None:
        return
    _notice, created = LessonNotice.objects.get_or_create(page_id=instance.pk)
    # A course still being prepared has no news: its lessons are recorded as told, so the
    # members it gets later are not sent a burst of "new lesson" emails on the next edit.
    if created and course.live:
        queue(new_lesson_email_task, instance.pk)
