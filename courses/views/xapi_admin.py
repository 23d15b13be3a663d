"""Admin download of a course's progress as xAPI statements, for a Learning Record Store."""

import json

from django.http import StreamingHttpResponse
from django.utils.cache import add_never_cache_headers
from django.utils.http import content_disposition_header

from .. import xapi_service
from .enrolment_admin import editable_course

CHUNK_BYTES = 64 * 1024


def export_course_xapi(request, page_id: int):
    """Every member's progress in the course as xAPI statements: one JSON array, streamed.

    Open to those who may see the course's members (its trainers and admins): the same
    check as the Members page.
    """
    course = editable_course(request, page_id)
    response = StreamingHttpResponse(
        json_array(xapi_service.course_statements(course)), content_type="application/json"
    )
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{course.slug}-xapi.json"
    )
    # Names and learning records: no shared cache may keep a copy.
    add_never_cache_headers(response)
    return response


def json_array(items):
    """A JSON array written item by item, in chunks of about 64 KB."""
    chunk = ["["]
    size = 1
    for i, item in enumerate(items):
        text = ("," if i else "") + "\n" + json.dumps(item, ensure_ascii=False)
        chunk.append(text)
        size += len(text)
        if size >= CHUNK_BYTES:
            yield "".join(chunk)
            chunk, size = [], 0
    chunk.append("\n]\n")
    yield "".join(chunk)
