"""The progress API: the player, the deck viewer and article pages report what the member
watched, saw and read. JSON in, JSON out; session auth with CSRF; throttled."""

import json
import logging
from functools import wraps

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import lesson_rules
from ..permissions import can_view_lesson, waiting_for
from ..progress import lesson_state, record
from ..progress_core import BadReport

logger = logging.getLogger(__name__)

MAX_BODY = 64 * 1024
# What a client is told to wait when the database is away (a restart, a fail-over).
RETRY_AFTER_SECONDS = 5


def _error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def database_outage_is_503(view):
    """A database that cannot be reached (restarting, failing over, SQLite busy for longer
    than its timeout) answers 503 with Retry-After and a JSON message, not a 500 page: the
    player keeps the report and sends it again (progress.js), and reports merge idempotently,
    so nothing is lost. Nothing was saved: the report's transaction rolled back."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except (OperationalError, InterfaceError):
            logger.warning("%s: database unavailable, asked to retry", request.path, exc_info=True)
            response = _error(
                _("Your progress could not be saved just now; it will be sent again."), 503
            )
            response["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return response

    return wrapped


def _not_a_number(name: str):
    # Python reads NaN and Infinity, which JSON does not have; min() with a NaN is NaN.
    raise BadReport(f"{name} is not a number")


@require_POST
@database_outage_is_503
def report_progress(request, page_id: int):
    """POST {"segments": [[s, e], …], "position": s, "slides": [n, …], "reading_seconds": s,
    "reached_end": true, "done": true} — any of them. Answers the lesson's state, and
    "course_complete" with "certificate_url" when the report completed the course."""
    if not request.user.is_authenticated:
        return _error(_("Log in to keep your progress."), 401)
    # The lesson (kept in memory while current) and the throttle's count come together; a
    # report refused below still counts towards the member's limit.
    lesson, count = lesson_rules.for_report(request.user, page_id)
    if lesson is None or not lesson.live:
        return _error(_("This is not a lesson."), 404)
    if not can_view_lesson(request.user, lesson):
        first = waiting_for(request.user, lesson)
        if first is not None:
            return _error(_("Complete “%(title)s” first.") % {"title": first.title}, 403)
        return _error(_("You are not enrolled in this course."), 403)
    if lesson.course is not None and lesson.course.pk in request.user.__dict__.get(
        "_elearn_enrolled", ()
    ):
        lesson_rules.remember_enrolled(request.user, lesson.course)
    if len(request.body) > MAX_BODY:
        return _error(_("The report is too large."), 400)
    if count > settings.ELEARN_PROGRESS_REPORTS_PER_MINUTE:
        return _error(_("Too many reports; slow down."), 429)
    try:
        report = json.loads(request.body.decode("utf-8"), parse_constant=_not_a_number)
        progress = record(request.user, lesson, report)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return _error(_("The report is not JSON."), 400)
    except BadReport as exc:
        return _error(str(exc), 400)
    answer = {
        **lesson_state(progress, lesson),
        "video_coverage": round(progress.video_coverage, 4),
        "slides_seen": progress.slides_seen,
        "complete": progress.completed_at is not None,
    }
    enrolment = getattr(progress, "course_enrolment", None)
    if enrolment is not None and enrolment.completed_at is not None:
        # This report completed the last lesson the course needed: the page says so, with
        # the certificate (issued in the same transaction).
        answer["course_complete"] = True
        certificate = getattr(enrolment, "certificate", None)
        if certificate is not None:
            answer["certificate_url"] = certificate.get_absolute_url()
    return JsonResponse(answer)
