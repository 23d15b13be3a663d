"""Typed conversion errors whose ``message`` can be shown to a trainer as it is.

Every failure caused by the uploaded file (or by a missing system package) is raised as a
subclass of :class:`ConversionError`; callers store ``code`` on the row and show ``message``.
Anything else escaping the conversion core is a bug in it.
"""

from __future__ import annotations


def gettext_noop(message: str) -> str:
    """Mark a message for translation without importing Django: makemessages finds it by this
    name, and the Django layer translates ``ConversionError.message`` when it shows it."""
    return message


class ConversionError(Exception):
    """Base class: ``code`` is stable for programs, ``message`` is plain words for a person."""

    code = "error"
    default_message = gettext_noop("This file could not be converted.")

    def __init__(self, message: str | None = None, *, detail: str = "") -> None:
        self.message = message or self.default_message
        # Technical detail for logs only; never shown to the trainer.
        self.detail = detail
        super().__init__(self.message)

    def __str__(self) -> str:
        return f"{self.message} ({self.detail})" if self.detail else self.message


class CorruptFile(ConversionError):
    code = "corrupt"
    default_message = gettext_noop(
        "This file is damaged or incomplete. Open it in PowerPoint or LibreOffice, save it "
        "again, and upload the new copy."
    )


class EncryptedFile(ConversionError):
    code = "encrypted"
    default_message = gettext_noop(
        "This presentation is password-protected. Type its password and convert again, or "
        "remove the password and upload it again."
    )


class WrongPassword(ConversionError):
    code = "wrong_password"
    default_message = gettext_noop(
        "The password does not open this presentation. Check it (passwords are "
        "case-sensitive) and try again."
    )


class NotAPresentation(ConversionError):
    code = "not_presentation"
    default_message = gettext_noop(
        # The formats as the upload field's help text lists them (SlideDeck.file).
        "This file is not a presentation. Upload a PowerPoint (.pptx, .ppsx, .potx, .pptm, "
        ".ppt), OpenDocument (.odp) or PDF file."
    )


class NoSlides(ConversionError):
    code = "no_slides"
    default_message = gettext_noop(
        "This presentation has no slides. Add at least one slide and upload it again."
    )


class TooLarge(ConversionError):
    code = "too_large"
    default_message = gettext_noop(
        "This presentation is too large to convert. Compress its pictures (in PowerPoint: "
        "File > Compress Pictures) or split it into smaller decks."
    )


class ConversionTimeout(ConversionError):
    code = "timeout"
    default_message = gettext_noop(
        "Converting this presentation took too long and was stopped. Try again later, or split "
        "it into smaller decks."
    )


class TooManySlides(TooLarge):
    """More slides (or PDF pages) than ``Limits.max_slides``; the counts go to ``detail``."""

    default_message = gettext_noop(
        "This presentation has more slides than can be converted at once. Split it into "
        "smaller decks and upload them one by one."
    )


class MissingDependency(ConversionError):
    """A program the server needs is not installed; ``package`` names the Debian package."""

    code = "missing_dependency"
    default_message = gettext_noop(
        "The server cannot convert presentations yet; ask an administrator."
    )

    def __init__(self, program: str, package: str) -> None:
        self.program = program
        self.package = package
        super().__init__(
            f"{program} is not installed: install the Debian package {package}",
            detail=f"{program} not found on PATH",
        )


ERRORS_BY_CODE: dict[str, type[ConversionError]] = {
    cls.code: cls
    for cls in (
        CorruptFile,
        EncryptedFile,
        WrongPassword,
        NotAPresentation,
        NoSlides,
        TooLarge,
        ConversionTimeout,
        MissingDependency,
    )
}
