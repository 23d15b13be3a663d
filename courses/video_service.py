"""Turn an uploaded LectureVideo into web-ready renditions, a poster and a storyboard: the glue
between the pure video core (courses.conversion.video) and the ORM and storage."""

import logging
import shutil
import tempfile
import time
from pathlib import Path

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from .conversion import ConversionError
from .conversion import video as vconv
from .decks import collection_named
from .models import LectureVideo, VideoRendition
from .models.slides import file_sha256

logger = logging.getLogger(__name__)

LOW_HEIGHT = 480


def derived_prefix(video: LectureVideo) -> str:
    return f"videos/derived/{video.pk}"


def _store(local: Path, video: LectureVideo, name: str) -> str:
    """Save a local file under the video's derived folder; returns the name relative to it."""
    relative = f"{video.file_hash[:16]}/{name}"
    full = f"{derived_prefix(video)}/{relative}"
    if default_storage.exists(full):
        default_storage.delete(full)
    with local.open("rb") as fh:
        default_storage.save(full, File(fh))
    return relative


def fail(video: LectureVideo, code: str, message: str) -> None:
    video.renditions.all().delete()
    video.mark(
        LectureVideo.Status.FAILED,
        error_code=code,
        error_message=message,
        processed_at=timezone.now(),
    )


def process(video: LectureVideo, *, force: bool = False) -> LectureVideo:
    """Make ``video`` web-ready: probe, poster and the main rendition, then READY at once;
    then the storyboard and a smaller rendition, which members get as they arrive.

    Never raises for bad input: the video ends READY or FAILED with a reason. A file already
    processed is left alone unless ``force``. The extras never undo READY: if one of them
    fails the video plays without it, and the log says why.
    """
    video.refresh_from_db()
    if not force and video.is_ready and video.processed_hash == video.file_hash:
        return video
    started = time.perf_counter()
    video.mark(
        LectureVideo.Status.PROCESSING,
        progress=0,
        attempts=video.attempts + 1,
        processing_started_at=timezone.now(),
        error_code="",
        error_message="",
    )
    try:
        with tempfile.TemporaryDirectory(prefix="elearn-video-") as tmp:
            tmp_path = Path(tmp)
            source = tmp_path / ("source" + Path(video.file.name).suffix.lower())
            with video.file.open("rb") as src, source.open("wb") as dst:
                shutil.copyfileobj(src, dst, 4 * 1024 * 1024)
            info = _web_ready(video, source, tmp_path)
            logger.info("Video %s web-ready in %.1f s", video.pk, time.perf_counter() - started)
            try:
                _extras(video, source, info, tmp_path)
            except Exception:  # members can already watch: a missing extra is not a failure
                logger.exception("Video %s: extras failed; it plays without them", video.pk)
    except ConversionError as exc:
        logger.info("Video %s failed: %s (%s)", video.pk, exc.message, getattr(exc, "detail", ""))
        fail(video, exc.code, exc.message)
    except Exception:
        logger.exception("Video %s: unexpected error during processing", video.pk)
        fail(
            video,
            "internal",
            gettext_noop(
                "Processing failed unexpectedly. Try again; if it fails again, tell your administrator."
            ),
        )
    logger.info("Video %s processed in %.1f s", video.pk, time.perf_counter() - started)
    return video


def _web_ready(video: LectureVideo, source: Path, tmp_path: Path) -> vconv.VideoInfo:
    """Probe, poster and the main rendition; the video is READY when this returns."""
    info = vconv.probe(source)
    video.mark(
        LectureVideo.Status.PROCESSING,
        duration=info.duration_s,
        width=info.display_width,
        height=info.display_height,
        fps=info.fps,
        video_codec=info.video_codec or "",
        audio_codec=info.audio_codec or "",
    )
    poster = _store(vconv.make_poster(source, tmp_path / "poster.jpg", info), video, "poster.jpg")

    def report(percent: float) -> None:
        video.mark(LectureVideo.Status.PROCESSING, progress=max(1, min(99, int(percent))))

    web = vconv.web_rendition(source, tmp_path / "web.mp4", info, progress=report)
    for warning in web.warnings:
        logger.warning("Video %s, web rendition: %s", video.pk, warning)
    with transaction.atomic():
        video.renditions.all().delete()
        _save_rendition(video, "web", web)
        video.mark(
            LectureVideo.Status.READY,
            progress=100,
            poster=poster,
            storyboard_vtt="",
            processed_hash=video.file_hash,
            processed_at=timezone.now(),
        )
    return info


def _extras(video: LectureVideo, source: Path, info: vconv.VideoInfo, tmp_path: Path) -> None:
    """Storyboard for the seek bar, and a 480p rendition for slow links (from larger sources)."""
    try:
        board = vconv.make_storyboard(source, tmp_path / "storyboard", info)
        for sprite in board.sprites:
            _store(Path(sprite), video, Path(sprite).name)
        video.mark(
            LectureVideo.Status.READY, storyboard_vtt=_store(board.vtt, video, "storyboard.vtt")
        )
    except ConversionError as exc:
        logger.warning("Video %s: no storyboard: %s", video.pk, getattr(exc, "detail", exc))
    if not info.display_height or info.display_height <= LOW_HEIGHT:
        return
    try:
        low = vconv.web_rendition(source, tmp_path / "480p.mp4", info, max_height=LOW_HEIGHT)
    except ConversionError as exc:
        logger.warning("Video %s: no 480p rendition: %s", video.pk, getattr(exc, "detail", exc))
        return
    _save_rendition(video, "480p", low)


def _save_rendition(video: LectureVideo, label: str, rendition) -> VideoRendition:
    return VideoRendition.objects.create(
        video=video,
        label=label,
        file=_store(Path(rendition.path), video, f"{label}.mp4"),
        width=rendition.width,
        height=rendition.height,
        size=Path(rendition.path).stat().st_size,
        remuxed=rendition.remuxed,
        source_hash=video.file_hash,
    )


def create_video(path: Path, *, collection=None, tags=(), title=None) -> LectureVideo:
    """A new LectureVideo holding a copy of ``path`` (streamed, never read whole into memory)."""
    with path.open("rb") as fh:
        django_file = File(fh, name=path.name)
        video = LectureVideo(
            title=title or path.stem.replace("_", " "),
            collection=collection_named(collection),
            file_size=path.stat().st_size,
            file_hash=file_sha256(django_file),
        )
        video.file.save(path.name, django_file, save=False)
        video.save()
    if tags:
        video.tags.add(*tags)
    return video
