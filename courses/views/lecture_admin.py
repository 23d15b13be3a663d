"""Admin view for timing a lecture's slides against its video: play the video and press
"this slide starts now", or type the times. The times drive the lecture page's video and
slides in step, and become the video's chapters."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from ..models import LecturePage, SlideTiming
from ..timecodes import format_clock, parse_clock

# A trainer's "now" can land a moment after the end; anything further is a typo.
END_TOLERANCE = 1.0


def _editable_lecture(request, page_id: int) -> LecturePage:
    page = get_object_or_404(LecturePage, pk=page_id)
    if not page.permissions_for_user(request.user).can_edit():
        raise PermissionDenied
    return page


def read_timings(data, slides, duration: float | None) -> tuple[dict[int, float], dict[int, str]]:
    """Start times from the submitted form, and an error per slide that has a bad one."""
    starts, errors, seen = {}, {}, {}
    for slide in slides:
        raw = data.get(f"start-{slide.number}", "")
        try:
            start = parse_clock(raw)
        except ValueError:
            errors[slide.number] = _("Type a time such as 1:05 or 0:42.5.")
            continue
        if start is None:
            continue
        if duration is not None and start > duration + END_TOLERANCE:
            errors[slide.number] = _("The video is only %(length)s long.") % {
                "length": format_clock(duration)
            }
            continue
        key = round(start, 1)
        if key in seen:
            errors[slide.number] = _("Slide %(other)s starts at the same moment.") % {
                "other": seen[key]
            }
            continue
        seen[key] = slide.number
        starts[slide.number] = start
    return starts, errors


def slide_timings(request, page_id: int):
    """Show (GET) and save (POST) when each slide of the lecture's deck starts in its video."""
    page = _editable_lecture(request, page_id)
    lecture = page.get_latest_revision_as_object()
    deck, video = lecture.deck, lecture.video
    slides = list(deck.slides.all()) if deck is not None and deck.has_text else []
    ready = bool(slides) and video is not None and video.is_ready
    starts = dict(page.slide_timings.values_list("slide_number", "start"))
    errors = {}
    values = {number: format_clock(start, precise=True) for number, start in starts.items()}
    if slides and slides[0].number not in values:
        # The video opens on the first slide: with it at 0:00 already, the first "This slide
        # starts now" marks slide 2, instead of moving slide 1 to the moment of the press and
        # leaving the video's first seconds without a slide.
        values[slides[0].number] = format_clock(0, precise=True)

    if request.method == "POST" and ready:
        new_starts, errors = read_timings(request.POST, slides, video.duration)
        if errors:
            values = {
                slide.number: request.POST.get(f"start-{slide.number}", "") for slide in slides
            }
            messages.error(request, _("The times were not saved: correct the ones marked."))
        else:
            with transaction.atomic():
                page.slide_timings.all().delete()
                SlideTiming.objects.bulk_create(
                    SlideTiming(lecture=page, slide_number=number, start=start)
                    for number, start in new_starts.items()
                )
            messages.success(
                request,
                _("Saved the start times of %(count)s slides of “%(title)s”.")
                % {"count": len(new_starts), "title": page.title},
            )
            return redirect("courses_lecture_slide_timings", page.pk)

    rows = [
        {
            "slide": slide,
            "value": values.get(slide.number, ""),
            "start": starts.get(slide.number),
            "error": errors.get(slide.number, ""),
        }
        for slide in slides
    ]
    renditions = list(video.renditions.filter(source_hash=video.file_hash)) if ready else []
    return TemplateResponse(
        request,
        "courses/admin/slide_timings.html",
        {
            "page": page,
            "lecture": lecture,
            "deck": deck,
            "video": video,
            "ready": ready,
            "rows": rows,
            "rendition": renditions[-1] if renditions else None,
            "page_title": _("Slide times: %(title)s") % {"title": page.title},
        },
        status=400 if errors else 200,
    )


def narrate(request, page_id: int):
    """Confirm (GET) and queue (POST) a video made from the lecture's slides."""
    import uuid
    from pathlib import Path

    from django.core.files.storage import default_storage

    from ..models import SlideDeck
    from ..tasks import narrate_lecture_task

    page = _editable_lecture(request, page_id)
    deck = page.deck
    problem = ""
    if deck is None:
        problem = _("Choose a slide deck for this lecture first.")
    elif deck.status != SlideDeck.Status.READY or not deck.slides.filter(hidden=False).exists():
        problem = _("Wait until the slide deck is converted.")
    slides = list(deck.slides.filter(hidden=False)) if deck is not None and not problem else []
    error = ""
    seconds = request.POST.get("seconds", "5")
    if request.method == "POST" and not problem:
        try:
            default_seconds = float(seconds)
            if not 1 <= default_seconds <= 600:
                raise ValueError
        except ValueError:
            error = _("Type a number of seconds between 1 and 600.")
        else:
            folder = f"narration/{uuid.uuid4().hex[:12]}"

            def keep(upload, stem):
                suffix = Path(upload.name).suffix.lower()[:10]
                return default_storage.save(f"{folder}/{stem}{suffix}", upload)

            upload = request.FILES.get("audio")
            audio_name = keep(upload, "deck") if upload is not None else ""
            slide_audio = {
                str(slide.number): keep(
                    request.FILES[f"audio-{slide.number}"], f"slide{slide.number}"
                )
                for slide in slides
                if f"audio-{slide.number}" in request.FILES
            }
            transaction.on_commit(
                lambda: narrate_lecture_task.enqueue(
                    page.pk, default_seconds, audio_name, request.user.pk, slide_audio
                )
            )
            messages.success(
                request,
                _(
                    "The video of “%(title)s” is being made. It appears under Lecture videos, "
                    "and on the lecture with its slides in step, in a minute or two."
                )
                % {"title": page.title},
            )
            return redirect("wagtailadmin_pages:edit", page.pk)
    return TemplateResponse(
        request,
        "courses/admin/narrate.html",
        {
            "page": page,
            "deck": deck,
            "problem": problem,
            "slides": slides,
            "error": error,
            "seconds": seconds,
            # Making the video sets every slide's time afresh (video_service): said before the
            # trainer presses the button, since times typed by hand cannot be had back.
            "timed_slides": page.slide_timings.count(),
            "page_title": _("Video from slides: %(title)s") % {"title": page.title},
        },
        status=400 if error else 200,
    )
