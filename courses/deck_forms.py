"""The admin form for uploading a slide deck: checks the file by content before it is saved,
and takes a password for a protected file without ever storing it."""

import contextlib
import tempfile
from pathlib import Path

from django import forms
from django.core.files.base import ContentFile
from django.db.models.fields.files import FieldFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from . import conversion
from .deck_service import limits
from .models import SlideDeck
from .models.slides import file_sha256
from .storage_files import local_copy
from .upload_progress import UploadProgressMixin


@contextlib.contextmanager
def local_path(uploaded):
    """A filesystem path for an uploaded file (large uploads already have one) or for the
    deck's stored file (itself on local disk, a download from object storage)."""
    if hasattr(uploaded, "temporary_file_path"):
        yield Path(uploaded.temporary_file_path())
        return
    if isinstance(uploaded, FieldFile):
        with local_copy(uploaded.name) as path:
            yield path
        return
    with tempfile.NamedTemporaryFile(prefix="elearn-upload-") as tmp:
        for chunk in uploaded.chunks():
            tmp.write(chunk)
        tmp.flush()
        uploaded.seek(0)
        yield Path(tmp.name)


class SlideDeckForm(UploadProgressMixin, WagtailAdminModelForm):
    """Upload or replace a deck; optional password for a protected file."""

    password = forms.CharField(
        label=_("Password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_(
            "Only for a password-protected presentation. It is used once to open the file "
            "and is never stored."
        ),
    )
    convert_again = forms.BooleanField(
        label=_("Convert again"),
        required=False,
        help_text=_("Rebuild the slides from the file, e.g. after fonts were installed."),
    )

    # Here a protected file without its password is kept and fails to convert: the trainer
    # types the password on the deck's page and converts again.
    password_needed_now = False
    password_needed_message = _(
        "This presentation is password-protected. Type its password, or remove the password "
        "and upload it again."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            # A new deck is converted anyway: the box meant nothing on the Add form (its panel
            # hides with the field).
            self.fields.pop("convert_again", None)

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("file")
        new_upload = "file" in self.changed_data and upload
        password = cleaned.get("password")
        if not new_upload and not password:
            return cleaned
        self._decrypted = None
        source = upload if new_upload else (self.instance.file if self.instance.pk else None)
        if source is None:
            return cleaned
        limit = limits().max_file_bytes
        if new_upload and upload.size > limit:
            self.add_error(
                "file",
                _(
                    "This file is %(size)s; the largest presentation that can be converted is "
                    "%(limit)s. Compress its pictures (in PowerPoint: File > Compress Pictures) "
                    "or split it into smaller decks."
                )
                % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
            )
            return cleaned
        try:
            with local_path(source) as path:
                conversion.check_package(path, limits())
                try:
                    conversion.detect(path)
                except conversion.EncryptedFile:
                    if password:
                        with tempfile.TemporaryDirectory() as tmp:
                            out = Path(tmp) / "decrypted"
                            conversion.decrypt(path, password, out)
                            conversion.detect(out)
                            self._decrypted = out.read_bytes()
                    elif self.password_needed_now:
                        self.add_error("password", self.password_needed_message)
                else:
                    if password:
                        self.add_error(
                            "password",
                            _("This file is not password-protected: leave the password empty."),
                        )
        except conversion.WrongPassword as exc:
            self.add_error("password", gettext(exc.message))
        except conversion.ConversionError as exc:
            self.add_error("file" if new_upload else None, gettext(exc.message))
        return cleaned

    def save(self, commit=True):
        from .tasks import queue_conversion

        deck = super().save(commit=False)
        deck.take_task_fields_from_db()
        file_changed = "file" in self.changed_data
        if file_changed:
            deck.file_size = deck.file.size
            deck.file_hash = file_sha256(deck.file)
            if deck.decrypted_file:
                deck.decrypted_file.delete(save=False)
        if getattr(self, "_decrypted", None):
            deck.decrypted_file.save(
                f"{deck.file_hash[:16]}.bin", ContentFile(self._decrypted), save=False
            )
        if not deck.pk and self.for_user is not None and self.for_user.is_authenticated:
            deck.uploaded_by_user = self.for_user
        if commit:
            deck.save()
            self.save_m2m()
            if (
                file_changed
                or getattr(self, "_decrypted", None)
                or self.cleaned_data.get("convert_again")
            ):
                queue_conversion(deck, force=True)
        return deck


class SlideDeckUploadForm(SlideDeckForm):
    """The deck chooser's upload tab: a new deck as the Slide decks add form makes it (same
    checks, same conversion), with only what a first upload needs."""

    convert_again = None  # a new deck is converted anyway
    # The deck is chosen as soon as it is saved, and the trainer has no deck page open to
    # type the password on later: ask for it now.
    password_needed_now = True

    class Meta:
        model = SlideDeck
        fields = ["title", "file", "password", "collection"]
