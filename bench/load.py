"""Load test: the whole site under a mixed crowd, production-like and on the embedded defaults,
side by side.

    .venv/bin/python bench/load.py [--seconds 60] [--max-requests 20000] [--members 300]
                                   [--concurrency 8] [--decks 4] [--grace 120]
                                   [--mix catalogue=8,course=5,...] [--only production|embedded]

Two configurations, one after the other, each on loopback with a free port and everything it
made removed at the end:

production-like
    gunicorn with gunicorn.conf.py as ``make serve`` (2 processes × 4 threads),
    ``elearn.settings.production`` (DEBUG off, a throwaway SECRET_KEY, plain HTTP),
    PostgreSQL on 127.0.0.1:5432 as user ``postgres`` in a database ``elearn_load`` (created and
    dropped), CONN_MAX_AGE=60, the cache and sessions in Redis (``--redis``, keys under a prefix
    of this run's, deleted at the end), ``ELEARN_TASK_BACKEND=rq`` with its queue in a Redis
    database of its own (``--rq-redis``, default ``/14``: emptied before and after; the run
    refuses to start if it holds anything but RQ's keys) and one ``manage.py run_worker``.
embedded
    the same gunicorn and settings on the defaults: SQLite (a file in a temporary folder),
    each process's own memory cache, database sessions, the database task queue and one
    ``manage.py run_worker`` (db_worker).

Each builds the demo catalogue (courses, articles, tags, no media), the course of
``bench/progress_load.py`` (a 600 s video, a 20-slide deck whose slide images are written as
small JPEGs, an article) with ``--members`` enrolled members whose sessions are written
straight to the session table, and two trainers. After a short warm-up, ``--concurrency``
connections send, for ``--seconds`` or ``--max-requests`` (whichever ends first), a weighted
mix (``--mix``):

- visitors (anonymous): the catalogue ``/``, a course page, ``/search/?q=信息化``, the tag index
  and a tag page;
- enrolled members: lecture pages, slide pages (``<lecture>/slides/<n>/``), slide images (the
  permission-checked file view), and progress reports, honest as in progress_load (each claims
  no more than the server grants, paced below the throttle), so the stored progress can be
  predicted exactly;
- trainers, ``--decks`` times, evenly spread: the admin's upload form (GET, for its CSRF
  token), then a small python-pptx deck POSTed to it as multipart; the worker converts it
  (LibreOffice).

After the load the run waits up to ``--grace`` seconds for the uploaded decks and the task
queue, then checks what was stored: every member's progress equals what their accepted reports
add up to (progress_load's verification), every uploaded deck is READY with the right hash,
its slide rows, its PDF and its slide images and thumbnails in storage, and no task failed or
is left waiting or running.

Printed per configuration: requests, requests/s, p50/p95/p99 by kind, errors (anything but the
expected status; the first few shown), decks uploaded and READY within the load and after the
grace, the CPU the processes spent; then the two side by side with ratios. The machine's other
load is printed before each run: on a shared machine the figures measure the share the run got.
Exits 1 on any error or inconsistency. The last line is ``RESULT key=value ...``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import hashlib
import io
import json
import os
import random
import re
import secrets
import signal
import statistics
import string
import subprocess
import sys
import tempfile
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from harness import (
    HOST,
    ROOT,
    FollowCPU,
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
from progress_load import Lessons, Member, Request, build_course, build_members, exchange, verify

CONFIGS = ("production", "embedded")
LABELS = {"production": "production-like", "embedded": "embedded defaults"}
SEARCH_QUERY = "信息化"
VISITOR_KINDS = ("catalogue", "course", "search", "tags")
MEMBER_KINDS = ("lecture", "slide", "image", "progress")
DEFAULT_MIX = "catalogue=8,course=5,search=4,tags=3,lecture=10,slide=12,image=18,progress=40"
UPLOAD_KINDS = ("upload form", "deck upload")
DECK_SLIDES = 3
RQ_QUEUES = ("high", "default")


# The fixture ------------------------------------------------------------------------------


@dataclass
class Site:
    """What the crowd asks for, found or made before the load."""

    lessons: Lessons
    members: list[Member]
    trainers: list[Member]
    visitor_paths: dict[str, list[str]]
    slide_paths: list[str]  # slide pages of the visible slides
    image_paths: list[str]  # their images, both widths
    collection: int  # the root collection, for uploads


def build_site(member_count: int, trainer_count: int) -> Site:
    """The demo catalogue, progress_load's course and members, slide images on disk, trainers."""
    from django.conf import settings
    from taggit.models import Tag
    from wagtail.models import Collection

    from courses.demo_content import _load_pages
    from courses.models import CoursePage, SlideDeck

    _load_pages()  # pages, tags and demo users only: no media to convert
    lessons = build_course()
    members = build_members(member_count, lessons.course_page)
    trainers = build_trainers(trainer_count)

    deck = SlideDeck.objects.get(title="Bench deck")
    visible = deck.slides.filter(hidden=False).order_by("number")
    write_slide_images(Path(settings.MEDIA_ROOT), deck)
    tags = [
        f"/tags/{quote(slug)}/"
        for slug in Tag.objects.filter(name__in=["信息化", "office skills", "policy"]).values_list(
            "slug", flat=True
        )
    ]
    courses = [page.url for page in CoursePage.objects.live()]
    return Site(
        lessons=lessons,
        members=members,
        trainers=trainers,
        visitor_paths={
            "catalogue": ["/"],
            "course": courses,
            "search": [f"/search/?q={quote(SEARCH_QUERY)}"],
            "tags": ["/tags/", *tags],
        },
        slide_paths=[f"{lessons.slides_url}slides/{slide.number}/" for slide in visible],
        image_paths=[
            f"/decks/{deck.pk}/files/{slide.images[width]}"
            for slide in visible
            for width in ("480", "960")
        ],
        collection=Collection.get_first_root_node().pk,
    )


