"""HTTP Range support for served files, so video seeking works (Django's FileResponse sends
whole files only)."""

import re

from django.http import FileResponse, HttpResponse, StreamingHttpResponse

# [0-9], not \d: \d also matches other scripts' digits ("bytes=١-"), which HTTP does not.
RANGE = re.compile(r"^bytes=([0-9]*)-([0-9]*)$")
CHUNK = 256 * 1024


def _read_range(fh, start: int, length: int):
    fh.seek(start)
    remaining = length
    try:
        while remaining > 0:
            data = fh.read(min(CHUNK, remaining))
            if not data:
                break
            remaining -= len(data)
            yield data
    finally:
        fh.close()


def _position(digits: str, size: int) -> int:
    """The byte position ``digits`` names, or ``size`` for any beyond the file: HTTP sets no
    limit on their length, but int() refuses more than 4300 digits."""
    digits = digits.lstrip("0") or "0"
    return size if len(digits) > len(str(size)) else min(int(digits), size)


def _if_range_holds(request, etag: str | None) -> bool:
    """Whether a Range may be honoured under the request's If-Range (RFC 9110 §13.1.5): only
    if it names the bytes sent now, an entity tag equal to ``etag`` by strong comparison. A
    date never does: these responses have no Last-Modified to compare it with. Otherwise the
    client's partial copy is of other bytes, and it needs the whole file."""
    validator = request.headers.get("If-Range")
    if validator is None:
        return True
    return bool(etag) and not etag.startswith("W/") and validator.strip() == etag


def ranged_file_response(request, fh, size: int, content_type: str, etag: str | None = None):
    """A 200 with the whole file, or a 206 with the one byte range asked for, or a 416.

    Only single ranges: browsers' media elements ask for one at a time; a multi-range or
    malformed header gets the whole file, as RFC 9110 allows. ``etag`` is the ETag the
    response will carry, for If-Range.
    """
    header = request.headers.get("Range", "")
    match = RANGE.match(header.strip()) if header else None
    if (
        not match
        or (not match.group(1) and not match.group(2))
        or not _if_range_holds(request, etag)
    ):
        response = FileResponse(fh, content_type=content_type)
        response["Accept-Ranges"] = "bytes"
        return response
    first, last = match.groups()
    if first:
        start = _position(first, size)
        end = min(_position(last, size), size - 1) if last else size - 1
    else:  # "bytes=-500": the last 500 bytes (the whole file, if it is shorter)
        start = size - _position(last, size)
        end = size - 1
    if start >= size or start > end:
        fh.close()
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response
    length = end - start + 1
    response = StreamingHttpResponse(
        _read_range(fh, start, length), status=206, content_type=content_type
    )
    response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    return response
