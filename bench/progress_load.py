"""Benchmark the progress API under a cohort's load: gunicorn (2 threaded workers) and PostgreSQL
on loopback, simulated members posting what they watched, saw and read while loading pages.

    .venv/bin/python bench/progress_load.py [--seconds 60] [--members 1000] [--concurrency 8]
                                            [--workers 2] [--conn-max-age 60] [--redis URL]

Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth), gunicorn (requirements.txt) and,
unless ``--redis ''``, Redis on 127.0.0.1:6379 for the cache and sessions as in production (this
run's keys carry their own prefix and are deleted at the end).
Each run creates the database ``elearn_bench`` (dropped first and again at the end), migrates
it, collects static files, builds one course (a lecture with a 600 s video, a lecture with a
20-slide deck, an article) and N enrolled members whose sessions are written straight to the
session table (no login form), and starts gunicorn as ``make serve`` does (gunicorn.conf.py:
2 processes of 4 threads here) with ``elearn.settings.production`` (DEBUG off, a throwaway
SECRET_KEY, plain HTTP) on a free port; it is always stopped at the end.

Two baselines run first, after a short warm-up, against the same server with the same client:
a static file through WhiteNoise (the floor of any request here) and the player's
resume-position GET (the same session authentication, a read). Then, for ``--seconds`` (at
most 600), members post progress reports (~10 s video segments with the player's position,
some repeated, overlapping, out of order or retried; slides seen; reading time) and load a lesson or course page once per
``--reports-per-page`` reports (20: a page every ~3 minutes of study), each request on a
connection of its own: the proxy in front opens one per request (nginx's default, as in
docs/deploy.md), and a member's next report comes 10 s later, after gunicorn's 5 s keep-alive
has closed a direct one (``--keep-alive`` reuses each client connection: 8 connections that
stay where they were accepted, often all in one worker).

Reports are honest: each claims no more than the server grants since the member's previous
report for that lesson (2 × the wall-clock time + 5 s slack for video), measured on the
client's clock from the previous answer to the new request, so nothing is clipped and the
stored progress can be predicted exactly. After the load, every member's stored progress is
compared with what their accepted reports add up to (progress_core.merge / coverage).
The production throttle (ELEARN_PROGRESS_REPORTS_PER_MINUTE) is kept: members pace themselves
below it, so a 429 is an error like any other.

The CPU time of the workers, of their PostgreSQL backends and of this client is printed per
request, with what it implies for a machine with nothing else running: on a shared machine the
rates measure the share the benchmark got as much as the code.

Goal (issue 5): at least 500 progress reports/s on a 2-core machine, with no errors. Exits 1 on
any error or mismatch. The last line is ``RESULT key=value ...``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import math
import os
import random
import secrets
import string
import sys
import tempfile
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from harness import (
    HOST,
    STATIC_PATH,
    FollowCPU,
    KeptConnection,
    Tally,
    children,
    database_backends,
    fetch,
    forget_cache,
    free_port,
    machine_cpu,
    percentiles,
    recreate_database,
    start_gunicorn,
    stop,
    tail,
    wait_until_up,
)

VIDEO_SECONDS = 600.0
SLIDE_COUNT = 20
HIDDEN_SLIDES = {7, 14}
# A member opens a lesson (or the course page) and, while watching or reading, the page reports
# every 10 s: a 10-minute lecture sends 60 reports per page load, an article of a few minutes
# 10–20, a deck one per slide or two. 20 reports per page load (a page every ~3 minutes of
# study) leans towards pages; the bench compresses the time, not the mix. --reports-per-page.
REPORTS_PER_PAGE = 20
PAGE_SHARE = 1 / (REPORTS_PER_PAGE + 1)
MARGIN_S = 0.5  # claims stay this far inside what the server grants
GOAL_REPORTS_PER_S = 500
# --separate-position: send the resume position as the player did before it rode along with
# the reports (a POST of its own after each video report), to compare the two.
SEPARATE_POSITION = False


# The fixture ------------------------------------------------------------------------------


@dataclass
class Lessons:
    course_page: int
    course_url: str
    video_page: int
    video_url: str
    video_id: int  # the LectureVideo, for the resume-position baseline
    slides_page: int
    slides_url: str
    article_page: int
    article_url: str
    visible_slides: frozenset[int]


def build_course() -> Lessons:
    """One course: a lecture with a processed 600 s video, one with a converted 20-slide deck
    (two hidden), and an article; rows are written as processing would leave them, no files."""
    from courses.demo_content import ensure_catalogue, ensure_child, heading, paragraph
    from courses.models import (
        ArticlePage,
        CoursePage,
        LecturePage,
        LectureVideo,
        Slide,
        SlideDeck,
        VideoRendition,
    )

    catalogue = ensure_catalogue()
    course = ensure_child(
        catalogue,
        CoursePage,
        "progress-bench",
        title="Progress benchmark",
        summary="A course taken by a whole cohort at once.",
        enrolment=CoursePage.Enrolment.CLOSED,
    )
    digest = "b" * 64
    video = LectureVideo.objects.create(
        title="Bench lecture video",
        file="videos/bench.mp4",
        file_hash=digest,
        processed_hash=digest,
        status=LectureVideo.Status.READY,
        duration=VIDEO_SECONDS,
        width=1280,
        height=720,
        fps=25,
        video_codec="h264",
        audio_codec="aac",
    )
    VideoRendition.objects.create(
        video=video, label="web", file="web.mp4", width=1280, height=720, source_hash=digest
    )
    deck = SlideDeck.objects.create(
        title="Bench deck",
        file="decks/bench.pptx",
        file_hash=digest,
        converted_hash=digest,
        status=SlideDeck.Status.READY,
        source_format="pptx",
        slide_count=SLIDE_COUNT,
        slide_width=12192000,
        slide_height=6858000,
    )
    Slide.objects.bulk_create(
        Slide(
            deck=deck,
            number=n,
            source_hash=digest,
            title=f"Slide title {n}",
            content={"paragraphs": [[0, f"Point {i} of slide {n}"] for i in range(1, 5)]},
            text="\n".join(f"Point {i} of slide {n}" for i in range(1, 5)),
            notes=f"Speaker notes for slide {n}.",
            hidden=n in HIDDEN_SLIDES,
            images={str(w): f"{digest[:16]}/slides/{n:04d}-{w}.jpg" for w in (480, 960)},
            image_width=960,
            image_height=540,
        )
        for n in range(1, SLIDE_COUNT + 1)
    )
    video_lecture = ensure_child(
        course, LecturePage, "video-lecture", title="The video lecture", video=video
    )
    slides_lecture = ensure_child(
        course, LecturePage, "slides-lecture", title="The slides lecture", deck=deck
    )
    text = "Records are kept so that decisions can be traced and audited later. " * 6
    article = ensure_child(
        course,
        ArticlePage,
        "reading",
        title="The reading",
        summary="An article of about two minutes.",
        body=json.dumps(
            [heading("Why records matter")] + [paragraph(f"<p>{text}</p>") for _ in range(5)]
        ),
    )
    return Lessons(
        course_page=course.pk,
        course_url=course.url,
        video_page=video_lecture.pk,
        video_url=video_lecture.url,
        video_id=video.pk,
        slides_page=slides_lecture.pk,
        slides_url=slides_lecture.url,
        article_page=article.pk,
        article_url=article.url,
        visible_slides=frozenset(set(range(1, SLIDE_COUNT + 1)) - HIDDEN_SLIDES),
    )


def build_members(count: int, course_page: int) -> list[Member]:
    """``count`` members enrolled in the course, each with a session and a CSRF token made
    directly (as ``Client.force_login`` does, in bulk): no login form is timed."""
    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from courses.models import Enrolment
    from courses.roles import MEMBERS

    User = get_user_model()
    User.objects.bulk_create(
        User(
            username=f"bench{i:05d}",
            email=f"bench{i:05d}@example.com",
            password=make_password(None),
        )
        for i in range(count)
    )
    users = list(User.objects.filter(username__startswith="bench").order_by("pk"))
    members_group = Group.objects.get(name=MEMBERS)
    User.groups.through.objects.bulk_create(
        User.groups.through(user_id=user.pk, group_id=members_group.pk) for user in users
    )
    Enrolment.objects.bulk_create(
        Enrolment(user=user, course_id=course_page, source=Enrolment.Source.ADMIN) for user in users
    )
    store = SessionStore()
    expires = timezone.now() + datetime.timedelta(days=1)
    backend = settings.AUTHENTICATION_BACKENDS[0]
    sessions, members = [], []
    rng = random.Random(0)
    for user in users:
        key = get_random_string(32, string.ascii_lowercase + string.digits)
        data = {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: backend,
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
        sessions.append(
            Session(session_key=key, session_data=store.encode(data), expire_date=expires)
        )
        csrf = get_random_string(32, string.ascii_letters + string.digits)
        members.append(
            Member(
                user_id=user.pk,
                cookie=f"{settings.SESSION_COOKIE_NAME}={key}; {settings.CSRF_COOKIE_NAME}={csrf}",
                csrf=csrf,
                speed=rng.choice((1.0, 1.0, 1.25, 1.5, 2.0)),
            )
        )
    Session.objects.bulk_create(sessions)
    return members


# Members and what they report ------------------------------------------------------------


@dataclass
class Request:
    kind: str  # "video", "slides" or "reading" (progress reports), "page" or "position"
    method: str
    path: str
    body: dict | None = None


@dataclass
class Member:
    """One simulated member: what they send next, and what the server accepted from them."""

    user_id: int
    cookie: str
    csrf: str
    speed: float  # the player's speed: media seconds per wall-clock second
    position: float = 0.0  # where the player is in the video
    not_before: float = 0.0  # pacing below the throttle
    answered: dict[str, float] = field(default_factory=dict)  # lesson → last accepted answer
    held: list[float] | None = None  # a segment kept back to arrive after a later one
    last_segments: list[list[float]] | None = None  # resent now and then, as a retry
    segments: list[list[float]] = field(default_factory=list)  # every accepted segment
    slides: set[int] = field(default_factory=set)
    reading: float = 0.0
    reached_end: bool = False
    resume_at: float | None = None  # the position the last accepted video report carried
    owed_position: float | None = None  # --separate-position: to be saved on its own next
    accepted: int = 0  # progress reports answered 200
    unsure: set[str] = field(default_factory=set)  # lessons with a report of unknown outcome

    def next_request(self, lessons: Lessons, rng: random.Random, now: float) -> Request:
        if self.owed_position is not None:
            # The player before the position rode along: its own POST after each report.
            body, self.owed_position = {"position": self.owed_position}, None
            return Request("position", "POST", f"/videos/{lessons.video_id}/position/", body)
        if rng.random() < PAGE_SHARE:
            path = rng.choices(
                (lessons.video_url, lessons.slides_url, lessons.article_url, lessons.course_url),
                weights=(4, 2, 2, 2),
            )[0]
            return Request("page", "GET", path)
        roll = rng.random()
        if roll < 0.8:
            return self.video_report(lessons, rng, now)
        if roll < 0.9:
            return self.slides_report(lessons, rng)
        return self.reading_report(lessons, rng, now)

    def wall(self, kind: str, now: float) -> float | None:
        """A lower bound of the server's clock since this member's last report for the lesson:
        it stamped that report before answering, and stamps this one after we send it."""
        answered = self.answered.get(kind)
        return None if answered is None else max(0.0, now - answered)

    def video_report(self, lessons: Lessons, rng: random.Random, now: float) -> Request:
        from django.conf import settings

        from courses import progress_core as core

        wall = self.wall("video", now)
        if wall is None:
            wall = settings.ELEARN_PROGRESS_FIRST_REPORT_S
        allowed = wall * core.MAX_SPEED + core.SLACK_S - MARGIN_S
        # The player reports every 10 s of wall-clock time: 10 s of media at 1×, 20 s at 2×.
        length = 10 * self.speed * rng.uniform(0.8, 1.2)
        p = self.position
        roll = rng.random()
        moves = True
        if self.held is not None:
            segments, self.held = [self.held], None  # the report that was overtaken
        elif roll < 0.05 and self.last_segments:
            segments, moves = self.last_segments, False  # a retry: the last report again
        elif roll < 0.15:
            start = max(0.0, p - rng.uniform(2, 10))  # rewound a little: watched again
            segments = [[start, start + length]]
        elif roll < 0.20:
            self.held = [p, p + length / 2]  # sent next time, after this later part
            segments = [[p + length / 2, p + length]]
        elif roll < 0.25:
            jump = rng.uniform(5, 30)  # skipped ahead within the report
            segments = [[p, p + length / 2], [p + length / 2 + jump, p + length + jump]]
        else:
            segments = [[p, p + length]]
        segments = fit(segments, allowed)
        if segments and moves:
            self.position = max(p, segments[-1][1])
        if self.position >= VIDEO_SECONDS - 1:
            self.position = 0.0  # watches it again from the start
        # As the player does, the report carries where it now is: the resume position.
        body = {"segments": segments, "position": round(self.position, 2)}
        if SEPARATE_POSITION:
            body.pop("position")
        return Request("video", "POST", f"/progress/{lessons.video_page}/", body)

    def slides_report(self, lessons: Lessons, rng: random.Random) -> Request:
        first = rng.randint(1, SLIDE_COUNT)
        seen = [first, min(SLIDE_COUNT, first + 1)] if rng.random() < 0.5 else [first]
        if rng.random() < 0.02:
            seen.append(999)  # a slide the deck does not have: ignored
        return Request("slides", "POST", f"/progress/{lessons.slides_page}/", {"slides": seen})

    def reading_report(self, lessons: Lessons, rng: random.Random, now: float) -> Request:
        from courses import progress_core as core

        wall = self.wall("reading", now)
        seconds = rng.randint(5, 12)
        if wall is not None:  # time on the page grows only as fast as the clock
            seconds = min(seconds, math.floor(wall + core.SLACK_S - MARGIN_S))
        body = {"reading_seconds": seconds}
        if self.reading + seconds >= 40:
            body["reached_end"] = True
        return Request("reading", "POST", f"/progress/{lessons.article_page}/", body)

    def accept(self, request: Request, answered: float) -> None:
        """The server answered 200: the report is part of this member's progress."""
        if request.kind == "page":
            return
        if request.kind == "position":
            self.resume_at = request.body["position"]
            return
        self.accepted += 1
        self.answered[request.kind] = answered
        if request.kind == "video":
            self.segments.extend(request.body["segments"])
            self.last_segments = request.body["segments"]
            if SEPARATE_POSITION:
                self.owed_position = round(self.position, 2)
            else:
                self.resume_at = request.body["position"]
        elif request.kind == "slides":
            self.slides.update(request.body["slides"])
        else:
            self.reading += request.body["reading_seconds"]
            self.reached_end |= request.body.get("reached_end", False)


