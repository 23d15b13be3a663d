"""Serving a deck's derived files (slide images, thumbnails, the deck PDF, extracted media).

Shaped like Wagtail's document serve view: the file name in the URL is checked against the
deck's own folder, one permission function decides, and every response carries an ETag and
nosniff. Originals are never served from here.
"""

import mimetypes
import posixpath
import re

from django.core.files.storage import default_storage
from django.http import Http404, HttpResponseNotModified
from django.shortcuts import get_object_or_404
from django.utils.http import quote_etag
from django.views.decorators.http import require_safe

from .. import deck_service
from ..models import SlideDeck
from ..permissions import can_view_deck
from .ranges import ranged_file_response

mimetypes.add_type("image/webp", ".webp")
# A slide image that may be made on first request: <hash>/slides/<number>-<width>.<ext>
LAZY_IMAGE = re.compile(r"^([0-9a-f]{16})/slides/(\d{4})-(\d+)\.(?:webp|jpg)$")


def safe_name(name: str) -> str:
    """``name`` if it stays inside its folder (no "..", no absolute path), else a 404."""
    clean = posixpath.normpath(name)
    if clean != name or clean.startswith(("/", "..")) or "\\" in name:
        raise Http404
    return clean


def serve_derived(request, storage_name: str, source_hash: str, name: str):
    """Send a derived file: Range support, an ETag, nosniff, private caching."""
    # Derived names embed the source hash, so name + hash identify the bytes.
    etag = quote_etag(f"{source_hash[:16]}-{name}")
    if request.headers.get("If-None-Match") == etag:
        return HttpResponseNotModified()
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = ranged_file_response(
        request,
        default_storage.open(storage_name, "rb"),
        default_storage.size(storage_name),
        content_type,
    )
    response["ETag"] = etag
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


@require_safe
def deck_file(request, deck_id: int, name: str):
    """A deck's slide image, thumbnail, PDF or extracted media file."""
    deck = get_object_or_404(SlideDeck, pk=deck_id)
    clean = safe_name(name)
    if not can_view_deck(request.user, deck, clean):
        # 404, not 403: do not confirm to strangers that a file exists.
        raise Http404
    storage_name = f"decks/derived/{deck.pk}/{clean}"
    if not default_storage.exists(storage_name):
        lazy = LAZY_IMAGE.match(clean)
        if not (lazy and lazy.group(1) == deck.file_hash[:16]):
            raise Http404
        if deck_service.render_slide_image(deck, int(lazy.group(2)), int(lazy.group(3))) is None:
            raise Http404
    response = serve_derived(request, storage_name, deck.file_hash, clean)
    if response.get("Content-Type") == "application/pdf":
        response["Content-Disposition"] = (
            f'inline; filename="{posixpath.basename(deck.filename)}.pdf"'
        )
    return response
