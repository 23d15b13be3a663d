"""Presentation conversion core: plain Python, no Django, no ORM.

Paths in, dataclasses and files out, typed errors (``ConversionError.code`` / ``.message``).
The task calls :func:`prepare`, :func:`extract_text` (python-pptx, fast: save the text) and
:func:`render` (LibreOffice → PDF → images on both cores), or simply :func:`convert_deck`.
"""

from .content import (
    DeckContent,
    Hyperlink,
    MediaFile,
    Prepared,
    RenderedPage,
    RenderResult,
    SlideContent,
)
from .decrypt import decrypt, is_encrypted
from .detect import Detected, detect, detect_format
from .errors import (
    ConversionError,
    ConversionTimeout,
    CorruptFile,
    EncryptedFile,
    MissingDependency,
    NoSlides,
    NotAPresentation,
    TooLarge,
    TooManySlides,
    WrongPassword,
)
from .limits import Limits, check_members, check_package
from .pdf import extract_pdf_slides, pdf_page_count, render_pages
from .pipeline import convert_deck, count_slides, extract_text, prepare, render, start_render
from .pptx import extract_deck
from .soffice import convert_to_pdf, convert_to_pptx

__all__ = [
    "ConversionError",
    "ConversionTimeout",
    "CorruptFile",
    "DeckContent",
    "Detected",
    "EncryptedFile",
    "Hyperlink",
    "Limits",
    "MediaFile",
    "MissingDependency",
    "NoSlides",
    "NotAPresentation",
    "Prepared",
    "RenderResult",
    "RenderedPage",
    "SlideContent",
    "TooLarge",
    "TooManySlides",
    "WrongPassword",
    "check_members",
    "check_package",
    "convert_deck",
    "convert_to_pdf",
    "convert_to_pptx",
    "count_slides",
    "decrypt",
    "detect",
    "detect_format",
    "extract_deck",
    "extract_pdf_slides",
    "extract_text",
    "is_encrypted",
    "pdf_page_count",
    "prepare",
    "render",
    "render_pages",
    "start_render",
]
