"""Turn an uploaded LectureVideo into web-ready renditions, a poster and a storyboard: the glue
between the pure video core (courses.conversion.video) and the ORM and storage.

ffmpeg needs paths: the source is read where it lies on local disk, or from a temporary
download from object storage (``courses.storage_files``); outputs are made in a temporary
folder and saved to the default storage."""

import logging
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext, gettext_noop

from . import deck_service
from .conversion import ConversionError, captions
from .conversion import narrated as nconv
from .conversion import video as vconv
from .decks import collection_named
from .models import LectureVideo, SlideDeck, VideoCaption, VideoRendition
from .models.slides import file_sha256
from .storage_files import download, local_copy, store

logger = logging.getLogger(__name__)

LOW_HEIGHT = 480


def derived_prefix(video: LectureVideo) -> str:
    return f"videos/derived/{video.pk}"


def _store(local: Path, video: LectureVideo, name: str) -> str:
    """Save a local file under the video's derived folder; returns the name relative to it."""
    relative = f"{video.file_hash[:16]}/{name}"
    store(local, f"{derived_prefix(video)}/{relative}")
    return relative


def fail(video: LectureVideo, code: str, message: str) -> None:
    video.renditions.all().delete()
    video.mark(
        LectureVideo.Status.FAILED,
        error_code=code,
        error_message=message,
        processed_at=timezone.now(),
    )
    from insights.tasks import queue_failure_notice

    queue_failure_notice(video)


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
        with (
            tempfile.TemporaryDirectory(prefix="elearn-video-") as tmp,
            local_copy(video.file.name) as source,
        ):
            tmp_path = Path(tmp)
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


def _poster_time(video: LectureVideo) -> float | None:
    """Where a video with chapters shows its poster: a moment into its first chapter (a
    deck's title slide, a talk's title card), not a tenth of the way through (slide 3)."""
    chapters = video.captions.filter(kind=VideoCaption.Kind.CHAPTERS).first()
    if chapters is None or not chapters.cues:
        return None
    start, end, _text = min(chapters.cues)
    # Half a second in, past a fade from black, while the chapter still shows.
    return start + min(0.5, max(0.0, (end - start) / 2))


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
    poster = _store(
        vconv.make_poster(source, tmp_path / "poster.jpg", info, first_at=_poster_time(video)),
        video,
        "poster.jpg",
    )

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


# --- deck → narrated video ------------------------------------------------------------------

NARRATED_WIDTH = 1920  # full HD: slide text stays legible full-screen


class DeckNotReady(ConversionError):
    """The deck has no slide pictures to make a video of (not converted, failed, all hidden)."""

    code = "deck_not_ready"
    default_message = gettext_noop(
        "This deck is not converted yet (or its conversion failed). Convert it first, then "
        "make the video."
    )


@dataclass
class NarratedDeck:
    """What :func:`narrate_deck` made: the new video, where each slide starts in it, and
    anything the trainer should know (sound left out)."""

    video: LectureVideo
    starts: dict[int, float]  # slide number → start in seconds (visible slides only)
    warnings: list[str] = field(default_factory=list)


def _slide_pictures(deck: SlideDeck, slides: list, tmp: Path) -> dict[int, Path]:
    """Each slide's picture at NARRATED_WIDTH (made now where it was left for later), or its
    largest stored one when that cannot be made; copied into ``tmp``."""
    made = deck_service.render_slide_images(deck, [s.number for s in slides], NARRATED_WIDTH)
    pictures = {}
    for slide in slides:
        name = made.get(slide.number)
        if name is None:
            stored = [
                deck_service.derived_name(deck, relative)
                for _width, relative in sorted(slide.images.items(), key=lambda item: -int(item[0]))
            ]
            name = next((n for n in stored if default_storage.exists(n)), None)
        if name is None:
            raise DeckNotReady(detail=f"slide {slide.number} has no picture")
        pictures[slide.number] = download(name, tmp / f"slide{slide.number:04d}{Path(name).suffix}")
    return pictures


def _chapters_track(video: LectureVideo, slides: list, result: nconv.NarratedVideo) -> None:
    """A chapters track naming each slide, so the player lists them and seeks to them."""
    ends = [start + length for start, length in zip(result.starts, result.durations, strict=True)]
    cues = [
        captions.Cue(start_s=start, end_s=end, text=str(slide.display_title))
        for slide, start, end in zip(slides, result.starts, ends, strict=True)
    ]
    text = captions.to_webvtt(cues)
    VideoCaption.objects.create(
        video=video,
        language=settings.LANGUAGE_CODE,
        label=gettext("Slides"),
        kind=VideoCaption.Kind.CHAPTERS,
        file=ContentFile(text.encode(), name="slides-chapters.vtt"),
        vtt=text,
        cues=captions.cues_as_rows(cues),
    )


