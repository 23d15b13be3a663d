"""HTTP Range support for served files, so video seeking works (Django's FileResponse sends
whole files only)."""

import re

from django.http import FileResponse, HttpResponse, StreamingHttpResponse

RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
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


def ranged_file_response(request, fh, size: int, content_type: str):
    """A 200 with the whole file, or a 206 with the one byte range asked for, or a 416.

    Only single ranges: browsers' media elements ask for one at a time; a multi-range or
    malformed header gets the whole file, as RFC 9110 allows.
    """
    header = request.headers.get("Range", "")
    match = RANGE.match(header.strip()) if header else None
    if not match or (not match.group(1) and not match.group(2)):
        response = FileResponse(fh, content_type=content_type)
        response["Accept-Ranges"] = "bytes"
        return response
    first, last = match.groups()
    if first:
        start = int(first)
        end = min(int(last), size - 1) if last else size - 1
    else:  # "bytes=-500": the last 500 bytes
        start = max(0, size - int(last))
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