def fit(segments: list[list[float]], allowed: float) -> list[list[float]]:
    """Round to 1/100 s, clip to the video and trim the later parts so the report claims no
    more than ``allowed`` seconds: what the server would otherwise clip."""
    from courses import progress_core as core

    kept = sorted(
        [round(max(0.0, start), 2), round(min(end, VIDEO_SECONDS), 2)] for start, end in segments
    )
    kept = [pair for pair in kept if pair[1] > pair[0]]
    # The server merges a report's segments first (closing gaps under 0.25 s), then counts.
    while kept and core.total(kept) > allowed:
        start, end = kept[-1]
        excess = core.total(kept) - allowed
        trimmed = math.floor((end - excess - 0.01) * 100) / 100
        if trimmed > start:
            kept[-1] = [start, trimmed]
        else:  # nothing left, or an empty [s, s] the server would drop: not a claim
            kept.pop()
    return kept


# HTTP -------------------------------------------------------------------------------------


async def exchange(
    port: int, member: Member, request: Request, conn: KeptConnection | None = None
) -> tuple[int, bytes]:
    """Send ``request`` as ``member``'s browser would (on ``conn`` when kept alive, else on a
    connection of its own); status 0 for no answer at all."""
    headers = [f"Cookie: {member.cookie}"]
    body = b""
    if request.method == "POST":
        body = json.dumps(request.body).encode()
        headers += [
            "Content-Type: application/json",
            f"X-CSRFToken: {member.csrf}",
            f"Origin: http://{HOST}:{port}",
        ]
    else:
        headers.append("Accept: text/html")
    try:
        if conn is not None:
            sent = conn.fetch(request.method, request.path, headers, body)
        else:
            sent = fetch(port, request.method, request.path, headers, body)
        return await asyncio.wait_for(sent, timeout=30)
    except (OSError, TimeoutError, ValueError, IndexError) as exc:
        return 0, repr(exc).encode()


