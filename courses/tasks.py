"""Background tasks (Django Tasks API). Thin: they load a row and call a service."""

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop
from django_tasks import task

from . import deck_service
from .models import SlideDeck

logger = logging.getLogger(__name__)


# Conversions go before routine work (search indexing) so members can read a new deck at once.
@task(priority=10)
def convert_slide_deck_task(deck_id: int, force: bool = False) -> str:
    """Convert a deck: text first (members can read it at once), then slide images and the PDF.

    Safe to run twice: a deck whose file was already converted is left as it is.
    """
    # Any worker that runs also rescues decks whose worker died mid-conversion.
    recover_stale_decks(exclude=deck_id)
    deck = SlideDeck.objects.filter(pk=deck_id).first()
    if deck is None:
        return "gone"
    return deck_service.convert(deck, force=force).status


def queue_conversion(deck: SlideDeck, force: bool = False) -> None:
    """Queue the conversion once the deck row is committed, so the worker finds it."""
    deck.mark(SlideDeck.Status.PENDING, error_code="", error_message="")
    transaction.on_commit(lambda: convert_slide_deck_task.enqueue(deck.pk, force))


def _recover_stale(model, statuses, stale_after: int, max_attempts: int, exclude, retry, give_up):
    """Rows stuck in one of ``statuses`` since before ``stale_after`` seconds ago, their worker
    gone: ``retry(row)`` them, or ``give_up(row)`` once they have had ``max_attempts``.

    Several workers look at once: only the one whose update lands deals with a row, so it is
    queued once (two forced conversions of one deck would race on its files)."""
    cutoff = timezone.now() - timezone.timedelta(seconds=stale_after)
    stale = model.objects.filter(status__in=statuses, processing_started_at__lt=cutoff)
    touched = []
    for row in stale.exclude(pk=exclude):
        claimed = model.objects.filter(
            pk=row.pk, status=row.status, processing_started_at=row.processing_started_at
        ).update(status=model.Status.PENDING)
        if not claimed:
            continue
        if row.attempts >= max_attempts:
            give_up(row)
        else:
            logger.warning(
                "%s %s was stuck in %s: queued again", model.__name__, row.pk, row.status
            )
            retry(row)
        touched.append(row.pk)
    return touched


def recover_stale_decks(exclude: int | None = None) -> list[int]:
    """Decks stuck in "processing" after their worker died: queue them again, or fail them
    once they have used up their attempts. Returns the ids it touched.

    Runs before every conversion task, when the admin previews a deck, every minute or so
    in each worker (``manage.py run_worker``), and from ``manage.py recover_decks``.
    """
    return _recover_stale(
        SlideDeck,
        [SlideDeck.Status.PROCESSING, SlideDeck.Status.TEXT_READY],
        settings.ELEARN_DECK_STALE_AFTER_SECONDS,
        settings.ELEARN_DECK_MAX_ATTEMPTS,
        exclude,
        retry=lambda deck: queue_conversion(deck, force=True),
        give_up=lambda deck: deck_service.fail(
            deck,
            "stuck",
            # Stored as it is and translated when shown: no number in it.
            gettext_noop(
                "The conversion kept stopping without finishing and was given up. The file may "
                "be too complex; try converting again or simplify it."
            ),
        ),
    )


def recover_stale_videos(exclude: int | None = None) -> list[int]:
    """Videos stuck in "processing" after their worker died: queue them again, or fail them
    once they have used up their attempts (as ``recover_stale_decks`` does for decks)."""
    from . import video_service
    from .models import LectureVideo

    return _recover_stale(
        LectureVideo,
        [LectureVideo.Status.PROCESSING],
        settings.ELEARN_VIDEO_STALE_AFTER_SECONDS,
        settings.ELEARN_VIDEO_MAX_ATTEMPTS,
        exclude,
        retry=lambda video: queue_video_processing(video, force=True),
        give_up=lambda video: video_service.fail(
            video,
            "stuck",
            gettext_noop(
                "Processing kept stopping without finishing and was given up. Try processing it "
                "again; if it stops again, tell your administrator."
            ),
        ),
    )


def recover_stale_handouts(exclude: int | None = None) -> list[int]:
    """Handouts left "building" by a dead worker: build them again, or fail them with a
    reason once they have used up their attempts, so the admin's page never spins forever."""
    from .models import HandoutBuild

    def give_up(handout):
        handout.mark(
            HandoutBuild.Status.FAILED,
            error_message=gettext_noop(
                "Building the handout stopped without finishing several times. Try printing "
                "fewer slides or copies; if it stops again, tell your administrator."
            ),
            finished_at=timezone.now(),
        )

    def retry(handout):
        handout.mark(HandoutBuild.Status.PENDING, progress=0)
        queue_handout(handout)

    return _recover_stale(
        HandoutBuild,
        [HandoutBuild.Status.BUILDING],
        settings.ELEARN_HANDOUT_STALE_AFTER_SECONDS,
        settings.ELEARN_HANDOUT_MAX_ATTEMPTS,
        exclude,
        retry=retry,
        give_up=give_up,
    )


