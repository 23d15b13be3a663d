"""Admin forms for lecture videos and their caption tracks."""

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from .conversion import video as video_core
from .models import LectureVideo
from .models.slides import file_sha256
from .upload_progress import UploadProgressMixin


class LectureVideoForm(UploadProgressMixin, WagtailAdminModelForm):
    """Upload or replace a lecture video; captions are edited inline."""

    process_again = forms.BooleanField(
        label=_("Process again"),
        required=False,
        help_text=_("Rebuild the web versions from the original file."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            # A new video is processed anyway: no "Process again" on the Add form.
            self.fields.pop("process_again", None)

    def clean_file(self):
        """A picture or a document is refused here, in the words processing would use later:
        the trainer is still at the form, and nothing is stored or queued."""
        upload = self.cleaned_data.get("file")
        if isinstance(upload, UploadedFile):
            head = upload.read(video_core.SNIFF_BYTES)
            upload.seek(0)
            message = video_core.refused_by_kind(head)
            if message:
                raise forms.ValidationError(gettext(message), code="not_video")
        return upload

    def save(self, commit=True):
        from .tasks import queue_video_processing

        video = super().save(commit=False)
        video.take_task_fields_from_db()
        file_changed = "file" in self.changed_data
        if file_changed:
            video.file_size = video.file.size
            video.file_hash = file_sha256(video.file)
        if not video.pk and self.for_user is not None and self.for_user.is_authenticated:
            video.uploaded_by_user = self.for_user
        if commit:
            video.save()
            self.save_m2m()
            if file_changed or self.cleaned_data.get("process_again"):
                queue_video_processing(video, force=True)
        return video


class LectureVideoUploadForm(LectureVideoForm):
    """The video chooser's upload tab: a new video as the Lecture videos add form makes it
    (same processing), without captions, which are added on the video's own page."""

    process_again = None  # a new video is processed anyway

    class Meta:
        model = LectureVideo
        fields = ["title", "file", "collection"]