def write_slide_images(media_root: Path, deck) -> None:
    """The bench deck's rows name slide images; put small JPEGs where they point."""
    from PIL import Image, ImageDraw

    for slide in deck.slides.all():
        for width, name in slide.images.items():
            path = media_root / "decks" / "derived" / str(deck.pk) / name
            path.parent.mkdir(parents=True, exist_ok=True)
            image = Image.new("RGB", (int(width), int(width) * 9 // 16), (11, 92, 173))
            ImageDraw.Draw(image).text((20, 20), f"Slide {slide.number}", fill=(255, 255, 255))
            image.save(path, "JPEG", quality=80)


def build_trainers(count: int) -> list[Member]:
    """Trainers (the Trainers and Members groups), each with a session made directly."""
    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.auth.models import Group
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils.crypto import get_random_string

    from courses.roles import MEMBERS, TRAINERS

    trainers = []
    for n in range(count):
        user = get_user_model().objects.create_user(f"loadtrainer{n}", f"t{n}@example.com")
        user.groups.add(*Group.objects.filter(name__in=[TRAINERS, MEMBERS]))
        store = SessionStore()
        store.update(
            {
                SESSION_KEY: str(user.pk),
                BACKEND_SESSION_KEY: settings.AUTHENTICATION_BACKENDS[0],
                HASH_SESSION_KEY: user.get_session_auth_hash(),
            }
        )
        store.create()
        csrf = get_random_string(32, string.ascii_letters + string.digits)
        cookie = (
            f"{settings.SESSION_COOKIE_NAME}={store.session_key}; "
            f"{settings.CSRF_COOKIE_NAME}={csrf}"
        )
        trainers.append(Member(user_id=user.pk, cookie=cookie, csrf=csrf, speed=1.0))
    return trainers


def build_deck(n: int, token: str) -> bytes:
    """A small deck of its own (its text, hence its hash, differs from every other's)."""
    from pptx import Presentation

    prs = Presentation()
    for number in range(1, DECK_SLIDES + 1):
        slide = prs.slides.add_slide(prs.slide_layouts[1])
        slide.shapes.title.text = f"Load deck {n} · slide {number}"
        frame = slide.placeholders[1].text_frame
        frame.text = f"Uploaded during the load test {token}"
        for point in ("信息化办公", "Records are kept", "Decisions can be traced"):
            frame.add_paragraph().text = f"{point} ({n}.{number})"
        slide.notes_slide.notes_text_frame.text = f"Notes for slide {number}."
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()


# The crowd --------------------------------------------------------------------------------


@dataclass
class Upload:
    title: str
    sha256: str
    size: int
    status: int = 0  # the POST's answer
    answered_at: float = 0.0  # wall clock (time.time), to compare with the server's


async def send(port: int, cookie: str | None, method: str, path: str, **extra) -> tuple[int, bytes]:
    """A GET (or a form POST with ``body`` and ``content_type``) as a browser would send it."""
    headers = [f"Cookie: {cookie}"] if cookie else []
    body = extra.get("body", b"")
    if method == "POST":
        headers += [f"Content-Type: {extra['content_type']}", f"Origin: http://{HOST}:{port}"]
    else:
        headers.append("Accept: text/html")
    try:
        return await asyncio.wait_for(
            fetch(port, method, path, headers, body), timeout=extra.get("timeout", 30)
        )
    except (OSError, TimeoutError, ValueError, IndexError) as exc:
        return 0, repr(exc).encode()


def multipart(fields: dict[str, str], filename: str, content: bytes) -> tuple[bytes, str]:
    boundary = f"----elearnload{secrets.token_hex(8)}"
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: application/vnd.openxmlformats-officedocument.presentationml.presentation"
        "\r\n\r\n".encode()
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
ADD_DECK = "/admin/snippets/courses/slidedeck/add/"


async def upload_deck(port: int, trainer: Member, n: int, site: Site, tally: Tally) -> Upload:
    """The admin's upload form as a trainer uses it: load it, then send it with a deck."""
    token = secrets.token_hex(4)
    content = build_deck(n, token)
    upload = Upload(f"Load deck {n} {token}", hashlib.sha256(content).hexdigest(), len(content))
    started = time.perf_counter()
    status, page = await send(port, trainer.cookie, "GET", ADD_DECK)
    tally.add("upload form", time.perf_counter() - started, status, 200, page, f"GET {ADD_DECK}")
    found = CSRF_INPUT.search(page) if status == 200 else None
    if found is None:
        return upload
    fields = {
        "csrfmiddlewaretoken": found.group(1).decode(),
        "title": upload.title,
        "collection": str(site.collection),
        "tags": "",
    }
    body, content_type = multipart(fields, f"load-deck-{n}.pptx", content)
    started = time.perf_counter()
    status, detail = await send(
        port, trainer.cookie, "POST", ADD_DECK, body=body, content_type=content_type, timeout=120
    )
    upload.status, upload.answered_at = status, time.time()
    tally.add("deck upload", time.perf_counter() - started, status, 302, detail, upload.title)
    return upload


def member_request(kind: str, member: Member, site: Site, rng: random.Random, now: float):
    if kind == "lecture":
        lessons = site.lessons
        path = rng.choice(
            (lessons.video_url, lessons.slides_url, lessons.article_url, lessons.course_url)
        )
        return Request("page", "GET", path)  # "page": no progress to account for
    if kind == "slide":
        return Request("page", "GET", rng.choice(site.slide_paths))
    if kind == "image":
        return Request("page", "GET", rng.choice(site.image_paths))
    roll = rng.random()  # progress reports, in progress_load's proportions
    if roll < 0.8:
        return member.video_report(site.lessons, rng, now)
    if roll < 0.9:
        return member.slides_report(site.lessons, rng)
    return member.reading_report(site.lessons, rng, now)


async def load(
    port: int,
    site: Site,
    queue: deque[Member],
    *,
    seconds: float,
    max_requests: int,
    concurrency: int,
    mix: dict[str, float],
    pace: float,
    decks: int,
    rng: random.Random,
    tally: Tally,
    uploads: list[Upload],
) -> float:
    """``concurrency`` connections drawing from the mix; trainers upload ``decks`` decks,
    evenly spread over the time, on connections of their own."""
    started = time.perf_counter()
    end = started + seconds
    sent = 0
    kinds, weights = list(mix), list(mix.values())

    async def connection() -> None:
        nonlocal sent
        while sent < max_requests and time.perf_counter() < end:
            kind = rng.choices(kinds, weights)[0]
            sent += 1
            now = time.perf_counter()
            if kind in VISITOR_KINDS:
                path = rng.choice(site.visitor_paths[kind])
                status, detail = await send(port, None, "GET", path)
                tally.add(kind, time.perf_counter() - now, status, 200, detail, f"GET {path}")
                continue
            member = queue.popleft()
            if member.not_before > now:
                await asyncio.sleep(member.not_before - now)
                now = time.perf_counter()
            if now >= end:
                queue.append(member)
                return
            request = member_request(kind, member, site, rng, now)
            member.not_before = now + pace
            status, detail = await exchange(port, member, request)
            done = time.perf_counter()
            what = f"{request.method} {request.path} {request.body or ''}"
            tally.add(kind, done - now, status, 200, detail, what)
            if status == 200:
                member.accept(request, done)
            elif (status == 0 or status >= 500) and request.method == "POST":
                member.unsure.add(request.kind)  # it may or may not have been stored
            queue.append(member)

    async def trainers() -> None:
        nonlocal sent
        for n in range(decks):
            await asyncio.sleep(
                max(0.0, started + (n + 0.5) * seconds / decks - time.perf_counter())
            )
            if sent >= max_requests or time.perf_counter() >= end:
                return
            sent += 2
            trainer = site.trainers[n % len(site.trainers)]
            uploads.append(await upload_deck(port, trainer, n + 1, site, tally))

    await asyncio.gather(trainers(), *(connection() for _ in range(concurrency)))
    return time.perf_counter() - started


# Processes --------------------------------------------------------------------------------


def start_worker(log: Path) -> subprocess.Popen:
    """``manage.py run_worker`` (rqworker or db_worker, as configured), in a process group of
    its own so the conversions it starts (LibreOffice) are stopped with it."""
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "manage.py", "run_worker"],
            cwd=ROOT, env=os.environ.copy(), stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip


def stop_worker(worker: subprocess.Popen) -> None:
    if worker.poll() is not None:
        return
    os.killpg(worker.pid, signal.SIGTERM)  # its own group: the worker and its children only
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()


def descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        kids = children(todo.pop())
        found += kids
        todo += kids
    return found


# Checks after the load --------------------------------------------------------------------


def deck_states(uploads: list[Upload]) -> dict[str, tuple[str, float | None]]:
    """title → (status, seconds from upload to READY on the server's clock)."""
    from courses.models import SlideDeck

    states = {}
    for deck in SlideDeck.objects.filter(title__in=[u.title for u in uploads if u.status == 302]):
        took = None
        if deck.processed_at and deck.status == SlideDeck.Status.READY:
            took = (deck.processed_at - deck.created_at).total_seconds()
        states[deck.title] = (deck.status, took)
    return states


def processed_before(uploads: list[Upload], moment: float) -> int:
    from courses.models import SlideDeck

    return SlideDeck.objects.filter(
        title__in=[u.title for u in uploads],
        status=SlideDeck.Status.READY,
        processed_at__lte=datetime.datetime.fromtimestamp(moment, tz=datetime.UTC),
    ).count()


def task_names() -> dict[str, int]:
    """How many of each task ran, set-up included (publishing pages queues index updates)."""
    from django.conf import settings

    names: dict[str, int] = {}
    if settings.ELEARN_TASK_BACKEND == "rq":
        import django_rq
        from rq.registry import FinishedJobRegistry

        for queue_name in RQ_QUEUES:
            queue = django_rq.get_queue(queue_name)
            for job_id in FinishedJobRegistry(queue=queue).get_job_ids():
                job = queue.fetch_job(job_id)
                name = job.func_name.rsplit(".", 1)[-1] if job else "?"
                names[name] = names.get(name, 0) + 1
        return names
    from django_tasks_db.models import DBTaskResult

    for path in DBTaskResult.objects.values_list("task_path", flat=True):
        name = path.rsplit(".", 1)[-1]
        names[name] = names.get(name, 0) + 1
    return names


def failed_tasks() -> list[str]:
    """The failed tasks, each with the last line of its error."""
    from django.conf import settings

    found = []
    if settings.ELEARN_TASK_BACKEND == "rq":
        import django_rq
        from rq.registry import FailedJobRegistry

        for name in RQ_QUEUES:
            queue = django_rq.get_queue(name)
            for job_id in FailedJobRegistry(queue=queue).get_job_ids():
                job = queue.fetch_job(job_id)
                if job is None:
                    found.append(f"{name}: job {job_id} (gone)")
                    continue
                error = (job.latest_result().exc_string if job.latest_result() else "") or ""
                lines = error.strip().splitlines() or ["no error recorded"]
                found.append(f"{job.description} enqueued {job.enqueued_at}: {lines[-1]}")
        return found
    from django_tasks_db.models import DBTaskResult

    for result in DBTaskResult.objects.filter(status="FAILED"):
        lines = (result.traceback or "").strip().splitlines() or ["no traceback"]
        found.append(f"{result.task_path}{tuple(result.args_kwargs['args'])}: {lines[-1]}")
    return found


def task_counts() -> dict[str, int]:
    """Tasks by state, from whichever queue is configured."""
    from django.conf import settings

    if settings.ELEARN_TASK_BACKEND == "rq":
        import django_rq
        from rq.registry import (
            FailedJobRegistry,
            FinishedJobRegistry,
            ScheduledJobRegistry,
            StartedJobRegistry,
        )

        counts = dict.fromkeys(("waiting", "running", "failed", "scheduled", "finished"), 0)
        for name in RQ_QUEUES:
            queue = django_rq.get_queue(name)
            counts["waiting"] += queue.count
            counts["running"] += StartedJobRegistry(queue=queue).count
            counts["failed"] += FailedJobRegistry(queue=queue).count
            counts["scheduled"] += ScheduledJobRegistry(queue=queue).count
            counts["finished"] += FinishedJobRegistry(queue=queue).count
        return counts
    from django_tasks_db.models import DBTaskResult

    counts = {"waiting": 0, "running": 0, "failed": 0, "finished": 0}
    names = {"READY": "waiting", "RUNNING": "running", "FAILED": "failed", "SUCCESSFUL": "finished"}
    for status in DBTaskResult.objects.values_list("status", flat=True):
        key = names.get(status, status.lower())
        counts[key] = counts.get(key, 0) + 1
    return counts


def check_decks(uploads: list[Upload], trainers: list[Member]) -> list[str]:
    """Every deck the admin accepted: READY, the bytes we sent, its rows and derived files."""
    from django.conf import settings
    from django.core.files.storage import default_storage

    from courses.deck_service import derived_name
    from courses.models import SlideDeck

    problems = []
    trainer_ids = {t.user_id for t in trainers}
    for upload in uploads:
        if upload.status != 302:
            continue
        deck = SlideDeck.objects.filter(title=upload.title).first()
        if deck is None:
            problems.append(f"{upload.title}: no deck stored")
            continue
        if deck.status != SlideDeck.Status.READY:
            problems.append(f"{upload.title}: {deck.status} {deck.error_message}")
            continue
        if (deck.file_hash, deck.file_size) != (upload.sha256, upload.size):
            problems.append(f"{upload.title}: stored file differs from the upload")
        if deck.converted_hash != deck.file_hash or deck.uploaded_by_user_id not in trainer_ids:
            problems.append(f"{upload.title}: converted hash or uploader wrong")
        slides = list(deck.slides.filter(source_hash=deck.file_hash).order_by("number"))
        if deck.slide_count != DECK_SLIDES or [s.number for s in slides] != list(
            range(1, DECK_SLIDES + 1)
        ):
            problems.append(f"{upload.title}: {deck.slide_count} slides, rows {len(slides)}")
        if not default_storage.exists(deck.pdf.name):
            problems.append(f"{upload.title}: no PDF {deck.pdf.name}")
        for slide in slides:
            if "Load deck" not in slide.title:
                problems.append(f"{upload.title} slide {slide.number}: title {slide.title!r}")
            names = [slide.images.get(str(w)) for w in settings.ELEARN_SLIDE_EAGER_WIDTHS]
            names.append(slide.thumbnail)
            missing = [
                name
                for name in names
                if not name or not default_storage.exists(derived_name(deck, name))
            ]
            if missing:
                problems.append(f"{upload.title} slide {slide.number}: missing {missing}")
    return problems


# One configuration ------------------------------------------------------------------------


def configure(config: str, args, tmp: Path, prefix: str) -> dict[str, str]:
    env = {
        "DJANGO_SETTINGS_MODULE": "elearn.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),  # a throwaway key for this run
        "ALLOWED_HOSTS": HOST,
        "SECURE_SSL_REDIRECT": "0",  # plain HTTP on loopback; TLS ends at a proxy
        "STATIC_ROOT": f"{tmp}/static",
        "MEDIA_ROOT": f"{tmp}/media",
        "LOG_LEVEL": "WARNING",
        "WEB_CONCURRENCY": str(args.workers),
    }
    if config == "production":
        env |= {
            "DATABASE_URL": f"{args.postgres}/{args.database}",
            "CONN_MAX_AGE": "60",
            "REDIS_URL": args.rq_redis,  # the RQ queue
            "ELEARN_CACHE_REDIS_URL": args.redis,  # the cache and sessions, apart from it
            "ELEARN_CACHE_KEY_PREFIX": prefix,
            "ELEARN_TASK_BACKEND": "rq",
        }
    else:
        env |= {"DATABASE_URL": f"sqlite:///{tmp}/db.sqlite3", "ELEARN_TASK_BACKEND": "database"}
    for name in ("CONN_MAX_AGE", "REDIS_URL", "ELEARN_CACHE_REDIS_URL", "ELEARN_CACHE_KEY_PREFIX"):
        os.environ.pop(name, None)
    os.environ.update(env)
    return env


def empty_rq_database(url: str, *, check: bool) -> None:
    """Empty the RQ queue's own Redis database; refuse if something else lives there."""
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    if check:
        other = [k for k in client.scan_iter(count=1000) if not k.startswith(b"rq:")]
        if other:
            raise SystemExit(
                f"{url} holds keys that are not RQ's ({other[:3]}…): pass --rq-redis with a "
                "Redis database of its own"
            )
    client.flushdb()


def run_one(config: str, args) -> dict:
    seconds = min(max(args.seconds, 1.0), 600.0)
    prefix = f"elearn-load-{secrets.token_hex(4)}"
    with tempfile.TemporaryDirectory(prefix=f"elearn-load-{config}-") as tmp_name:
        tmp = Path(tmp_name)
        configure(config, args, tmp, prefix)
        if config == "production":
            empty_rq_database(args.rq_redis, check=True)
            print(f"creating database {args.database}…", flush=True)
            recreate_database(args.postgres, args.database)
        try:
            return measure(config, args, seconds, tmp)
        finally:
            from django.db import connections

            connections.close_all()
            if config == "production":
                recreate_database(args.postgres, args.database, create=False)
                forget_cache(args.redis, prefix)
                empty_rq_database(args.rq_redis, check=False)


def measure(config: str, args, seconds: float, tmp: Path) -> dict:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    site = build_site(args.members, args.trainers)
    connection.close()  # SQLite: nothing held open while the server writes
    engine = connection.vendor
    cache = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    print(
        f"\n== {LABELS[config]}: set up in {time.perf_counter() - started:.0f} s\n"
        f"server: gunicorn with gunicorn.conf.py, {args.workers} processes × "
        f"{os.environ.get('GUNICORN_THREADS', '4')} threads, {settings.SETTINGS_MODULE} "
        f"(DEBUG {settings.DEBUG}); database {engine} (CONN_MAX_AGE="
        f"{settings.DATABASES['default']['CONN_MAX_AGE']}); cache {cache}; sessions "
        f"{settings.SESSION_ENGINE.rsplit('.', 1)[-1]}; tasks {settings.ELEARN_TASK_BACKEND} "
        f"with one run_worker\n"
        f"crowd: {len(site.members)} enrolled members, {len(site.trainers)} trainers, visitors; "
        f"{args.concurrency} requests in flight, a new connection each; up to {args.decks} decks "
        f"of {DECK_SLIDES} slides",
        flush=True,
    )
    pace = 60 / (settings.ELEARN_PROGRESS_REPORTS_PER_MINUTE * 0.9)  # 10% below the throttle
    busy, total = machine_cpu()
    time.sleep(3)
    busy, total = (a - b for a, b in zip(machine_cpu(), (busy, total), strict=True))
    other_load = busy / total
    print(f"other load on the machine before the run: {other_load:.0%} of its CPU", flush=True)

    port = free_port()
    server = start_gunicorn(port, args.workers, tmp / "gunicorn.log")
    worker = start_worker(tmp / "worker.log")
    uploads: list[Upload] = []
    try:
        wait_until_up(server, port, tmp / "gunicorn.log")
        rng = random.Random(args.seed)
        queue = deque(site.members)
        mix = parse_mix(args.mix)
        options = {"concurrency": args.concurrency, "mix": mix, "pace": pace, "rng": rng}
        warm = Tally()
        asyncio.run(
            load(port, site, queue, seconds=args.warmup_seconds, max_requests=10**9, decks=0,
                 tally=warm, uploads=uploads, **options)
        )  # fmt: skip
        print(f"load: {seconds:.0f} s or {args.max_requests} requests…", flush=True)
        followed = {"gunicorn workers": FollowCPU(lambda: children(server.pid)).begin()}
        followed["task worker (and LibreOffice)"] = FollowCPU(
            lambda: [worker.pid, *descendants(worker.pid)]
        ).begin()
        if engine == "postgresql":
            url = os.environ["DATABASE_URL"]
            followed["PostgreSQL backends"] = FollowCPU(
                database_backends(url, args.database)
            ).begin()
        client_before, machine_before = time.process_time(), machine_cpu()
        tally = Tally()
        elapsed = asyncio.run(
            load(port, site, queue, seconds=seconds, max_requests=args.max_requests,
                 decks=args.decks, tally=tally, uploads=uploads, **options)
        )  # fmt: skip
        load_end = time.time()
        client_cpu = time.process_time() - client_before
        busy, total = (a - b for a, b in zip(machine_cpu(), machine_before, strict=True))
        cpu = {label: follow.seconds() for label, follow in followed.items()}
        cpu["this client"] = client_cpu
        rest = "Redis, kernel, other processes" if engine == "postgresql" else "kernel, others"
        cpu[f"the rest ({rest})"] = busy - sum(cpu.values())
        ready_in_run = processed_before(uploads, load_end)

        # The grace period: the decks, then whatever else was queued (search index updates).
        waited = time.perf_counter()
        accepted = [u for u in uploads if u.status == 302]
        while time.perf_counter() - waited < args.grace:
            states = deck_states(uploads)
            done = all(states.get(u.title, ("?",))[0] in ("ready", "failed") for u in accepted)
            counts = task_counts()
            if done and counts["waiting"] == 0 and counts["running"] == 0:
                break
            time.sleep(0.5)
        grace_used = time.perf_counter() - waited
    finally:
        stop(server)
        stop_worker(worker)

    states = deck_states(uploads)
    counts = task_counts()
    deck_problems = check_decks(uploads, site.trainers)
    matched, mismatches, unsure = verify(site.members, site.lessons)
    errors = warm.errors + tally.errors
    examples = (warm.examples + tally.examples)[:5]

    # Report -----------------------------------------------------------------------------
    lat = tally.latencies
    kinds = [k for k in (*VISITOR_KINDS, *MEMBER_KINDS, *UPLOAD_KINDS) if lat.get(k)]
    requests = tally.count(*lat)
    header = f"{'count':>7} {'per s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}"
    print(f"\n{'load (' + format(elapsed, '.0f') + ' s)':28} {header}")
    summary = {}
    for kind in [*kinds, "all"]:
        values = [v for k in lat for v in lat[k]] if kind == "all" else lat[kind]
        p50, p95, p99 = percentiles(values)
        summary[kind] = {
            "count": len(values),
            "rate": len(values) / elapsed,
            "p50": p50,
            "p95": p95,
            "p99": p99,
        }
        print(
            f"{kind:28} {len(values):7d} {len(values) / elapsed:7.1f} {p50:8.1f} {p95:8.1f} "
            f"{p99:8.1f} {max(values, default=0) * 1000:8.0f}"
        )
    print(f"\nCPU over the load ({total:.0f} s of {os.cpu_count()} cores):")
    for label, spent in cpu.items():
        print(f"  {label:44} {spent:6.1f} s  {spent / max(requests, 1) * 1000:6.2f} ms a request")

    # What the same work would reach with both cores to itself: an upper bound (the kernel's
    # loopback share and Redis are left out; other processes inflate CPU times).
    ours = sum(v for k, v in cpu.items() if not k.startswith("the rest")) / max(requests, 1)
    ceiling = os.cpu_count() / ours if ours else 0.0
    print(
        f"  with the machine to itself this mix would reach at most ~{ceiling:.0f} requests/s "
        f"({ours * 1000:.1f} ms of CPU a request: web, worker, database, client)"
    )
    print(f"\nerrors (anything but the expected answer; warm-up included): {errors}")
    for example in examples:
        print(f"  {example}")
    if errors:
        print(f"gunicorn's log ends:\n{tail(tmp / 'gunicorn.log')}")
    ready = [t for status, t in states.values() if status == "ready"]
    print(
        f"decks: {len(uploads)} uploaded ({len(accepted)} accepted), {ready_in_run} READY "
        f"within the load, {len(ready)} after {grace_used:.0f} s of grace (at most "
        f"{args.grace:.0f}); upload → READY "
        + (f"median {statistics.median(ready):.1f} s, max {max(ready):.1f} s" if ready else "—")
    )
    names = ", ".join(
        f"{n} {name}" for name, n in sorted(task_names().items(), key=lambda i: -i[1])
    )
    print(
        f"tasks (set-up included): {counts['finished']} finished ({names}), {counts['failed']} "
        f"failed, {counts['waiting']} waiting, {counts['running']} running"
    )
    for failure in failed_tasks()[:5]:
        print(f"  failed: {failure}")
    if counts["failed"] or counts["waiting"] or counts["running"]:
        log = (tmp / "worker.log").read_text(errors="replace").splitlines()
        trouble = [line for line in log if re.search(r"ERROR|Traceback|Error:|failed", line)]
        print("the worker's log, its errors:\n" + "\n".join(trouble[-15:]))
        print(f"and its end:\n{tail(tmp / 'worker.log', 6)}")
    print(
        f"verification: {sum(m.accepted for m in site.members)} accepted progress reports; "
        f"{matched} of {3 * len(site.members)} member-lessons stored exactly what they add up "
        f"to, {len(mismatches)} differ, {unsure} not checked (a report went unanswered); "
        f"{len(accepted) - len(deck_problems) if not deck_problems else 'not all'} of "
        f"{len(accepted)} decks complete"
    )
    for problem in (mismatches + deck_problems)[:8]:
        print(f"  {problem}")
    consistent = not (
        mismatches
        or unsure
        or deck_problems
        or counts["failed"]
        or counts["waiting"]
        or counts["running"]
        or len(accepted) != len(uploads)
    )
    return {
        "config": config,
        "elapsed": elapsed,
        "requests": requests,
        "kinds": summary,
        "errors": errors,
        "examples": examples,
        "decks_uploaded": len(uploads),
        "decks_accepted": len(accepted),
        "decks_ready_in_run": ready_in_run,
        "decks_ready": len(ready),
        "deck_ready_median_s": statistics.median(ready) if ready else None,
        "tasks": counts,
        "verified": matched,
        "mismatches": len(mismatches),
        "unsure": unsure,
        "deck_problems": len(deck_problems),
        "consistent": consistent,
        "cpu_ms_per_request": {k: v / max(requests, 1) * 1000 for k, v in cpu.items()},
        "other_load": other_load,
        "ours_ms": ours * 1000,
        "ceiling": ceiling,
    }


def parse_mix(text: str) -> dict[str, float]:
    mix = {}
    for part in filter(None, text.split(",")):
        kind, _, weight = part.partition("=")
        if kind.strip() not in VISITOR_KINDS + MEMBER_KINDS:
            raise SystemExit(
                f"--mix: unknown kind {kind!r} (one of {VISITOR_KINDS + MEMBER_KINDS})"
            )
        mix[kind.strip()] = float(weight)
    if not any(mix.values()):
        raise SystemExit("--mix: give at least one kind a weight")
    return {kind: weight for kind, weight in mix.items() if weight > 0}


# Side by side -----------------------------------------------------------------------------


def side_by_side(results: dict[str, dict], wanted: int) -> int:
    names = [name for name in CONFIGS if name in results]
    print(f"\n== side by side\n{'':34}" + "".join(f"{LABELS[n]:>20}" for n in names), end="")
    print(f"{'ratio':>10}" if len(names) == 2 else "")

    def line(label: str, values: list[float | None], fmt: str, ratio: bool = True) -> None:
        cells = "".join(f"{'—' if v is None else format(v, fmt):>20}" for v in values)
        extra = ""
        if ratio and len(values) == 2 and None not in values and values[1]:
            extra = f"{values[0] / values[1]:>9.2f}×"
        print(f"{label:34}{cells}{extra}")

    line("requests", [results[n]["requests"] for n in names], "d", ratio=False)
    line("requests/s", [results[n]["kinds"]["all"]["rate"] for n in names], ".1f")
    for stat in ("p50", "p95", "p99"):
        line(f"all requests {stat} ms", [results[n]["kinds"]["all"][stat] for n in names], ".1f")
    kinds = [
        k for k in (*VISITOR_KINDS, *MEMBER_KINDS, *UPLOAD_KINDS) if k in results[names[0]]["kinds"]
    ]
    for kind in kinds:
        values = [results[n]["kinds"].get(kind, {}).get("p50") for n in names]
        line(f"{kind} p50 ms", values, ".1f")
        values = [results[n]["kinds"].get(kind, {}).get("p95") for n in names]
        line(f"{kind} p95 ms", values, ".1f")
    line("errors", [results[n]["errors"] for n in names], "d", ratio=False)
    for n in names:
        r = results[n]
        r["decks"] = f"{r['decks_ready_in_run']}/{r['decks_uploaded']} ({r['decks_ready']})"
    print(
        f"{'decks READY in load/up (+grace)':34}"
        + "".join(f"{results[n]['decks']:>20}" for n in names)
    )
    line("deck upload → READY median s", [results[n]["deck_ready_median_s"] for n in names], ".1f")
    line(
        "web CPU ms a request",
        [results[n]["cpu_ms_per_request"]["gunicorn workers"] for n in names],
        ".2f",
    )
    line("CPU ms a request (all of ours)", [results[n]["ours_ms"] for n in names], ".2f")
    line("ceiling requests/s (machine alone)", [results[n]["ceiling"] for n in names], ".0f")
    line(
        "other load before the run",
        [results[n]["other_load"] * 100 for n in names],
        ".0f",
        ratio=False,
    )
    print(
        f"{'consistent':34}"
        + "".join(f"{'yes' if results[n]['consistent'] else 'NO':>20}" for n in names)
    )
    fields = {}
    for n in names:
        r = results[n]
        fields |= {
            f"{n}_requests_per_s": f"{r['kinds']['all']['rate']:.1f}",
            f"{n}_p50_ms": f"{r['kinds']['all']['p50']:.1f}",
            f"{n}_p95_ms": f"{r['kinds']['all']['p95']:.1f}",
            f"{n}_p99_ms": f"{r['kinds']['all']['p99']:.1f}",
            f"{n}_ceiling_per_s": f"{r['ceiling']:.0f}",
            f"{n}_errors": str(r["errors"]),
            f"{n}_decks_ready": f"{r['decks_ready']}/{r['decks_uploaded']}",
            f"{n}_consistent": str(r["consistent"]).lower(),
        }
    print("RESULT " + " ".join(f"{key}={value}" for key, value in fields.items()))
    failed = any(results[n]["errors"] or not results[n]["consistent"] for n in names)
    return 1 if failed or len(names) < wanted else 0


def child_argv(args: argparse.Namespace) -> list[str]:
    """The options of this run, for a child running one configuration."""
    argv = []
    for name, value in vars(args).items():
        if name not in ("only", "result"):
            argv += [f"--{name.replace('_', '-')}", str(value)]
    return argv


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60, help="length of each load, ≤ 600")
    parser.add_argument("--max-requests", type=int, default=20000, help="per configuration")
    parser.add_argument("--members", type=int, default=300)
    parser.add_argument("--trainers", type=int, default=2)
    parser.add_argument("--decks", type=int, default=4, help="decks uploaded per configuration")
    parser.add_argument("--concurrency", type=int, default=8, help="requests in flight")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn processes")
    parser.add_argument("--mix", default=DEFAULT_MIX, help="weights of the kinds of request")
    parser.add_argument("--grace", type=float, default=120, help="seconds to wait for the decks")
    parser.add_argument("--warmup-seconds", type=float, default=3)
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="elearn_load")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0", help="cache and sessions")
    parser.add_argument(
        "--rq-redis", default="redis://127.0.0.1:6379/4",
        help="the RQ queue: a Redis database of its own, emptied before and after",
    )  # fmt: skip
    parser.add_argument("--only", choices=CONFIGS, help="run one configuration")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--result", help=argparse.SUPPRESS)  # a child run writes its JSON here
    args = parser.parse_args()
    parse_mix(args.mix)
    if args.members < 2 * args.concurrency:
        parser.error("--members must be at least twice --concurrency")

    if args.result:  # one configuration, in a process of its own (Django is set up once)
        result = run_one(args.only, args)
        Path(args.result).write_text(json.dumps(result))
        return 0

    import redis

    for url in (args.redis, args.rq_redis):
        try:
            redis.Redis.from_url(url, socket_connect_timeout=2).ping()
        except redis.RedisError as exc:
            parser.error(f"no Redis at {url} ({exc})")
    results = {}
    with tempfile.TemporaryDirectory(prefix="elearn-load-") as tmp:
        for config in [args.only] if args.only else CONFIGS:
            out = Path(tmp) / f"{config}.json"
            code = subprocess.call(
                [
                    sys.executable,
                    __file__,
                    *child_argv(args),
                    "--only",
                    config,
                    "--result",
                    str(out),
                ]
            )
            if code or not out.exists():
                print(f"{LABELS[config]}: the run failed (exit {code})", flush=True)
                continue
            results[config] = json.loads(out.read_text())
    if not results:
        return 1
    return side_by_side(results, 1 if args.only else len(CONFIGS))


if __name__ == "__main__":
    sys.exit(main())