# Load -------------------------------------------------------------------------------------


async def load(
    port: int,
    queue: deque[Member],
    lessons: Lessons,
    *,
    seconds: float,
    concurrency: int,
    keep_alive: bool,
    pace: float,
    rng: random.Random,
    tally: Tally,
) -> float:
    """``concurrency`` connections at once, each taking the member who waited longest."""
    started = time.perf_counter()
    end = started + seconds

    async def connection() -> None:
        conn = KeptConnection(port) if keep_alive else None
        try:
            await requests(conn)
        finally:
            if conn is not None:
                conn.close()

    async def requests(conn) -> None:
        while True:
            member = queue.popleft()
            now = time.perf_counter()
            if member.not_before > now:
                await asyncio.sleep(member.not_before - now)
                now = time.perf_counter()
            if now >= end:
                queue.append(member)
                return
            request = member.next_request(lessons, rng, now)
            member.not_before = now + pace
            status, detail = await exchange(port, member, request, conn)
            done = time.perf_counter()
            tally.add(
                request.kind,
                done - now,
                status,
                200,
                detail,
                f"{request.method} {request.path} {request.body or ''}",
            )
            if status == 200:
                member.accept(request, done)
            elif (status == 0 or status >= 500) and request.kind == "position":
                member.unsure.add("video")  # the position may or may not have been stored
            elif (status == 0 or status >= 500) and request.kind != "page":
                member.unsure.add(request.kind)  # it may or may not have been stored
            queue.append(member)

    await asyncio.gather(*(connection() for _ in range(concurrency)))
    return time.perf_counter() - started