def recovery_interval() -> float:
    """How often a worker looks for work a dead worker left unfinished: a quarter of the
    time after which a conversion counts as stuck, at most a minute."""
    return min(60.0, max(1.0, settings.ELEARN_DECK_STALE_AFTER_SECONDS / 4))


def recover_stuck_work() -> list[int]:
    """Everything ``run_worker`` rescues periodically; safe to run in several workers."""
    return recover_stale_decks() + recover_stale_videos() + recover_stale_handouts()


@task(priority=5)
def process_lecture_video_task(video_id: int, force: bool = False) -> str:
    """Make a video web-ready: probe, poster, storyboard, MP4 renditions. Safe to run twice."""
    from . import video_service
    from .models import LectureVideo

    # As for decks: any worker that runs rescues videos whose worker died mid-way.
    recover_stale_videos(exclude=video_id)
    video = LectureVideo.objects.filter(pk=video_id).first()
    if video is None:
        return "gone"
    return video_service.process(video, force=force).status


def queue_video_processing(video, force: bool = False) -> None:
    """Queue processing once the video row is committed, so the worker finds it."""
    video.mark(video.Status.PENDING, progress=0, error_code="", error_message="")
    transaction.on_commit(lambda: process_lecture_video_task.enqueue(video.pk, force))


@task(priority=5)
def build_handout_task(handout_id: int) -> str:
    """Build the PDF (or ZIP) an admin asked for with "Print handouts"."""
    from . import handout_service
    from .models import HandoutBuild

    recover_stale_handouts(exclude=handout_id)
    handout = HandoutBuild.objects.filter(pk=handout_id).first()
    if handout is None:
        return "gone"
    return handout_service.build(handout).status


def queue_handout(handout) -> None:
    """Build once the request row is committed, so the worker finds it."""
    transaction.on_commit(lambda: build_handout_task.enqueue(handout.pk))


@task(priority=5)
def narrate_lecture_task(
    lecture_id: int,
    default_seconds: float = 5,
    audio_name: str = "",
    user_id: int | None = None,
    slide_audio_names: dict[str, str] | None = None,
) -> str:
    """Make a narrated video of a lecture's slides (see video_service.narrate_lecture).

    The uploaded recordings (whole deck, per slide) wait in storage for this task, which
    deletes them when done."""
    from django.contrib.auth import get_user_model
    from django.core.files.storage import default_storage

    from . import video_service
    from .conversion import ConversionError
    from .models import LecturePage

    lecture = LecturePage.objects.filter(pk=lecture_id).first()
    if lecture is None or lecture.deck_id is None:
        return "gone"
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    names = {int(number): name for number, name in (slide_audio_names or {}).items()}
    audio = default_storage.open(audio_name, "rb") if audio_name else None
    slide_audio = {number: default_storage.open(name, "rb") for number, name in names.items()}
    try:
        made = video_service.narrate_lecture(
            lecture,
            default_seconds=default_seconds,
            deck_audio=audio,
            slide_audio=slide_audio,
            user=user,
        )
    except ConversionError as exc:
        logger.warning("Lecture %s: no narrated video: %s", lecture_id, exc.message)
        return f"failed: {exc.code}"
    finally:
        for handle in [audio, *slide_audio.values()]:
            if handle is not None:
                handle.close()
        for name in [audio_name, *names.values()]:
            if name:
                default_storage.delete(name)
    return f"video {made.video.pk}"


@task()
def forward_xapi_task(progress_id: int, revision: str = "", attempt: int = 1) -> str:
    """Send a member's progress in one lesson to the LRS as an xAPI statement.

    Sends the row's current state. A task queued for an older report than the row's latest
    steps aside, so a queue that fell behind sends each row once. Network errors, 5xx and
    429 are tried again with growing waits up to ``ELEARN_XAPI_MAX_ATTEMPTS``, then logged:
    the LRS never fails a member's report.
    """
    from . import xapi_service

    return xapi_service.forward(progress_id, revision=revision, attempt=attempt)


def queue_xapi_forward(progress, revision: str) -> None:
    """Forward once the report is committed, so the worker finds it; ``revision`` is what the
    statement says (``xapi_service.key_revision``). ``robust``: a queue that cannot take the
    task logs the error instead of failing the member's report."""
    transaction.on_commit(lambda: forward_xapi_task.enqueue(progress.pk, revision), robust=True)
