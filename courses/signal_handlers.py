"""Signal handlers: trainers' page permissions and the search index follow publication;
uploaded and derived files go when their deck or video is deleted; failed log-ins are
counted; a new catalogue goes under peer review."""

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from modelsearch.signal_handlers import post_save_signal_handler
from wagtail.models import Page, PageViewRestriction, Site
from wagtail.signals import page_published, page_unpublished, post_page_move, task_submitted

from . import deck_service, lesson_rules, login_throttle, peer_review
from .models import (
    CourseIndexPage,
    CoursePage,
    Enrolment,
    LectureVideo,
    OrganisationSettings,
    PeerReviewTaskState,
    Slide,
    SlideDeck,
    VideoCaption,
    VideoRendition,
)
from .models.pages import CJKSearchMixin
from .roles import sync_course_trainers

User = get_user_model()


@receiver(page_published, sender=CoursePage)
def course_published(sender, instance, **kwargs):
    sync_course_trainers(instance)


# Wagtail emails a group approval task's reviewers when a page reaches it, but listens only
# for its own TaskState class: the peer review's task state is a subclass of it.
task_submitted.connect(
    peer_review.reviewers_email_notifier,
    sender=PeerReviewTaskState,
    dispatch_uid="peer_review_task_submitted_email_notification",
)


@receiver(post_save, sender=CourseIndexPage)
def catalogue_saved(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        peer_review.catalogue_created(instance)


@receiver(page_published)
def reindex_with_tags(sender, instance, **kwargs):
    # The search index is updated on post_save, which fires before a page's tags (cluster
    # children) are written; index again once publishing is complete so tags are searchable.
    if isinstance(instance, CJKSearchMixin):
        post_save_signal_handler(instance)  # queues the index task, as Wagtail's own does


@receiver(post_delete, sender=SlideDeck)
def delete_deck_files(sender, instance, **kwargs):
    # After commit: a rolled-back delete must not lose the files. Names are taken now:
    # Django clears the instance's pk once the delete is done.
    folder = f"decks/derived/{instance.pk}"
    names = [field.name for field in (instance.file, instance.decrypted_file) if field]

    def delete():
        deck_service.delete_tree(folder)
        for name in names:
            default_storage.delete(name)

    transaction.on_commit(delete)


@receiver(post_delete, sender=LectureVideo)
def delete_video_files(sender, instance, **kwargs):
    folder = f"videos/derived/{instance.pk}"
    name = instance.file.name

    def delete():
        deck_service.delete_tree(folder)
        if name:
            default_storage.delete(name)

    transaction.on_commit(delete)


@receiver(user_login_failed)
def count_failed_login(sender, credentials, request=None, **kwargs):
    login_throttle.record_failure(request, credentials.get("username", ""))


@receiver(user_logged_in)
def forget_failed_logins(sender, request, user, **kwargs):
    login_throttle.record_success(request, user.get_username())


# What progress reports keep in memory (courses/lesson_rules.py) follows every change to a
# page (published, unpublished, moved, deleted, a course's order or rules), a deck, its
# slides or a video. Receivers per model, not for every sender: a post_delete receiver for
# all models would stop Django's fast bulk deletes everywhere. Slides are deleted and made
# in bulk by conversions, which end in ``deck.mark()`` (that tells it too).
def lessons_changed(sender, **kwargs):
    lesson_rules.lessons_changed()


for model in apps.get_models():
    if issubclass(model, Page):
        post_save.connect(lessons_changed, sender=model, dispatch_uid=f"lessons-save-{model}")
        post_delete.connect(lessons_changed, sender=model, dispatch_uid=f"lessons-del-{model}")
for model in (SlideDeck, LectureVideo, VideoRendition, VideoCaption):
    post_save.connect(lessons_changed, sender=model, dispatch_uid=f"lessons-save-{model}")
    post_delete.connect(lessons_changed, sender=model, dispatch_uid=f"lessons-del-{model}")
post_save.connect(lessons_changed, sender=Slide, dispatch_uid="lessons-save-slide")
# What pages show from courses.page_memory: the site, its settings, a course's trainers.
for model in (Site, OrganisationSettings):
    post_save.connect(lessons_changed, sender=model, dispatch_uid=f"lessons-save-{model}")
    post_delete.connect(lessons_changed, sender=model, dispatch_uid=f"lessons-del-{model}")
# ... the pages' view restrictions (courses.models.pages.KeptViewRestrictions) ...
post_save.connect(lessons_changed, sender=PageViewRestriction, dispatch_uid="lessons-save-pvr")
post_delete.connect(lessons_changed, sender=PageViewRestriction, dispatch_uid="lessons-del-pvr")
# ... and who is in which role, for the permissions pages check (elearn/auth.py).
for through in (
    CoursePage.trainers.through,
    User.groups.through,
    User.user_permissions.through,
    Group.permissions.through,
    PageViewRestriction.groups.through,
):
    m2m_changed.connect(lessons_changed, sender=through, dispatch_uid=f"lessons-m2m-{through}")
post_save.connect(lessons_changed, sender=Group, dispatch_uid="lessons-save-group")
post_delete.connect(lessons_changed, sender=Group, dispatch_uid="lessons-del-group")
page_unpublished.connect(lessons_changed, dispatch_uid="lessons-unpublished")
post_page_move.connect(lessons_changed, dispatch_uid="lessons-moved")


@receiver(post_save, sender=Enrolment)
@receiver(post_delete, sender=Enrolment)
def enrolment_changed(sender, instance, raw=False, **kwargs):
    lesson_rules.enrolment_changed(instance.user_id, instance.course_id)
