"""Serving lecture videos' derived files and captions, and the resume-position API."""

import mimetypes

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from ..models import LectureVideo, VideoCaption, VideoPosition
from ..permissions import can_view_video
from ..progress_core import BadReport, is_seconds
from .progress import database_outage_is_503, json_error, members_only, read_json
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


@database_outage_is_503  # outermost: members_only reads the session from the database
@members_only
@require_http_methods(["GET", "POST"])
@remembering_lessons
def video_position(request, video_id: int):
    """GET: where this member stopped. POST {"position": seconds}: remember it.

    Session authentication with CSRF (the player sends the token in a header). Answers and
    refusals are JSON, as the progress API's, which reads the body the same way.
    """
    try:
        video = _visible_video(request, video_id)
    except Http404:  # JSON, as every refusal here; the same for a video one may not see
        return json_error(_("There is no such video."), 404)
    if request.method == "GET":
        saved = VideoPosition.objects.filter(user=request.user, video=video).first()
        return JsonResponse({"position": saved.position if saved else 0})
    try:
        report = read_json(request)
    except BadReport as exc:
        return json_error(str(exc), 400)
    position = report.get("position") if isinstance(report, dict) else None
    if not is_seconds(position):
        return json_error(_("The position is not a number of seconds."), 400)
    if position > (video.duration or 0) + 1:
        return json_error(_("The position is outside the video."), 400)
    position = float(position)
    VideoPosition.objects.update_or_create(
        user=request.user, video=video, defaults={"position": position}
    )
    return JsonResponse({"position": position})
