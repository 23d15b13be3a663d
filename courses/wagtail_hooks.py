"""Wagtail admin: the Slide decks menu, listing, chooser (with upload), and "convert again";
page buttons; the peer review's own history entry; the access check on Wagtail's own document
downloads."""

from django.http import Http404
from django.templatetags.static import static
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, HelpPanel, InlinePanel, ObjectList
from wagtail.admin.ui.menus.pages import PageMenuItem
from wagtail.admin.ui.tables import Column, DateColumn, UserColumn
from wagtail.admin.widgets import ListingButton
from wagtail.log_actions import LogFormatter
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import InspectView, SnippetViewSet

from .deck_forms import SlideDeckForm
from .models import CoursePage, Enrolment, LecturePage, LectureVideo, SlideDeck
from .names import person_name
from .upload_choosers import LectureVideoChooserViewSet, SlideDeckChooserViewSet
from .upload_progress import admin_css, admin_upload_progress_js
from .video_forms import LectureVideoForm
from .views import (
    certificate_admin,
    conversion_status,
    deck_admin,
    enrolment_admin,
    handout_admin,
    lecture_admin,
    xapi_admin,
)


class StatusColumn(Column):
    cell_template_name = "courses/admin/deck_status_cell.html"


class FileInspectView(InspectView):
    """A deck's or a video's details as a trainer reads them: sizes and lengths in words, not
    bytes and seconds, and no storage internals (hashes, codes, attempts)."""

    labels = {"resolution": _("Resolution"), "duration": _("Duration")}

    def get_field_label(self, field_name, field):
        return self.labels.get(field_name) or super().get_field_label(field_name, field)

    def get_file_size_display_value(self):
        return self.object.size_display

    def get_duration_display_value(self):
        return self.object.duration_display

    def get_file_display_value(self):
        return self.object.file.name.rsplit("/", 1)[-1]

    def get_error_message_display_value(self):
        # Stored in English, as processing wrote it: translated when shown, as the edit
        # panel does ({% translate deck.error_message %}).
        return gettext(self.object.error_message) if self.object.error_message else ""

    def get_source_format_display_value(self):
        return self.object.source_format.upper()

    def get_uploaded_by_user_display_value(self):
        user = self.object.uploaded_by_user
        return person_name(user) if user else ""

    def get_field_display_value(self, field_name, field):
        value = super().get_field_display_value(field_name, field)
        # What processing never found (a failed deck's slide count, format) reads as a dash,
        # not "None" or an empty line under its label.
        return "—" if value is None or value == "" else value


class SlideDeckViewSet(SnippetViewSet):
    """Slide decks in the admin: upload, see how conversion went, choose one for a lecture."""

    model = SlideDeck
    icon = "doc-full"
    menu_label = _("Slide decks")
    menu_order = 250
    add_to_admin_menu = True
    list_display = [
        "title",
        StatusColumn("status", label=_("Status")),
        Column("slide_count", label=_("Slides")),
        Column("size_display", label=_("Size")),
        UserColumn("uploaded_by_user", label=_("Uploaded by")),
        DateColumn("created_at", label=_("Uploaded")),
    ]
    list_filter = ["status", "collection", "source_format"]
    list_per_page = 30
    inspect_view_enabled = True
    inspect_view_class = FileInspectView
    inspect_view_fields = [
        "title",
        "file",
        "file_size",
        "source_format",
        "slide_count",
        "status",
        "error_message",
        "collection",
        "uploaded_by_user",
        "created_at",
    ]
    copy_view_enabled = False
    chooser_viewset_class = SlideDeckChooserViewSet
    edit_handler = ObjectList(
        [
            HelpPanel(
                template="courses/admin/deck_status_panel.html",
                heading=pgettext_lazy("panel heading", "Conversion"),
            ),
            FieldPanel("title"),
            FieldPanel("file"),
            FieldPanel("password"),
            FieldPanel("collection"),
            FieldPanel("tags"),
            FieldPanel("convert_again"),
        ],
        base_form_class=SlideDeckForm,
    )


register_snippet(SlideDeckViewSet)