async def baseline(
    port: int,
    path: str,
    members: list[Member],
    *,
    seconds: float,
    concurrency: int,
    keep_alive: bool,
    tally: Tally,
) -> float:
    """The same connections asking for one fixed URL as fast as it answers."""
    started = time.perf_counter()
    end = started + seconds

    async def connection(n: int) -> None:
        conn = KeptConnection(port) if keep_alive else None
        while (now := time.perf_counter()) < end:
            member = members[n % len(members)]
            n += concurrency
            status, detail = await exchange(port, member, Request("baseline", "GET", path), conn)
            tally.add("baseline", time.perf_counter() - now, status, 200, detail, f"GET {path}")
        if conn is not None:
            conn.close()

    await asyncio.gather(*(connection(n) for n in range(concurrency)))
    return time.perf_counter() - started


# Verification -----------------------------------------------------------------------------


def verify(members: list[Member], lessons: Lessons) -> tuple[int, list[str], int]:
    """Compare every member's stored progress with what their accepted reports add up to.

    Returns (lessons checked and matching, mismatches, lessons left out because a report's
    outcome is unknown)."""
    from courses import progress_core as core
    from courses.models import LessonProgress, VideoPosition

    rows = {
        (row.user_id, row.page_id): row
        for row in LessonProgress.objects.filter(
            page_id__in=[lessons.video_page, lessons.slides_page, lessons.article_page]
        )
    }
    positions = dict(
        VideoPosition.objects.filter(video_id=lessons.video_id).values_list("user_id", "position")
    )
    matched, mismatches, unsure = 0, [], 0
    for member in members:
        checks = {
            "video": (lessons.video_page, check_video),
            "slides": (lessons.slides_page, check_slides),
            "reading": (lessons.article_page, check_reading),
        }
        for kind, (page, check) in checks.items():
            if kind in member.unsure:
                unsure += 1
                continue
            problem = check(member, rows.get((member.user_id, page)), lessons, core)
            if kind == "video" and not problem:
                problem = check_position(member, positions.get(member.user_id))
            if problem:
                mismatches.append(f"member {member.user_id} {kind}: {problem}")
            else:
                matched += 1
    return matched, mismatches, unsure


