"""Serving a deck's derived files (slide images, thumbnails, the deck PDF, extracted media).

Shaped like Wagtail's document serve view: the file name in the URL is checked against the
deck's own folder, one permission function decides, and every response carries an ETag and
nosniff. Originals are never served from here. ``send_file`` is shared by every protected
file (deck files, video files, handouts): after the check, Django sends the bytes, the front
server does (X-Accel-Redirect, X-Sendfile), or, on object storage, the browser is redirected
to a short-lived signed URL.
"""

import mimetypes
import posixpath
import re
from functools import wraps
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import default_storage
from django.http import Http404, HttpResponse, HttpResponseNotModified, HttpResponseRedirect
from django.utils.http import content_disposition_header, quote_etag
from django.views.decorators.http import require_safe

from .. import deck_service, lesson_rules
from ..models import SlideDeck
from ..page_memory import keep, own_copy, recall
from ..permissions import can_view_deck
from ..storage_files import has_local_paths
from .ranges import ranged_file_response

mimetypes.add_type("image/webp", ".webp")
# A slide image that may be made on first request: <hash>/slides/<number>-<width>.<ext>.
# ASCII digits, and few enough for int() (a width has at most 5).
LAZY_IMAGE = re.compile(r"^[0-9a-f]{16}/slides/([0-9]{4})-([0-9]{1,5})\.(?:webp|jpg)$")
# Read by script (fetch) or by a <track>, which refuse a file from another origin unless it
# allows CORS: these are small, so Django sends them even where the rest go to a bucket.
SAME_ORIGIN_TYPES = {"text/vtt"}


def safe_name(name: str) -> str:
    """``name`` if it stays inside its folder (no "..", no absolute path), else a 404."""
    clean = posixpath.normpath(name)
    if clean != name or clean.startswith(("/", "..")) or "\\" in name:
        raise Http404
    return clean


def _offloaded(storage_name: str) -> HttpResponse | None:
    """An empty response that tells the front web server to send the file itself, when one
    is configured (nginx: X-Accel-Redirect to an ``internal`` location over MEDIA_ROOT;
    Apache or lighttpd: X-Sendfile with the file's path). Django has checked permission;
    the server does the bytes, ranges included. Storages without local paths are left to
    ``_redirected`` (or Django, with "stream")."""
    mode = settings.ELEARN_PROTECTED_FILES
    if not mode or mode == "stream":
        return None
    try:
        path = default_storage.path(storage_name)
    except NotImplementedError:
        return None
    response = HttpResponse()
    if mode == "x-accel-redirect":
        prefix = settings.ELEARN_PROTECTED_FILES_PREFIX.rstrip("/")
        response["X-Accel-Redirect"] = quote(f"{prefix}/{storage_name}")
    elif mode == "x-sendfile":
        response["X-Sendfile"] = path
    else:
        raise ImproperlyConfigured(
            "ELEARN_PROTECTED_FILES is '', 'x-accel-redirect', 'x-sendfile' or 'stream'"
        )
    return response


def _redirected(
    storage_name: str,
    *,
    content_type: str,
    filename: str | None,
    attachment: bool,
    cache: str,
    expire: int | None,
) -> HttpResponse | None:
    """A redirect to a signed URL of the file, when the storage has no local paths (an S3
    bucket), so the bytes and every Range request go straight to the object store; None
    where Django or the front server sends the file instead.

    Permission has been checked by the caller. The URL carries its own expiry: someone who
    copies it, or loses access meanwhile, has it only until then. The object store answers
    with the content type, disposition and caching Django would have sent (S3 takes them as
    signed ``response-*`` parameters); it cannot add nosniff, but it answers from its own
    origin, so a sniffed file could not script this site anyway."""
    if (
        settings.ELEARN_PROTECTED_FILES == "stream"
        or content_type in SAME_ORIGIN_TYPES
        or has_local_paths()
    ):
        return None
    parameters = {"ResponseContentType": content_type, "ResponseCacheControl": cache}
    if filename:
        parameters["ResponseContentDisposition"] = content_disposition_header(attachment, filename)
    seconds = expire or settings.ELEARN_SIGNED_URL_SECONDS
    try:
        url = default_storage.url(storage_name, parameters=parameters, expire=seconds)
    except TypeError:  # a remote storage whose url() takes no such arguments
        url = default_storage.url(storage_name)
    response = HttpResponseRedirect(url)
    # The redirect names a URL that expires: never keep it, in the browser or a proxy.
    response["Cache-Control"] = "private, no-store"
    return response