@hooks.register("register_admin_urls")
def register_deck_urls():
    return [
        path("decks/<id:deck_id>/convert/", deck_admin.convert_again, name="courses_deck_convert"),
        path("decks/<id:deck_id>/preview/", deck_admin.preview, name="courses_deck_preview"),
        path(
            "conversion-status/",
            conversion_status.conversion_status,
            name="courses_conversion_status",
        ),
        path(
            "lectures/<id:page_id>/slide-times/",
            lecture_admin.slide_timings,
            name="courses_lecture_slide_timings",
        ),
        path("lectures/<id:page_id>/narrate/", lecture_admin.narrate, name="courses_narrate"),
        path(
            "courses/<id:page_id>/members/",
            enrolment_admin.course_enrolments,
            name="courses_course_enrolments",
        ),
        path(
            "courses/<id:page_id>/members/<id:enrolment_id>/remove/",
            enrolment_admin.confirm_enrolment_change,
            {"action": "remove"},
            name="courses_enrolment_remove",
        ),
        path(
            "courses/<id:page_id>/members/<id:enrolment_id>/certificate/",
            certificate_admin.certificate_admin,
            name="courses_certificate_admin",
        ),
        path(
            "courses/<id:page_id>/members/<id:enrolment_id>/decline/",
            enrolment_admin.confirm_enrolment_change,
            {"action": "decline"},
            name="courses_enrolment_decline",
        ),
        path(
            "courses/<id:page_id>/xapi/",
            xapi_admin.export_course_xapi,
            name="courses_course_xapi",
        ),
        path(
            "handouts/print/<id:page_id>/",
            handout_admin.print_handouts,
            name="courses_print_handouts",
        ),
        path(
            "handouts/<id:handout_id>/",
            handout_admin.handout_status,
            name="courses_handout_status",
        ),
        path(
            "handouts/<id:handout_id>/download/",
            handout_admin.handout_download,
            name="courses_handout_download",
        ),
        path(
            "enrolment-requests/",
            enrolment_admin.enrolment_requests,
            name="courses_enrolment_requests",
        ),
    ]


class EditorPageButton(PageMenuItem):
    """A page action for those who may edit the page, on the page types it applies to."""

    page_types: tuple = ()

    def is_shown(self, user):
        return (
            isinstance(self.page.specific_deferred, self.page_types)
            and self.page.permissions_for_user(user).can_edit()
        )


class CourseMembersButton(EditorPageButton):
    """ "Members" on course pages: requests, enrolments, group and CSV enrolment."""

    label = _("Members")
    icon_name = "group"
    url_name = "courses_course_enrolments"
    page_types = (CoursePage,)


class PrintHandoutsButton(EditorPageButton):
    """ "Print handouts" on course and lecture pages."""

    label = _("Print handouts")
    icon_name = "doc-full"
    url_name = "courses_print_handouts"
    page_types = (CoursePage, LecturePage)

    def is_shown(self, user):
        # A lecture prints its slides: without a deck its page would only say so.
        page = self.page.specific_deferred
        return super().is_shown(user) and not (
            isinstance(page, LecturePage) and page.deck_id is None
        )


class SlideTimesButton(EditorPageButton):
    """ "Slide times" on lecture pages: time the slides against the lecture's video."""

    label = _("Slide times")
    icon_name = "time"
    url_name = "courses_lecture_slide_timings"
    page_types = (LecturePage,)


class NarrateButton(EditorPageButton):
    """ "Video from slides" on lecture pages."""

    label = _("Video from slides")
    icon_name = "media"
    url_name = "courses_narrate"
    page_types = (LecturePage,)


PAGE_BUTTONS = [SlideTimesButton, CourseMembersButton, PrintHandoutsButton, NarrateButton]


class RequestsMenuItem(MenuItem):
    """Shown with the number of requests waiting, to those who may decide them."""

    def is_shown(self, request):
        return request.user.has_perm("courses.change_enrolment")

    def render_component(self, request):
        component = super().render_component(request)
        from .permissions import is_site_admin

        pending = Enrolment.objects.pending()
        if not is_site_admin(request.user):
            pending = pending.filter(course__trainers=request.user)
        count = pending.count()
        if count:
            component.label = f"{self.label} ({count})"
        return component