def check_video(member: Member, row, lessons: Lessons, core) -> str:
    expected = core.merge(tuple(pair) for pair in member.segments)
    if row is None:
        return "no progress stored" if expected else ""
    stored = [tuple(pair) for pair in row.watched]
    close = len(stored) == len(expected) and all(
        abs(a - b) <= 0.011
        for pair, want in zip(stored, expected, strict=True)
        for a, b in zip(pair, want, strict=True)
    )
    coverage = core.coverage(expected, VIDEO_SECONDS)
    if (
        not close
        or abs(row.video_coverage - coverage) > 0.02 * len(expected) / VIDEO_SECONDS + 1e-9
    ):
        return f"stored {stored[:4]}… ({row.video_coverage:.4f}), expected {expected[:4]}… ({coverage:.4f})"
    return ""


def check_position(member: Member, stored: float | None) -> str:
    """Each member's reports go one after another: the last accepted one set the position."""
    if member.resume_at is None or (stored is not None and abs(stored - member.resume_at) <= 0.011):
        return ""
    return f"resume position {stored}, expected {member.resume_at}"


def check_slides(member: Member, row, lessons: Lessons, core) -> str:
    expected = sorted(member.slides & lessons.visible_slides)
    stored = row.slides_seen if row is not None else []
    return "" if stored == expected else f"stored {stored}, expected {expected}"


