"""Upload progress for the admin's large files (decks, videos): the file input is marked, and
a script sends the form in the background, showing how much has gone, and how fast."""

from django import forms
from django.http import HttpResponse
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

UPLOAD_LABELS = {
    "data-upload-progress": "",
    "data-upload-label": _("Uploading {percent}% · {done} of {total} · {speed}/s"),
    "data-upload-done-label": _("Upload complete. Saving…"),
    "data-upload-failed-label": _(
        "The upload stopped (the connection was lost or the server refused it). "
        "Nothing was saved; try again."
    ),
    "data-upload-cancel-label": _("Cancel upload"),
}


class StoredFile:
    """The file a form already holds, shown by its own name: Django's file input printed the
    storage path ("decks/originals/ca0ef336824a/talk.pptx"), which means nothing to a trainer."""

    def __init__(self, file):
        self.file = file

    @property
    def url(self):
        return self.file.url

    def __str__(self):
        return self.file.name.rsplit("/", 1)[-1]


class StoredNameFileInput(forms.ClearableFileInput):
    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        if context["widget"]["is_initial"]:
            context["widget"]["value"] = StoredFile(value)
        return context


class UploadProgressMixin:
    """For admin model forms with a ``file`` field: show progress while it uploads."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "file" in self.fields:
            field = self.fields["file"]
            widget = StoredNameFileInput(attrs=field.widget.attrs)
            widget.is_required = field.widget.is_required
            field.widget = widget
            widget.attrs.update({key: str(value) for key, value in UPLOAD_LABELS.items()})


UPLOAD_HEADER = "upload-progress"  # X-Requested-With of the script's background POST


class UploadRedirectMiddleware:
    """The upload script's POST is answered, when it saved, with where to go next instead of a
    redirect. A browser's XMLHttpRequest follows redirects by itself: it fetched the listing,
    which used up Django's "created" message, and the page it then opened had none."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.headers.get("X-Requested-With") == UPLOAD_HEADER
            and 300 <= response.status_code < 400
            and response.has_header("Location")
        ):
            answer = HttpResponse(status=204)
            answer["X-Upload-Location"] = response["Location"]
            for cookie in response.cookies.values():  # a session or CSRF cookie set on saving
                answer.cookies[cookie.key] = cookie
            return answer
        return response


def admin_upload_progress_js() -> str:
    return format_html('<script src="{}" defer></script>', static("courses/js/upload-progress.js"))


def admin_css() -> str:
    """elearn's admin styles, on every admin page (the upload form is Wagtail's own)."""
    return format_html('<link rel="stylesheet" href="{}">', static("courses/css/admin.css"))
