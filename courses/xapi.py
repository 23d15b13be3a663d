"""xAPI 1.0.3 statements of members' progress, and a small client for a Learning Record Store.

Plain Python: values in, dicts out, no ORM and no settings (``courses/xapi_service.py`` turns
rows into these values). One statement carries a member's whole state in one lesson as of one
progress report, so a statement that gets lost is repaired by the next one, and sending or
exporting the same state twice gives the same statement id (LRSs keep one statement per id).

- Lessons whose progress is their video (a lecture with a video, unless it completes by its
  slides) follow the ADL xAPI Video Profile (https://w3id.org/xapi/video, the statement data
  model at https://liveaspankaj.gitbooks.io/xapi-video-profile/): verb ``played`` while in
  progress, ``completed`` once the lesson is complete, with the ``played-segments``,
  ``progress`` and ``time`` result extensions, the ``length`` and ``completion-threshold``
  context extensions and the profile as context category.
- Other lessons (slide decks, articles) use the ADL verbs ``progressed`` and ``completed``.
  ``progressed`` carries cmi5's ``progress`` result extension (a whole percentage, the
  extension LRSs read with ``progressed``); ``completed`` carries ``result.completion`` and
  no progress, as cmi5 asks. The Video Profile's own ``progress`` means "share of media
  consumed" and stays that share on ``completed`` too (a lecture completed by its slides may
  have had little of its video watched).
- A member's completion of a course (its required lessons done) is a ``completed``
  statement about the course, the parent activity of every lesson statement in it.
"""

from __future__ import annotations

import base64
import http.client
import json
import math
import re
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

XAPI_VERSION = "1.0.3"

VIDEO_PROFILE = "https://w3id.org/xapi/video"
PROFILE_ACTIVITY_TYPE = "http://adlnet.gov/expapi/activities/profile"
VIDEO_TYPE = "https://w3id.org/xapi/video/activity-type/video"
LESSON_TYPE = "http://adlnet.gov/expapi/activities/lesson"
COURSE_TYPE = "http://adlnet.gov/expapi/activities/course"

PLAYED = "https://w3id.org/xapi/video/verbs/played"
PROGRESSED = "http://adlnet.gov/expapi/verbs/progressed"
COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
VERB_NAMES = {PLAYED: "played", PROGRESSED: "progressed", COMPLETED: "completed"}

EXT = "https://w3id.org/xapi/video/extensions/"
PLAYED_SEGMENTS = EXT + "played-segments"
VIDEO_PROGRESS = EXT + "progress"
TIME = EXT + "time"
LENGTH = EXT + "length"
COMPLETION_THRESHOLD = EXT + "completion-threshold"
CMI5_PROGRESS = "https://w3id.org/xapi/cmi5/result/extensions/progress"

# Fixed for elearn: together with the site's address it makes statement ids that are the same
# on every export of the same state, and different from other sites' ids.
ID_NAMESPACE = uuid.UUID("6f0b7a52-3d1e-5c8b-9a57-2c64c1f0e9d3")

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")
LATIN = re.compile(r"[A-Za-z]")
LANGUAGE_TAGS = {"en": "en-US", "zh-hans": "zh-CN", "zh-cn": "zh-CN", "zh": "zh-CN"}


@dataclass(frozen=True)
class Member:
    """Who learned: the account on this site, never the email unless ``use_mbox``."""

    user_id: int
    name: str
    email: str = ""


@dataclass(frozen=True)
class Activity:
    """A course or lesson: its absolute URL (the activity id), titles by language, xAPI type,
    and a key that stays when the URL changes (the page id) for statement ids."""

    url: str
    names: dict[str, str]
    type: str
    key: str = ""


@dataclass(frozen=True)
class LessonState:
    """A member's progress in a lesson as one report left it.

    ``share`` is the 0–1 share the course page shows (video coverage for video lessons);
    ``watched`` the merged [start, end] media seconds; ``time`` where the member is in the
    video; ``duration_s`` the unique seconds watched (video lessons only).
    """

    share: float
    complete: bool
    reported_at: datetime
    watched: list = field(default_factory=list)
    time: float | None = None
    duration_s: float | None = None


@dataclass(frozen=True)
class VideoFacts:
    """What the Video Profile wants to know about the video itself."""

    length_s: float | None
    completion_threshold: float  # 0–1


def language_map(title: str, locale: str = "en") -> dict[str, str]:
    """A title as an xAPI language map, keyed by what it is written in.

    Pages here are all in the default locale while their titles are English, Chinese or both
    ("Digital office basics · 信息化办公基础"), so the script decides: Chinese characters mean
    zh-CN, Latin letters the page's locale, and a title with both is given under both tags.
    """
    tags = []
    if LATIN.search(title) or not CJK.search(title):
        tags.append(LANGUAGE_TAGS.get(locale.lower(), locale))
    if CJK.search(title):
        tags.append("zh-CN")
    return dict.fromkeys(tags, title)