def send_file(
    request,
    storage_name: str,
    *,
    name: str | None = None,
    etag: str | None = None,
    filename: str | None = None,
    attachment: bool = False,
    cache: str = "private, max-age=3600",
    expire: int | None = None,
):
    """Send a stored file someone was allowed to see: from object storage by a redirect to a
    signed URL (living ``expire`` seconds, by default ELEARN_SIGNED_URL_SECONDS), by the
    front server when configured, else with Range support; always with an ETag (when the
    name pins the bytes), nosniff and private caching."""
    name = name or storage_name
    if etag and request.headers.get("If-None-Match") == etag:
        return HttpResponseNotModified()
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    redirect = _redirected(
        storage_name,
        content_type=content_type,
        filename=filename,
        attachment=attachment,
        cache=cache,
        expire=expire,
    )
    if redirect is not None:
        return redirect
    response = _offloaded(storage_name)
    if response is None:
        response = ranged_file_response(
            request,
            default_storage.open(storage_name, "rb"),
            default_storage.size(storage_name),
            content_type,
            etag,
        )
    response["Content-Type"] = content_type
    if etag:
        response["ETag"] = etag
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = cache
    if filename:
        kind = "attachment" if attachment else "inline"
        response["Content-Disposition"] = content_disposition_header(kind == "attachment", filename)
    return response


def serve_derived(request, storage_name: str, source_hash: str, name: str, **kwargs):
    """A deck's or video's derived file; its name embeds the source hash, so name + hash
    identify the bytes (the ETag)."""
    etag = quote_etag(f"{source_hash[:16]}-{name}")
    return send_file(request, storage_name, name=name, etag=etag, **kwargs)


def remembering_lessons(view):
    """For a lesson's files: the permission check's answers that only editors change (the
    lectures showing a deck or video, their courses, the file's row, hidden slides) come from
    this process's memory while no lesson changed (``lesson_rules.remembering``). A member
    stepping through slides or playing a video asks for a file every few seconds."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        with lesson_rules.remembering():
            return view(request, *args, **kwargs)

    return wrapped


def kept_row(model, pk: int):
    """The row with this key (a deck, a video), kept while lessons do not change (decks and
    videos moving on move the lessons' version on); this request's own copy. Http404 if none.

    A missing row is not kept: requests for made-up ids must not fill (and so empty) the
    process's memory."""
    key = (model._meta.label, "row", pk)
    row = recall(key)
    if row is None:
        row = model.objects.filter(pk=pk).first()
        if row is None:
            raise Http404
        keep(key, row)
    return own_copy(row)


@require_safe
@remembering_lessons
def deck_file(request, deck_id: int, name: str):
    """A deck's slide image, thumbnail, PDF or extracted media file."""
    deck = kept_row(SlideDeck, deck_id)
    clean = safe_name(name)
    if not can_view_deck(request.user, deck, clean):
        # 404, not 403: do not confirm to strangers that a file exists.
        raise Http404
    storage_name = f"decks/derived/{deck.pk}/{clean}"
    if not default_storage.exists(storage_name):
        lazy = LAZY_IMAGE.match(clean)
        if not lazy:
            raise Http404
        number, width = int(lazy.group(1)), int(lazy.group(2))
        # Only the very name rendering stores (this deck's hash, the format this site makes,
        # no leading zeros): any other would be rendered, then not found to send.
        suffix = deck_service.slide_image_suffix()
        if clean != deck_service.slide_image_name(deck, number, width, suffix):
            raise Http404
        if deck_service.render_slide_image(deck, number, width) is None:
            raise Http404
    pdf_name = f"{posixpath.basename(deck.filename)}.pdf" if clean.endswith(".pdf") else None
    return serve_derived(request, storage_name, deck.file_hash, clean, filename=pdf_name)
