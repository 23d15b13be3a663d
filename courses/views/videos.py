"""Serving lecture videos' derived files and captions, and the resume-position API."""

import json
import mimetypes

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import (
    Http404,
    HttpResponse,
    HttpResponseBadRequest,
    JsonResponse,
)
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_http_methods, require_safe

from ..models import LectureVideo, VideoCaption, VideoPosition
from ..permissions import can_view_video
from .progress import database_outage_is_503
from .serve import kept_row, remembering_lessons, safe_name, serve_derived

mimetypes.add_type("text/vtt", ".vtt")


def _visible_video(request, video_id: int) -> LectureVideo:
    video = kept_row(LectureVideo, video_id)
    if not can_view_video(request.user, video):
        raise Http404  # do not confirm to strangers that it exists
    return video


@require_safe
@remembering_lessons
def video_file(request, video_id: int, name: str):
    """A rendition, poster or storyboard file, with Range support so players can seek."""
    video = _visible_video(request, video_id)
    clean = safe_name(name)
    storage_name = f"videos/derived/{video.pk}/{clean}"
    if not default_storage.exists(storage_name):
        raise Http404
    # From object storage the player gets a signed URL, and may go on asking that URL for
    # byte ranges rather than this view: let it outlive the lecture, played slowly or paused.
    expire = settings.ELEARN_SIGNED_URL_SECONDS + int(2 * (video.duration or 0))
    return serve_derived(request, storage_name, video.file_hash, clean, expire=expire)


@require_safe
@remembering_lessons
def video_caption(request, video_id: int, caption_id: int):
    """A caption track as WebVTT (uploaded SRT is converted when saved)."""
    video = _visible_video(request, video_id)
    caption = get_object_or_404(VideoCaption, pk=caption_id, video=video)
    response = HttpResponse(caption.vtt, content_type="text/vtt; charset=utf-8")
    response["X-Content-Type-Options"] = "nosniff"
    return response


@database_outage_is_503  # outermost: login_required reads the session from the database
@login_required
@require_http_methods(["GET", "POST"])
@remembering_lessons
def video_position(request, video_id: int):
    """GET: where this member stopped. POST {"position": seconds}: remember it.

    Session authentication with CSRF (the player sends the token in a header).
    """
    video = _visible_video(request, video_id)
    if request.method == "GET":
        saved = VideoPosition.objects.filter(user=request.user, video=video).first()
        return JsonResponse({"position": saved.position if saved else 0})
    try:
        position = float(json.loads(request.body or b"{}").get("position"))
    except (TypeError, ValueError, AttributeError, json.JSONDecodeError):
        return HttpResponseBadRequest("position must be a number of seconds")
    if not (0 <= position <= (video.duration or 0) + 1):
        return HttpResponseBadRequest("position is outside the video")
    VideoPosition.objects.update_or_create(
        user=request.user, video=video, defaults={"position": position}
    )
    return JsonResponse({"position": position})