def number(value: float, places: int = 3) -> float | int:
    """At most ``places`` decimals (the profile's limit), as an int when whole."""
    rounded = round(float(value), places) + 0.0  # + 0.0 turns -0.0 into 0.0
    return int(rounded) if rounded.is_integer() else rounded


def floor_share(share: float, places: int = 3) -> float | int:
    """A 0–1 share rounded down, so an LRS never sees 0.9 for a member at 0.8996 of a 90%
    threshold."""
    scale = 10**places
    return number(min(1.0, max(0.0, math.floor(share * scale + 1e-9) / scale)), places)


def played_segments(watched) -> str:
    """The Video Profile's played-segments string: ``start[.]end`` parts joined by ``[,]``,
    e.g. ``0[.]10.5[,]20[.]35``, from [start, end] media seconds."""
    return "[,]".join(f"{_seconds(start)}[.]{_seconds(end)}" for start, end in watched)


def _seconds(value: float) -> str:
    return f"{max(0.0, float(value)):.3f}".rstrip("0").rstrip(".")


def iso_timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC with milliseconds (what LRSs store), e.g. 2026-11-25T09:30:00.123Z."""
    if moment.tzinfo is None:
        raise ValueError("xAPI timestamps need a time zone")
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def iso_duration(seconds: float) -> str:
    """ISO 8601 duration, to the 0.01 s xAPI compares at: ``PT218.5S``."""
    return f"PT{number(max(0.0, seconds), 2)}S"


def revision(moment: datetime) -> str:
    """The report a statement describes, as a string that survives a trip through the queue."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def statement_id(home_page: str, user_id: int, lesson_key: str, verb: str, moment) -> str:
    """The same member, lesson, verb and report give the same id on every export and send."""
    name = "|".join([home_page, str(user_id), lesson_key, verb, revision(moment)])
    return str(uuid.uuid5(ID_NAMESPACE, name))


def actor(member: Member, home_page: str, *, use_mbox: bool = False) -> dict:
    """An Agent identified by their account on this site (the user id: usernames can change,
    and a changed identifier would split a member's record in two). The email is used only
    when the site chooses ``mbox`` and the member has one."""
    agent = {"objectType": "Agent", "name": member.name}
    if use_mbox and member.email:
        agent["mbox"] = f"mailto:{member.email}"
    else:
        agent["account"] = {"homePage": home_page, "name": str(member.user_id)}
    return agent


def activity(item: Activity) -> dict:
    """An Activity object with its definition (name by language and type)."""
    return {
        "objectType": "Activity",
        "id": item.url,
        "definition": {"name": dict(item.names), "type": item.type},
    }


def verb_object(verb: str) -> dict:
    return {"id": verb, "display": {"en-US": VERB_NAMES[verb]}}


def verb_for(state: LessonState, *, video: bool) -> str:
    """``completed`` once the lesson is complete by its own rule, else ``played`` (video)
    or ``progressed``."""
    if state.complete:
        return COMPLETED
    return PLAYED if video else PROGRESSED


def result_for(state: LessonState, *, video: bool) -> dict:
    """The statement's result: what an LRS needs to see how far the member got."""
    result: dict = {}
    if video:
        time = state.time
        if time is None:  # no resume position stored: the furthest point watched
            time = max((end for _start, end in state.watched), default=0.0)
        result["extensions"] = {
            PLAYED_SEGMENTS: played_segments(state.watched),
            VIDEO_PROGRESS: floor_share(state.share),
            TIME: number(time),
        }
        if state.duration_s is not None:
            result["duration"] = iso_duration(state.duration_s)
    elif not state.complete:
        # Capped at 99 as on the course page: 100 would say "complete" about a lesson that
        # is not. A completed lesson carries no cmi5 progress at all: the share is that of
        # whatever measures the lesson (reading time, slides), not of what completed it (an
        # article marked as done at 6% of its reading time, a deck at its 80% threshold), and
        # cmi5 9.5.5.1 says progress SHOULD NOT be set in a "completed" statement, where
        # result.completion says it all.
        percent = math.floor(min(1.0, max(0.0, state.share)) * 100 + 1e-9)
        result["extensions"] = {CMI5_PROGRESS: min(99, percent)}
    if state.complete:
        # The profile forbids "completion" on its other statements, so only here.
        result["completion"] = True
    return result