def narrate_deck(
    deck: SlideDeck,
    *,
    default_seconds: float = 5,
    deck_audio=None,
    slide_audio: dict | None = None,
    title: str | None = None,
) -> NarratedDeck:
    """Make a lecture video of a converted deck's visible slides, each lasting its narration
    (the first sound embedded in the slide), else its PowerPoint timing, else
    ``default_seconds``; or with ``deck_audio`` (a path or a Django file: one recording for the
    whole deck) laid across them. ``slide_audio`` maps slide numbers to recordings the
    trainer uploaded for those slides (paths or Django files); they take the place of the
    sound embedded in the slide. See :mod:`courses.conversion.narrated` for the rules.

    The MP4 becomes a new LectureVideo (in the deck's collection, uploaded by the deck's
    uploader) with a chapters track of slide titles, and is queued for the usual processing
    (poster, storyboard, renditions) once the transaction commits. Raises
    :class:`DeckNotReady` and the core's :class:`~courses.conversion.ConversionError`s
    (e.g. ``bad_audio`` for an unreadable ``deck_audio``); a slide's unreadable sound is
    left out with a warning instead.
    """
    from .tasks import queue_video_processing

    deck.refresh_from_db()
    if deck.status != SlideDeck.Status.READY:
        raise DeckNotReady(detail=f"deck {deck.pk} is {deck.status}")
    slides = list(deck.slides.filter(hidden=False).prefetch_related("media").order_by("number"))
    if not slides:
        raise DeckNotReady(detail=f"deck {deck.pk} has no visible slides")
    with tempfile.TemporaryDirectory(prefix="elearn-narrate-") as tmp:
        tmp_path = Path(tmp)
        pictures = _slide_pictures(deck, slides, tmp_path)
        inputs = []
        for slide in slides:
            # PowerPoint's recorded narration is one sound per slide; a slide with several
            # (a sound effect and a voice) uses the first, in the slide's own order.
            sound = next((m for m in slide.media.all() if m.kind == "audio"), None)
            narration = None
            uploaded = (slide_audio or {}).get(slide.number)
            if uploaded is not None:
                narration = _local_copy(uploaded, tmp_path, stem=f"upload{slide.number:04d}")
            elif sound is not None:
                narration = download(
                    deck_service.derived_name(deck, sound.file),
                    tmp_path / f"sound{slide.number:04d}{Path(sound.name).suffix.lower()}",
                )
            inputs.append(
                nconv.NarratedSlide(
                    image=pictures[slide.number],
                    advance_s=slide.advance_after_ms / 1000 if slide.advance_after_ms else None,
                    narration=narration,
                    number=slide.number,
                )
            )
        recording = _local_copy(deck_audio, tmp_path) if deck_audio is not None else None
        result = nconv.build_narrated_video(
            inputs,
            tmp_path / "video" / f"{_file_stem(deck)}.mp4",
            deck_audio=recording,
            default_seconds=default_seconds,
            width=NARRATED_WIDTH,
        )
        for warning in result.warnings:
            logger.warning("Deck %s narrated video: %s", deck.pk, warning)
        with transaction.atomic():
            video = create_video(
                result.path, title=title or gettext("%(deck)s (video)") % {"deck": deck.title}
            )
            video.collection = deck.collection
            video.uploaded_by_user = deck.uploaded_by_user
            video.save(update_fields=["collection", "uploaded_by_user"])
            _chapters_track(video, slides, result)
            queue_video_processing(video, force=True)
    logger.info(
        "Deck %s: narrated video %s, %d slides, %.0f s long, made in %.1f s",
        deck.pk,
        video.pk,
        len(slides),
        result.duration_s,
        result.seconds,
    )
    return NarratedDeck(
        video=video,
        starts={slide.number: start for slide, start in zip(slides, result.starts, strict=True)},
        warnings=result.warnings,
    )


def _local_copy(source, tmp: Path, stem: str = "deck-audio") -> Path:
    """A path for ``source``: a path as it is, a Django file (an upload) copied into ``tmp``."""
    if isinstance(source, str | Path):
        return Path(source)
    target = tmp / (stem + Path(getattr(source, "name", "") or "").suffix.lower())
    source.seek(0)
    with target.open("wb") as dst:
        for chunk in source.chunks(1024 * 1024) if hasattr(source, "chunks") else [source.read()]:
            dst.write(chunk)
    return target


def _file_stem(deck: SlideDeck) -> str:
    return slugify(deck.title) or f"deck-{deck.pk}"


def narrate_lecture(
    lecture, *, default_seconds: float = 5, deck_audio=None, slide_audio=None, user=None
) -> NarratedDeck:
    """Deck → video for a lecture: the narrated video becomes the lecture's video and the
    slides' start times its slide timings, so video and slides play in step at once.

    A live lecture without other pending edits is published with the video; otherwise the
    video waits in a draft for the trainer to publish with their other changes."""
    from .models import SlideTiming

    lecture.refresh_from_db()  # publish() saves another copy: ours may be stale
    made = narrate_deck(
        lecture.deck,
        default_seconds=default_seconds,
        deck_audio=deck_audio,
        slide_audio=slide_audio,
        title=lecture.title,
    )
    with transaction.atomic():
        lecture.slide_timings.all().delete()
        SlideTiming.objects.bulk_create(
            SlideTiming(lecture=lecture, slide_number=number, start=start)
            for number, start in made.starts.items()
        )
        publish = lecture.live and not lecture.has_unpublished_changes
        draft = lecture.get_latest_revision_as_object()
        draft.video = made.video
        revision = draft.save_revision(user=user, log_action=True)
        if publish:
            revision.publish(user=user)
    return made
