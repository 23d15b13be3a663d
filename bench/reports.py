"""Benchmark the course progress report on PostgreSQL: 10,000 members × 50 lessons.

Builds a throwaway database (``elearn_bench_reports`` on the server of ``--db``, dropped
and made again) holding one course of 50 lessons (10 of them lectures with a video), and
10,000 enrolled members with a progress row in every lesson (500,000 rows, loaded with
COPY), then measures, through the admin view as an administrator sees it:

  - the report page (50 members a page): seconds (median of 5) and SQL queries, for the first
    page, a page deep in the list, and sorted by completion date; the goal is ≤ 2 s;
  - the streaming CSV export for 1,000, 5,000 and 10,000 members (a group filter picks the
    first two): seconds, rows, bytes, queries, and the peak Python memory while it streams
    (tracemalloc, in a second run: tracing slows Python down). Flat peaks mean the export's
    memory does not grow with the number of rows.

    .venv/bin/python bench/reports.py [--db postgres://postgres@127.0.0.1:5432/postgres]
        [--members 10000] [--lessons 50] [--keep]

Last line: RESULT key=value ...
"""

import argparse
import os
import random
import statistics
import sys
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
NAME = "elearn_bench_reports"


def make_database(server_url: str) -> str:
    """Drop and create the benchmark database; returns its URL."""
    import psycopg

    parts = urlsplit(server_url)
    with psycopg.connect(server_url, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {NAME}")
        connection.execute(f"CREATE DATABASE {NAME}")
    return urlunsplit(parts._replace(path=f"/{NAME}"))


def drop_database(server_url: str) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(server_url, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {NAME}")


def build(members: int, lessons: int, rng: random.Random):
    """The course, its lessons, the members, their enrolments and progress; returns
    (course, admin user, {size: group} for the smaller exports)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import connection
    from wagtail.models import Page

    from courses.models import ArticlePage, CourseIndexPage, CoursePage, LecturePage, LectureVideo

    User = get_user_model()
    admin = User.objects.create_superuser("bench-admin", "admin@example.com", "pw")
    root = Page.get_first_root_node()
    catalogue = root.add_child(instance=CourseIndexPage(title="Bench", slug="bench"))
    course = catalogue.add_child(
        instance=CoursePage(title="Big course", slug="big", summary="10,000 members.")
    )
    video = LectureVideo.objects.create(
        title="Talk", file="videos/talk.mp4", duration=600, status="ready"
    )
    pages = []
    for i in range(lessons):
        if i % 5 == 1:
            page = LecturePage(title=f"Lecture {i + 1}", slug=f"l{i + 1}", video=video)
        else:
            page = ArticlePage(title=f"Article {i + 1}", slug=f"a{i + 1}", optional=i % 10 == 9)
        pages.append(course.add_child(instance=page))
    is_video = {page.pk: isinstance(page, LecturePage) for page in pages}

    start = datetime(2026, 1, 5, 9, tzinfo=UTC)
    first_id = (User.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    with connection.cursor() as cursor:
        with cursor.copy(
            "COPY auth_user (password, is_superuser, username, first_name, last_name, email, "
            "is_staff, is_active, date_joined) FROM STDIN"
        ) as copy:
            for n in range(members):
                copy.write_row(
                    (
                        "!",
                        False,
                        f"m{n:05d}",
                        f"First{n}",
                        f"Last{n:05d}",
                        f"m{n}@example.com",
                        False,
                        True,
                        start,
                    )
                )
    user_ids = list(
        User.objects.filter(username__startswith="m").order_by("pk").values_list("pk", flat=True)
    )
    assert len(user_ids) == members and user_ids[0] >= first_id

    with connection.cursor() as cursor:
        with cursor.copy(
            "COPY courses_enrolment (user_id, course_id, status, source, created_at, "
            "decided_at, completed_at) FROM STDIN"
        ) as copy:
            reach = {}
            for user_id in user_ids:
                # How far each member got: a third finished, the rest spread along the course.
                reach[user_id] = lessons if rng.random() < 0.33 else rng.randrange(lessons)
                enrolled = start + timedelta(minutes=rng.randrange(60 * 24 * 30))
                done = enrolled + timedelta(days=rng.randrange(1, 60))
                copy.write_row(
                    (
                        user_id,
                        course.pk,
                        "active",
                        "csv",
                        enrolled,
                        enrolled,
                        done if reach[user_id] == lessons else None,
                    )
                )
        with cursor.copy(
            "COPY courses_lessonprogress (user_id, page_id, watched, watched_seconds, "
            "video_coverage, slides_seen, slides_coverage, reading_seconds, reached_end, "
            "marked_done, completed_at, last_report_at, created_at, updated_at) FROM STDIN"
        ) as copy:
            for user_id in user_ids:
                for position, page in enumerate(pages):
                    complete = position < reach[user_id]
                    share = 1.0 if complete else rng.random() * 0.9
                    seen = 600 * share if is_video[page.pk] else 0
                    at = start + timedelta(days=position, minutes=rng.randrange(1000))
                    copy.write_row(
                        (
                            user_id,
                            page.pk,
                            f"[[0, {seen:.1f}]]" if seen else "[]",
                            seen,
                            share if is_video[page.pk] else 0,
                            "[]",
                            0,
                            30.0 * share,
                            complete,
                            complete,
                            at if complete else None,
                            at,
                            at,
                            at,
                        )
                    )
        cursor.execute("ANALYZE")
    groups = {}
    for size in sorted({min(1000, members), members // 2}):
        group = Group.objects.create(name=f"Branch of {size}")
        group.user_set.through.objects.bulk_create(
            [group.user_set.through(user_id=pk, group_id=group.pk) for pk in user_ids[:size]]
        )
        groups[size] = group
    return course, admin, groups


def timed_page(client, url: str, runs: int = 5) -> tuple[float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    assert client.get(url).status_code == 200  # warm: templates, lessons, caches
    seconds = []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            seconds.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    return statistics.median(seconds), len(queries.captured_queries)


def stream(client, url: str, *, trace: bool) -> dict:
    """Download a CSV export, reading it as a browser would; bytes and rows counted, the
    body not kept."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if trace:
        tracemalloc.start()
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
    size = rows = 0
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.get(url)
        for chunk in response.streaming_content:
            size += len(chunk)
            rows += chunk.count(b"\n")
        seconds = time.perf_counter() - started
    result = {"seconds": seconds, "bytes": size, "rows": rows - 1, "queries": len(queries)}
    if trace:
        result["peak_mb"] = (tracemalloc.get_traced_memory()[1] - base) / 1e6
        tracemalloc.stop()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--lessons", type=int, default=50)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    os.environ["DATABASE_URL"] = make_database(args.db)
    os.environ["DJANGO_SETTINGS_MODULE"] = "elearn.settings.test"
    os.environ["ELEARN_TASK_BACKEND"] = "dummy"  # no search indexing while building
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    try:
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        course, admin, groups = build(args.members, args.lessons, random.Random(7))
        print(
            f"built {args.members} members × {args.lessons} lessons "
            f"({args.members * args.lessons} progress rows) in {time.perf_counter() - started:.0f} s"
        )
        client = Client()
        client.force_login(admin)
        url = f"/admin/insights/progress/?course={course.pk}"
        last_page = (args.members + 49) // 50
        pages = {
            "first page": url,
            f"page {last_page // 2}": f"{url}&p={last_page // 2}",
            "sorted by completion": f"{url}&ordering=-completed",
        }
        page_results = {}
        for label, address in pages.items():
            seconds, queries = timed_page(client, address)
            page_results[label] = (seconds, queries)
            print(f"report page, {label}: {seconds:.3f} s, {queries} queries")

        exports = {}
        small = min(groups)
        for size, extra in [
            *[(size, f"&group={group.pk}") for size, group in sorted(groups.items())],
            (args.members, ""),
        ]:
            address = f"{url}{extra}&export=csv"
            timed = stream(client, address, trace=False)
            traced = stream(client, address, trace=True)
            assert timed["rows"] == size, (timed["rows"], size)
            exports[size] = {**timed, "peak_mb": traced["peak_mb"]}
            print(
                f"CSV export, {size} members: {timed['seconds']:.2f} s "
                f"({size / timed['seconds']:.0f} rows/s), {timed['bytes'] / 1e6:.1f} MB, "
                f"{timed['queries']} queries, peak Python memory {traced['peak_mb']:.1f} MB"
            )
        first = page_results["first page"]
        worst = max(seconds for seconds, _queries in page_results.values())
        full = exports[args.members]
        growth = full["peak_mb"] / exports[small]["peak_mb"]
        print(
            f"RESULT members={args.members} lessons={args.lessons} "
            f"page_s={first[0]:.3f} page_queries={first[1]} page_worst_s={worst:.3f} "
            f"page_goal_met={'yes' if worst <= 2 else 'no'} "
            f"csv_s={full['seconds']:.2f} csv_queries={full['queries']} "
            f"csv_peak_mb={full['peak_mb']:.1f} csv_peak_mb_{small}={exports[small]['peak_mb']:.1f} "
            f"csv_peak_growth={growth:.2f}"
        )
    finally:
        if not args.keep:
            drop_database(args.db)


if __name__ == "__main__":
    main()