def progress_statement(
    *,
    member: Member,
    lesson: Activity,
    course: Activity | None,
    state: LessonState,
    home_page: str,
    video: VideoFacts | None = None,
    registration: str | None = None,
    use_mbox: bool = False,
) -> dict:
    """One xAPI statement: ``member``'s state in ``lesson`` (part of ``course``) as of the
    report at ``state.reported_at``. ``video`` makes it a Video Profile statement."""
    verb = verb_for(state, video=video is not None)
    context: dict = {"platform": "elearn", "contextActivities": {}}
    if registration:
        context["registration"] = registration
    if course is not None:
        context["contextActivities"]["parent"] = [activity(course)]
    if video is not None:
        context["contextActivities"]["category"] = [
            {
                "objectType": "Activity",
                "id": VIDEO_PROFILE,
                "definition": {"type": PROFILE_ACTIVITY_TYPE},
            }
        ]
        extensions = {COMPLETION_THRESHOLD: number(video.completion_threshold)}
        if video.length_s is not None:
            extensions[LENGTH] = number(video.length_s)
        context["extensions"] = extensions
    if not context["contextActivities"]:
        del context["contextActivities"]
    return {
        "id": statement_id(
            home_page, member.user_id, lesson.key or lesson.url, verb, state.reported_at
        ),
        "actor": actor(member, home_page, use_mbox=use_mbox),
        "verb": verb_object(verb),
        "object": activity(lesson),
        "result": result_for(state, video=video is not None),
        "context": context,
        "timestamp": iso_timestamp(state.reported_at),
    }


def course_completed_statement(
    *,
    member: Member,
    course: Activity,
    completed_at: datetime,
    home_page: str,
    registration: str | None = None,
    use_mbox: bool = False,
) -> dict:
    """``member`` completed ``course`` (every required lesson done, the certificate issued) at
    ``completed_at``. Its id follows the lessons' rule (member, activity, verb, moment), so
    the export and the forward of one completion are one statement to the LRS."""
    context: dict = {"platform": "elearn"}
    if registration:
        context["registration"] = registration
    return {
        "id": statement_id(
            home_page, member.user_id, course.key or course.url, COMPLETED, completed_at
        ),
        "actor": actor(member, home_page, use_mbox=use_mbox),
        "verb": verb_object(COMPLETED),
        "object": activity(course),
        "result": {"completion": True},
        "context": context,
        "timestamp": iso_timestamp(completed_at),
    }


def registration_id(home_page: str, user_id: int, course_key: str) -> str:
    """One registration per member and course: the profile sums progress and played
    segments per registration, and elearn keeps progress per member and lesson for good."""
    return str(uuid.uuid5(ID_NAMESPACE, f"{home_page}|registration|{user_id}|{course_key}"))


# The LRS client -------------------------------------------------------------------------


class LrsError(Exception):
    """The LRS did not take the statements. ``retry`` says whether trying later may help
    (network trouble, 5xx, 429); ``status`` is the HTTP status when there was one."""

    def __init__(self, message: str, *, retry: bool, status: int | None = None):
        super().__init__(message)
        self.retry = retry
        self.status = status


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A redirect would carry the Basic credentials to wherever it points (and urllib turns
    # a redirected POST into a GET without the statements): fail, and say which URL to set.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def statements_endpoint(base_url: str) -> str:
    """``https://lrs.example.org/xapi/`` → ``https://lrs.example.org/xapi/statements``."""
    return base_url.rstrip("/") + "/statements"


def send_statements(
    base_url: str, key: str, secret: str, statements: list[dict], *, timeout: float
) -> int:
    """POST statements to the LRS (xAPI 1.0.3, Basic auth). Returns the HTTP status.

    A 409 Conflict means the LRS already holds a statement with one of these ids: the state
    was sent before, so it counts as delivered. Raises LrsError otherwise.
    """
    url = statements_endpoint(base_url)
    if not url.lower().startswith(("http://", "https://")):
        raise LrsError(f"the LRS address is not http(s): {base_url!r}", retry=False)
    token = base64.b64encode(f"{key}:{secret}".encode()).decode("ascii")
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
        url,
        data=json.dumps(statements, ensure_ascii=False).encode("utf-8"),
        method="POST",
        headers={
            "X-Experience-API-Version": XAPI_VERSION,
            "Content-Type": "application/json",
            "Authorization": f"Basic {token}",
        },
    )
    try:
        with _opener.open(request, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        if exc.code == 409:
            return exc.code
        detail = exc.read(500).decode("utf-8", "replace").strip()
        raise LrsError(
            f"the LRS answered {exc.code} {exc.reason}: {detail}"[:600],
            retry=exc.code >= 500 or exc.code == 429,
            status=exc.code,
        ) from exc
    except (OSError, http.client.HTTPException) as exc:  # refused, timed out, reset, DNS
        raise LrsError(f"the LRS could not be reached: {exc}", retry=True) from exc
