"""The progress API: the player, the deck viewer and article pages report what the member
watched, saw and read. JSON in, JSON out; session auth with CSRF; throttled."""

import json
import logging
import math
from functools import wraps

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import Http404, JsonResponse
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


def json_error(message: str, status: int) -> JsonResponse:
    """A refusal as these APIs answer it: JSON {"error": message}, never an HTML page."""
    return JsonResponse({"error": message}, status=status)


def members_only(view):
    """An anonymous request gets a JSON 401, not the redirect to the login page that
    ``login_required`` gives: a script cannot follow one, and would read the login page's
    HTML as the answer."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return json_error(_("Log in to keep your progress."), 401)
        return view(request, *args, **kwargs)

    return wrapped


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
            response = json_error(
                _("Your progress could not be saved just now; it will be sent again."), 503
            )
            response["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return response

    return wrapped


def _not_a_number(text: str):
    shown = text if len(text) <= 20 else f"{text[:20]}…"
    raise BadReport(f"{shown} is not a number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e400 reads as infinity
        _not_a_number(text)
    return value


def _float_sized_int(text: str) -> int:
    # An integer no float can hold (400 digits) would overflow the sums with floats it goes
    # into, and past 4300 digits int() refuses it; float() of the text just says infinity.
    if not math.isfinite(float(text)):
        _not_a_number(text)
    return int(text)


def read_json(request):
    """The request body's JSON value, with every number one a float holds finitely.

    Raises BadReport, with a message for the answer, for a body that is not UTF-8 JSON, that
    nests deeper than the parser recurses, or that holds NaN, Infinity (Python reads them,
    JSON has none; min() with a NaN is NaN) or a number beyond a float's range."""
    try:
        return json.loads(
            request.body.decode("utf-8"),
            parse_constant=_not_a_number,
            parse_float=_finite_float,
            parse_int=_float_sized_int,
        )
    except BadReport:
        raise
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError among them
        raise BadReport(_("The report is not JSON.")) from exc
    except RecursionError as exc:
        raise BadReport(_("The report is nested too deeply.")) from exc


@require_POST
@database_outage_is_503  # outside members_only, which reads the session from the database
@members_only
def report_progress(request, page_id: int):
    """POST {"segments": [[s, e], …], "position": s, "slides": [n, …], "reading_seconds": s,
    "reached_end": true, "done": true} — any of them. Answers the lesson's state, and
    "course_complete" with "certificate_url" when the report completed the course."""
    # The lesson (kept in memory while current) and the throttle's count come together; a
    # report refused below still counts towards the member's limit.
    try:
        lesson, count = lesson_rules.for_report(request.user, page_id)
    except Http404:  # no page at all: refused in JSON like every other refusal here
        lesson = None
    if lesson is None or not lesson.live:
        return json_error(_("This is not a lesson."), 404)
    if not can_view_lesson(request.user, lesson):
        first = waiting_for(request.user, lesson)
        if first is not None:
            return json_error(_("Complete “%(title)s” first.") % {"title": first.title}, 403)
        return json_error(_("You are not enrolled in this course."), 403)
    if lesson.course is not None and lesson.course.pk in request.user.__dict__.get(
        "_elearn_enrolled", ()
    ):
        lesson_rules.remember_enrolled(request.user, lesson.course)
    if len(request.body) > MAX_BODY:
        return json_error(_("The report is too large."), 400)
    if count > settings.ELEARN_PROGRESS_REPORTS_PER_MINUTE:
        return json_error(_("Too many reports; slow down."), 429)
    try:
        progress = record(request.user, lesson, read_json(request))
    except BadReport as exc:
        return json_error(str(exc), 400)
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