@hooks.register("register_admin_menu_item")
def enrolment_requests_menu_item():
    return RequestsMenuItem(
        # Short: with the count after it, "Enrolment requests (3)" was cut off in the menu.
        pgettext_lazy("admin menu", "Join requests"),
        reverse("courses_enrolment_requests"),
        icon_name="group",
        order=270,
    )


@hooks.register("register_page_header_buttons")
def course_page_header_buttons(page, user, view_name, next_url=None):
    for priority, button in enumerate(PAGE_BUTTONS, start=35):
        yield button(page=page, priority=priority)


@hooks.register("register_page_listing_more_buttons")
def course_page_listing_buttons(page, user, next_url=None):
    for priority, button in enumerate(PAGE_BUTTONS, start=25):
        yield button(page=page, priority=priority)


@hooks.register("register_snippet_listing_buttons")
def deck_listing_buttons(snippet, user, next_url=None):
    if isinstance(snippet, SlideDeck):
        yield ListingButton(
            _("Preview"), reverse("courses_deck_preview", args=[snippet.pk]), priority=5
        )
        if user.has_perm("courses.change_slidedeck"):
            yield ListingButton(
                _("Convert again"), reverse("courses_deck_convert", args=[snippet.pk]), priority=6
            )


class StatusAndProgressColumn(Column):
    cell_template_name = "courses/admin/video_status_cell.html"


class LectureVideoViewSet(SnippetViewSet):
    """Lecture videos in the admin: upload, follow processing, captions, choose for a lecture."""

    model = LectureVideo
    icon = "media"
    menu_label = _("Lecture videos")
    menu_order = 260
    add_to_admin_menu = True
    list_display = [
        "title",
        StatusAndProgressColumn("status", label=_("Status")),
        Column("duration_display", label=_("Duration")),
        Column("resolution", label=_("Resolution")),
        Column("size_display", label=_("Size")),
        UserColumn("uploaded_by_user", label=_("Uploaded by")),
        DateColumn("created_at", label=_("Uploaded")),
    ]
    list_filter = ["status", "collection"]
    inspect_view_enabled = True
    inspect_view_class = FileInspectView
    inspect_view_fields = [
        "title",
        "file",
        "file_size",
        "duration",
        "resolution",
        "status",
        "error_message",
        "collection",
        "uploaded_by_user",
        "created_at",
    ]
    copy_view_enabled = False
    chooser_viewset_class = LectureVideoChooserViewSet
    edit_handler = ObjectList(
        [
            # "Processing" alone is the status of a video in progress (处理中); this heading is
            # read for ready and failed videos too (处理情况).
            HelpPanel(
                template="courses/admin/video_status_panel.html",
                heading=pgettext_lazy("panel heading", "Processing"),
            ),
            FieldPanel("title"),
            FieldPanel("file"),
            FieldPanel("collection"),
            FieldPanel("tags"),
            InlinePanel("captions", heading=_("Captions and chapters"), label=_("Track")),
            FieldPanel("process_again"),
        ],
        base_form_class=LectureVideoForm,
    )


register_snippet(LectureVideoViewSet)


@hooks.register("before_serve_document")
def documents_follow_their_lessons(document, request):
    """A document put in a lesson is lesson content: the lesson's access check applies."""
    from .permissions import can_view_document

    if not can_view_document(request.user, document):
        raise Http404  # as for slide files: do not confirm to strangers that it exists


hooks.register("insert_global_admin_js", admin_upload_progress_js)


@hooks.register("insert_global_admin_js")
def conversion_status_js():
    # Does nothing on pages without a deck's or a video's live status (live_status.html).
    return format_html(
        '<script src="{}" defer></script>', static("courses/js/admin-conversion-status.js")
    )


hooks.register("insert_global_admin_css", admin_css)


@hooks.register("register_log_actions")
def register_peer_review_log_actions(actions):
    @actions.register_action("courses.peer_review.reject")
    class PeerReviewRejectFormatter(LogFormatter):
        """A reviewer turned the page down (not "changes requested", which Wagtail logs)."""

        label = _("Peer review: reject")

        def format_message(self, log_entry):
            try:
                return _("Rejected at '%(task)s'. The review is closed") % {
                    "task": log_entry.data["workflow"]["task"]["title"]
                }
            except (KeyError, TypeError):
                return _("Rejected in peer review")

        def format_comment(self, log_entry):
            return log_entry.data.get("comment", "")
