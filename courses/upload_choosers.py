"""The deck and video choosers of the lecture editor, with an upload tab: a trainer uploads
the lecture's deck or video from the modal, and it is chosen, instead of leaving the page to
upload it under "Slide decks" or "Lecture videos" first.

The tab uses those pages' own forms and Wagtail's create action, so an upload here is the
same deck or video as one made there: same checks, uploader, history entry and conversion.
Wagtail shows the tab only to users who may add the model, and refuses the upload to others.

The results show each file's state as the "Slide decks" and "Lecture videos" lists do: a deck
or video whose conversion failed stays listed, marked, with the reason.
"""

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from wagtail.actions import action_registry
from wagtail.admin.ui.tables import Column
from wagtail.snippets.views.chooser import (
    ChooseResultsView,
    ChooseView,
    SnippetChooserViewSet,
    SnippetCreateView,
)

from .deck_forms import SlideDeckUploadForm
from .video_forms import LectureVideoUploadForm


class ChooserStatusColumn(Column):
    """A deck's or a video's badge as the lists show it, and the reason it failed in the
    error colour: not as a help-critical block, which the modal's "Search" tab would count
    as an error of the search form."""

    cell_template_name = "courses/admin/chooser_status_cell.html"

    def __init__(self, *args, video: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.video = video

    def get_cell_context_data(self, instance, parent_context):
        return {**super().get_cell_context_data(instance, parent_context), "video": self.video}


class FileColumnsMixin:
    """Adds the viewset's ``file_columns`` after the title: with only titles, a trainer
    picked "Fire safety (final)" not knowing it had failed to convert."""

    file_columns: tuple = ()

    @property
    def columns(self):
        return [*super().columns, *self.file_columns]


class UploaderFormMixin:
    """Gives the upload form the user, as the add view does: it records who uploaded."""

    def get_creation_form_kwargs(self):
        return {
            **super().get_creation_form_kwargs(),
            "for_user": self.request.user,
            # The modal opens on the page editor, whose own fields have ids such as id_title.
            "prefix": "upload",
        }


class UploadChooseView(FileColumnsMixin, UploaderFormMixin, ChooseView):
    """The chooser modal, its upload tab bound to the user."""


class FileChooseResultsView(FileColumnsMixin, UploaderFormMixin, ChooseResultsView):
    """The results as searching or paging refreshes them, with the same columns."""


class UploadCreateView(UploaderFormMixin, SnippetCreateView):
    """Saves an upload from the modal, then answers with it chosen."""

    def save_form(self, form):
        # As the snippet add view saves: the action logs "created" in the item's history,
        # and the form's own save queues the conversion once the row is committed.
        create = action_registry.get_action_class(self.model_class, "create")
        with transaction.atomic():
            return create(form.instance, user=self.request.user, form=form).execute(
                skip_permission_checks=True  # dispatch() has checked the add permission
            )


class UploadChooserViewSet(SnippetChooserViewSet):
    """A snippet chooser whose "create" tab uploads a file."""

    choose_view_class = UploadChooseView
    choose_results_view_class = FileChooseResultsView
    create_view_class = UploadCreateView
    file_columns: tuple = ()
    # Wagtail's defaults are translated when Wagtail is imported, so always in English; with
    # the tabs shown, the modal read "Choose 幻灯片" over "Search" and "上传幻灯片".
    page_title = _("Choose")
    search_tab_label = _("Search")
    create_action_label = _("Upload")
    create_action_clicked_label = _("Uploading…")

    def construct_view(self, view_class, **kwargs):
        if issubclass(view_class, FileColumnsMixin):
            kwargs["file_columns"] = self.file_columns
        return super().construct_view(view_class, **kwargs)


class SlideDeckChooserViewSet(UploadChooserViewSet):
    """Choose a slide deck, or upload one."""

    creation_form_class = SlideDeckUploadForm
    creation_tab_label = _("Upload a deck")
    file_columns = (
        ChooserStatusColumn("status", label=_("Status"), sort_key=None),
        Column("slide_count", label=_("Slides"), sort_key=None),
    )


class LectureVideoChooserViewSet(UploadChooserViewSet):
    """Choose a lecture video, or upload one."""

    creation_form_class = LectureVideoUploadForm
    creation_tab_label = _("Upload a video")
    file_columns = (
        ChooserStatusColumn("status", label=_("Status"), sort_key=None, video=True),
        Column("duration_display", label=_("Duration"), sort_key=None),
    )