def check_reading(member: Member, row, lessons: Lessons, core) -> str:
    seconds = row.reading_seconds if row is not None else 0.0
    end = row.reached_end if row is not None else False
    if abs(seconds - member.reading) > 1e-6 or end != member.reached_end:
        return (
            f"stored {seconds} s, end {end}; expected {member.reading} s, end {member.reached_end}"
        )
    return ""


# The run ----------------------------------------------------------------------------------


@dataclass
class Measured:
    floors: dict[str, tuple[float, list[float]]]  # baseline → (seconds, latencies)
    tally: Tally  # the load
    elapsed: float
    errors: int  # warm-up and baselines included
    examples: list[str]
    cpu: dict[str, float]  # seconds over the load, by whom
    cpu_total: float
    log_tail: str


def measure(args, seconds: float, lessons: Lessons, members: list[Member], tmp: Path):
    """Start gunicorn, warm it up, run the baselines and the load; always stop it."""
    from django.conf import settings

    pace = 60 / (settings.ELEARN_PROGRESS_REPORTS_PER_MINUTE * 0.9)  # 10% below the throttle
    print(
        f"throttle kept: ELEARN_PROGRESS_REPORTS_PER_MINUTE="
        f"{settings.ELEARN_PROGRESS_REPORTS_PER_MINUTE}; each member sends at most one request "
        f"every {pace:.2f} s",
        flush=True,
    )
    busy, total = machine_cpu()
    time.sleep(3)
    busy, total = (a - b for a, b in zip(machine_cpu(), (busy, total), strict=True))
    print(f"other load on the machine before the run: {busy / total:.0%} of its CPU", flush=True)
    port = free_port()
    log = tmp / "gunicorn.log"
    server = start_gunicorn(port, args.workers, log)
    try:
        wait_until_up(server, port, log)
        rng = random.Random(args.seed)
        queue = deque(members)
        options = {"concurrency": args.concurrency, "keep_alive": args.keep_alive}
        warm = Tally()
        asyncio.run(
            load(port, queue, lessons, seconds=args.warmup_seconds, pace=pace, rng=rng,
                 tally=warm, **options)
        )  # fmt: skip
        errors, examples = warm.errors, warm.examples
        floors = {}
        for label, path in (
            ("static file through WhiteNoise", STATIC_PATH),
            ("resume-position GET (session auth, a read)", f"/videos/{lessons.video_id}/position/"),
        ):
            tally = Tally()
            elapsed = asyncio.run(
                baseline(port, path, members, seconds=min(args.baseline_seconds, seconds),
                         tally=tally, **options)
            )  # fmt: skip
            floors[label] = (elapsed, tally.latencies["baseline"])
            errors += tally.errors
            examples += tally.examples
        print(f"load: {seconds:.0f} s…", flush=True)
        workers = FollowCPU(lambda: children(server.pid)).begin()
        # With persistent connections the workers' PostgreSQL backends can be followed; with
        # a connection per request they come and go too fast.
        backends = None
        if args.conn_max_age:
            url = os.environ["DATABASE_URL"]
            backends = FollowCPU(database_backends(url, args.database)).begin()
        client_before, machine_before = time.process_time(), machine_cpu()
        tally = Tally()
        elapsed = asyncio.run(
            load(port, queue, lessons, seconds=seconds, pace=pace, rng=rng, tally=tally, **options)
        )
        client_cpu = time.process_time() - client_before
        busy, total = (a - b for a, b in zip(machine_cpu(), machine_before, strict=True))
        workers_cpu = workers.seconds()
        backends_cpu = backends.seconds() if backends else 0.0
    finally:
        stop(server)
    cpu = {"gunicorn workers": workers_cpu}
    if backends:
        cpu["their PostgreSQL backends"] = backends_cpu
    cpu["this client"] = client_cpu
    rest = "kernel, other processes" if backends else "PostgreSQL, kernel, other processes"
    cpu[f"the rest ({rest})"] = busy - workers_cpu - backends_cpu - client_cpu
    return Measured(
        floors, tally, elapsed, errors + tally.errors, examples + tally.examples, cpu, total,
        tail(log) if errors + tally.errors else "",
    )  # fmt: skip


def row(label: str, values: list[float], seconds: float) -> tuple[float, float, float, float]:
    """Print a table row; returns (per second, p50, p95, p99)."""
    rate = len(values) / seconds
    p50, p95, p99 = percentiles(values)
    print(f"{label:44} {len(values):8d} {rate:7.1f} {p50:7.1f} {p95:7.1f} {p99:7.1f}")
    return rate, p50, p95, p99


