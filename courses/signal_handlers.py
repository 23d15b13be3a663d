"""Signal handlers: trainers' page permissions and the search index follow publication."""

from django.dispatch import receiver
from modelsearch.signal_handlers import post_save_signal_handler
from wagtail.signals import page_published

from .models import CoursePage
from .models.pages import CJKSearchMixin
from .roles import sync_course_trainers


@receiver(page_published, sender=CoursePage)
def course_published(sender, instance, **kwargs):
    sync_course_trainers(instance)


@receiver(page_published)
def reindex_with_tags(sender, instance, **kwargs):
    # The search index is updated on post_save, which fires before a page's tags (cluster
    # children) are written; index again once publishing is complete so tags are searchable.
    if isinstance(instance, CJKSearchMixin):
        post_save_signal_handler(instance)  # queues the index task, as Wagtail's own does