def run(args: argparse.Namespace, seconds: float, tmp: Path) -> int:
    import django

    django.setup()
    import gunicorn
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    lessons = build_course()
    members = build_members(args.members, lessons.course_page)
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0].split()[0]
    print(
        f"set up in {time.perf_counter() - started:.0f} s: 1 course (a {VIDEO_SECONDS:.0f} s "
        f"video, a {SLIDE_COUNT}-slide deck, an article), {len(members)} enrolled members\n"
        f"server: gunicorn {gunicorn.__version__} with gunicorn.conf.py, {args.workers} "
        f"processes × {os.environ.get('GUNICORN_THREADS', '4')} threads, "
        f"{os.environ['DJANGO_SETTINGS_MODULE']} (DEBUG {settings.DEBUG}), PostgreSQL "
        f"{pg_version} on {HOST} (CONN_MAX_AGE={args.conn_max_age}), "
        f"{'Redis cache, cached_db sessions' if args.redis else 'per-process cache, db sessions'}\n"
        f"client: {args.concurrency} requests in flight, "
        f"{'kept-alive connections' if args.keep_alive else 'a new connection each'}; one page "
        f"load per {args.reports_per_page} progress reports (a page every "
        f"~{args.reports_per_page * 10 / 60:.1f} minutes of study at a report every 10 s)"
        + (
            "; the resume position on a POST of its own after each video report"
            if SEPARATE_POSITION
            else ""
        ),
        flush=True,
    )
    m = measure(args, seconds, lessons, members, tmp)

    header = f"{'requests/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}"
    print(f"\n{'baseline (same server, same client)':44} {'count':>8} {header}")
    floors = {label: row(label, values, elapsed) for label, (elapsed, values) in m.floors.items()}
    print(f"\n{'load (' + format(seconds, '.0f') + ' s)':44} {'count':>8} {header}")
    lat = m.tally.latencies
    for kind in ("video", "slides", "reading"):
        row(f"progress report: {kind}", lat.get(kind, []), m.elapsed)
    reports, report_p50, report_p95, report_p99 = row(
        "progress reports, all", [v for k in ("video", "slides", "reading") for v in lat.get(k, [])],
        m.elapsed,
    )  # fmt: skip
    pages, page_p50, page_p95, _ = row(
        "page loads (lessons, course)", lat.get("page", []), m.elapsed
    )
    if SEPARATE_POSITION:
        row("resume positions on their own", lat.get("position", []), m.elapsed)
    requests = m.tally.count(*lat)
    print(f"\nCPU over the load ({m.cpu_total:.0f} s of {os.cpu_count()} cores):")
    for label, spent in m.cpu.items():
        print(f"  {label:50} {spent:6.1f} s  {spent / requests * 1000:6.2f} ms a request")
    ceiling = math.nan
    if "their PostgreSQL backends" in m.cpu:
        # What the same work would reach with every core to itself: an upper bound, as the
        # kernel's share (loopback TCP) is left out, and other processes inflate CPU times.
        ours = sum(v for k, v in m.cpu.items() if not k.startswith("the rest")) / requests
        ceiling = os.cpu_count() / ours * reports / (requests / m.elapsed)
        print(
            f"  with the machine to itself this mix would reach at most ~{ceiling:.0f} progress "
            f"reports/s ({ours * 1000:.1f} ms of CPU a request, workers + PostgreSQL + client)"
        )

    print(f"\nerrors (anything but 200; warm-up and baselines included): {m.errors}")
    for example in m.examples:
        print(f"  {example}")
    if m.log_tail:
        print(f"gunicorn's log ends:\n{m.log_tail}")
    matched, mismatches, unsure = verify(members, lessons)
    print(
        f"verification: {sum(member.accepted for member in members)} accepted reports (warm-up "
        f"included); {matched} of {3 * len(members)} member-lessons stored exactly what they add "
        f"up to; {len(mismatches)} differ; {unsure} not checked (a report went unanswered)"
    )
    for mismatch in mismatches[:5]:
        print(f"  {mismatch}")

    static_rate = floors["static file through WhiteNoise"][0]
    position_rate, position_p50 = floors["resume-position GET (session auth, a read)"][:2]
    print(
        f"ratios: progress reports/s = {reports / static_rate:.2f} × the static file's rate, "
        f"{reports / position_rate:.2f} × the resume-position GET's; report p50 = "
        f"{report_p50 / position_p50:.2f} × the resume-position GET's"
    )
    met = reports >= GOAL_REPORTS_PER_S and m.errors == 0
    print(
        f"goal: ≥ {GOAL_REPORTS_PER_S} progress reports/s with no errors: {reports:.0f}/s, "
        f"{m.errors} errors: {'met' if met else 'MISSED'}"
    )
    results = {
        "reports_per_s": f"{reports:.0f}",
        "report_p50_ms": f"{report_p50:.1f}",
        "report_p95_ms": f"{report_p95:.1f}",
        "report_p99_ms": f"{report_p99:.1f}",
        "pages_per_s": f"{pages:.1f}",
        "page_p50_ms": f"{page_p50:.1f}",
        "page_p95_ms": f"{page_p95:.1f}",
        "static_per_s": f"{static_rate:.0f}",
        "position_per_s": f"{position_rate:.0f}",
        "ceiling_reports_per_s": f"{ceiling:.0f}",
        "errors": str(m.errors),
        "verified": str(matched),
        "mismatches": str(len(mismatches)),
    }
    print("RESULT " + " ".join(f"{key}={value}" for key, value in results.items()))
    return 1 if m.errors or mismatches or unsure else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60, help="length of the load, ≤ 600")
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8, help="requests in flight")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn processes")
    parser.add_argument("--baseline-seconds", type=float, default=10)
    parser.add_argument("--warmup-seconds", type=float, default=3)
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="elearn_bench")
    parser.add_argument(
        "--conn-max-age", type=int, default=60,
        help="the workers' CONN_MAX_AGE: 60 keeps a connection per worker, as production "
        "should; 0 (Django's default) opens one per request",
    )  # fmt: skip
    parser.add_argument(
        "--redis", default="redis://127.0.0.1:6379/0",
        help="REDIS_URL for the cache and sessions, as in production ('' for none); keys get "
        "a prefix of their own and are deleted at the end",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--reports-per-page", type=int, default=REPORTS_PER_PAGE,
        help="progress reports per lesson or course page load (the player reports every 10 s)",
    )  # fmt: skip
    parser.add_argument(
        "--keep-alive", action=argparse.BooleanOptionalAction, default=False,
        help="reuse each client connection (default: one per request, as the proxy in front "
        "opens them)",
    )  # fmt: skip
    parser.add_argument(
        "--separate-position", action="store_true",
        help="send the resume position on a POST of its own after each video report, as the "
        "player did before it rode along with the report",
    )  # fmt: skip
    args = parser.parse_args()
    global PAGE_SHARE, SEPARATE_POSITION
    SEPARATE_POSITION = args.separate_position
    PAGE_SHARE = 1 / (max(1, args.reports_per_page) + 1)
    seconds = min(max(args.seconds, 1.0), 600.0)
    if args.members < 2 * args.concurrency:
        parser.error("--members must be at least twice --concurrency")
    if args.redis:
        import redis

        try:
            redis.Redis.from_url(args.redis, socket_connect_timeout=2).ping()
        except redis.RedisError as exc:
            parser.error(f"no Redis at {args.redis} ({exc}); pass --redis '' to run without")

    prefix = f"elearn-bench-{secrets.token_hex(4)}"
    with tempfile.TemporaryDirectory(prefix="elearn-bench-progress-") as tmp:
        os.environ.update(
            {
                "DJANGO_SETTINGS_MODULE": "elearn.settings.production",
                "DATABASE_URL": f"{args.postgres}/{args.database}",
                "CONN_MAX_AGE": str(args.conn_max_age),
                "SECRET_KEY": secrets.token_urlsafe(50),  # a throwaway key for this run
                "ALLOWED_HOSTS": HOST,
                "SECURE_SSL_REDIRECT": "0",  # plain HTTP on loopback; TLS ends at a proxy
                "STATIC_ROOT": f"{tmp}/static",
                "MEDIA_ROOT": f"{tmp}/media",
                "LOG_LEVEL": "WARNING",
                "REDIS_URL": args.redis,
                "ELEARN_CACHE_KEY_PREFIX": prefix,
            }
        )
        print(f"creating database {args.database}…", flush=True)
        recreate_database(args.postgres, args.database)
        try:
            return run(args, seconds, Path(tmp))
        finally:
            from django.db import connections

            connections.close_all()
            recreate_database(args.postgres, args.database, create=False)
            if args.redis:
                forget_cache(args.redis, prefix)


if __name__ == "__main__":
    sys.exit(main())
