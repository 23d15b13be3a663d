"""Failures (issue 9, item 4): a worker killed mid-conversion, a LibreOffice that hangs, a
database that goes away while members report progress. Each ends in a known state within a
bounded time: converted by another worker, failed with a reason, or answered "try again"."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.test import override_settings
from wagtail.models import Collection

from courses import deck_service
from courses.conversion.errors import ConversionTimeout
from courses.decks import create_deck
from courses.models import LessonProgress, SlideDeck
from courses.tasks import queue_conversion
from tests.conftest import client_for
from tests.conversion.conftest import build_feature_deck
from tests.test_tasks import database_url

DATABASE_TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": settings.ELEARN_TASK_QUEUES,
    }
}


def hanging_soffice(folder: Path) -> tuple[Path, Path]:
    """A ``soffice`` that never finishes, as LibreOffice does on some damaged decks: it starts
    a child (as oosplash starts soffice.bin), ignores SIGTERM, and writes both process ids to
    a file (LibreOffice runs with a cleaned environment, so the path is written in)."""
    folder.mkdir(parents=True, exist_ok=True)
    pids = folder / "pids"
    script = folder / "soffice"
    lines = [
        "#!/bin/sh",
        "trap '' TERM",
        # Where it runs (its profile) and its arguments (the output folder is inside the
        # conversion's temporary folder): a killed worker leaves both behind for the test.
        f"pwd > {folder / 'profile'}",
        f'for arg in "$@"; do echo "$arg"; done > {folder / "args"}',
        f"echo $$ >> {pids}",
        "sleep 600 &",
        f"echo $! >> {pids}",
        "wait",
    ]
    script.write_text("\n".join(lines) + "\n")
    script.chmod(0o755)
    return folder, pids


def alive(pid: int) -> bool:
    """Whether the process still runs (a zombie waiting for a reaper does not count)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state not in ("Z", "X")


def read_pids(path: Path) -> list[int]:
    return [int(line) for line in path.read_text().split()] if path.exists() else []


def kill_leftovers(pids: list[int]) -> None:
    """Clean up the fake LibreOffice and its child, by id (and only if the id still names
    one of them, not a process that took the number since)."""
    for pid in pids:
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except FileNotFoundError:
            continue
        if alive(pid) and (b"soffice" in command or command == b"sleep\x00600\x00"):
            os.kill(pid, signal.SIGKILL)


# A hanging LibreOffice -------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.django_db
def test_a_hanging_libreoffice_is_killed_at_its_timeout_and_the_deck_fails(
    demo, tmp_path, settings, monkeypatch
):
    fake, pid_file = hanging_soffice(tmp_path / "bin")
    monkeypatch.setenv("PATH", f"{fake}{os.pathsep}{os.environ['PATH']}")
    settings.ELEARN_SOFFICE_TIMEOUT_SECONDS = 2
    deck = create_deck(build_feature_deck(tmp_path / "fire-safety.pptx"))
    started = time.monotonic()
    try:
        deck = deck_service.convert(deck)
        elapsed = time.monotonic() - started
        pids = read_pids(pid_file)
        assert len(pids) == 2, "the fake LibreOffice ran and started its child"
        assert deck.status == SlideDeck.Status.FAILED
        assert deck.error_code == "timeout"
        assert deck.error_message == ConversionTimeout.default_message
        assert "took too long" in deck.error_message
        assert elapsed < 2 + 20, elapsed  # the timeout, plus the text read and clean-up
        # The whole process group is gone, the child that ignored nobody included.
        assert [pid for pid in pids if alive(pid)] == []
        assert deck.slides.count() == 0 and deck.file.storage.exists(deck.file.name)
    finally:
        kill_leftovers(read_pids(pid_file))


# A worker killed mid-conversion ------------------------------------------------------------------


def worker_env(path: str, **extra) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "elearn.settings.test",
        "DATABASE_URL": database_url(),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "ELEARN_TASK_BACKEND": "database",
        "PATH": path,
        **extra,
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return env


def manage(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def wait_for(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.2)
    raise AssertionError(f"waited {seconds} s for {what}")


def remove_worker_leftovers(fake: Path) -> None:
    """The LibreOffice profile and the conversion's temporary folder of a killed worker."""
    folders = []
    if (fake / "profile").exists():
        folders.append(Path((fake / "profile").read_text().strip()))
    args = (fake / "args").read_text().splitlines() if (fake / "args").exists() else []
    if "--outdir" in args:
        outdir = Path(args[args.index("--outdir") + 1])
        folders += [p for p in outdir.parents if p.name.startswith("elearn-deck-")]
    for folder in folders:
        if folder.name.startswith(("elearn-lo-", "elearn-deck-")):
            shutil.rmtree(folder, ignore_errors=True)


def start_worker(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "run_worker"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        worker.kill()
        worker.wait(timeout=10)


# A conversion counts as stuck after this long here (15 minutes by default): longer than the
# deck takes to convert, or the worker converting it again would be thought dead too.
STALE_AFTER = 20


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("rescue", ["a new worker", "recover_decks after the last attempt"])
def test_a_worker_killed_mid_conversion_leaves_no_deck_stuck(tmp_path, rescue):
    """A real worker process (``manage.py run_worker`` on the database queue) is killed with
    SIGKILL while LibreOffice runs: the deck says "converting" and nobody converts it. A
    worker still running (or the next one started) notices within a bounded time, queues it
    again and converts it; a deck that has used its attempts fails with a reason instead
    (``manage.py recover_decks``, what a cron job would run, does the same)."""
    with override_settings(TASKS=DATABASE_TASKS):
        if not Collection.get_first_root_node():  # emptied by an earlier transactional test
            Collection.add_root(name="Root")
        deck = create_deck(build_feature_deck(tmp_path / "fire-safety.pptx"))
        with transaction.atomic():  # as the admin's form does: queued once committed
            queue_conversion(deck)
        fake, pid_file = hanging_soffice(tmp_path / "bin")
        real_path = os.environ["PATH"]
        worker = start_worker(worker_env(f"{fake}{os.pathsep}{real_path}"))
        try:
            # The worker read the deck's text and started LibreOffice, which will not finish.
            wait_for(lambda: len(read_pids(pid_file)) == 2, 90, "LibreOffice to start")
            deck.refresh_from_db()
            assert deck.status in (SlideDeck.Status.PROCESSING, SlideDeck.Status.TEXT_READY)
            assert deck.attempts == 1
            os.kill(worker.pid, signal.SIGKILL)
            worker.wait(timeout=10)
            killed_at = time.monotonic()
        finally:
            stop(worker)
            # LibreOffice runs in a session of its own so that its timeout kills the whole
            # group; the dead worker can no longer enforce that timeout: the test ends it, and
            # removes the folders the worker would have (docs/security.md, accepted risks).
            kill_leftovers(read_pids(pid_file))
            remove_worker_leftovers(fake)
        deck.refresh_from_db()
        assert deck.status in (SlideDeck.Status.PROCESSING, SlideDeck.Status.TEXT_READY)

        stale = {"ELEARN_DECK_STALE_AFTER_SECONDS": str(STALE_AFTER)}
        if rescue == "a new worker":
            rescuer = start_worker(worker_env(real_path, **stale))
            try:
                wait_for(
                    lambda: (
                        SlideDeck.objects.get(pk=deck.pk).status
                        in (SlideDeck.Status.READY, SlideDeck.Status.FAILED)
                    ),
                    STALE_AFTER + 90,
                    "the deck to be converted again",
                )
            finally:
                stop(rescuer)
            deck.refresh_from_db()
            assert deck.status == SlideDeck.Status.READY, deck.error_message
            assert deck.slide_count == 4 and deck.attempts == 2
            assert deck.slides.first().title == "Fire safety basics"
        else:
            wait_for(
                lambda: time.monotonic() - killed_at > STALE_AFTER, STALE_AFTER + 5, "staleness"
            )
            recovery = manage(
                "recover_decks", env=worker_env(real_path, ELEARN_DECK_MAX_ATTEMPTS="1", **stale)
            )
            assert recovery.returncode == 0, recovery.stderr
            assert f"1 stuck deck(s) handled: [{deck.pk}]" in recovery.stdout
            deck.refresh_from_db()
            assert deck.status == SlideDeck.Status.FAILED
            assert deck.error_code == "stuck"
            assert "kept stopping without finishing" in deck.error_message
        # Bounded: counted as stuck after STALE_AFTER, looked for every STALE_AFTER / 4.
        assert time.monotonic() - killed_at < STALE_AFTER + 90


@pytest.mark.slow
@pytest.mark.django_db
def test_a_video_whose_worker_died_is_processed_again_then_failed(
    demo, tmp_path, settings, django_capture_on_commit_callbacks
):
    """Videos have the same rescue as decks (their longest step, the main rendition, is
    killed after an hour, so they count as stuck after ELEARN_VIDEO_STALE_AFTER_SECONDS)."""
    from django.utils import timezone

    from courses import video_service
    from courses.models import LectureVideo
    from courses.tasks import recover_stuck_work
    from courses.video_service import create_video
    from tests.test_videos import make_video

    video = video_service.process(create_video(make_video(tmp_path / "talk.mp4", seconds=1)))
    assert video.is_ready and video.attempts == 1
    long_ago = timezone.now() - timezone.timedelta(
        seconds=settings.ELEARN_VIDEO_STALE_AFTER_SECONDS + 60
    )
    video.mark(LectureVideo.Status.PROCESSING, processing_started_at=long_ago)
    with django_capture_on_commit_callbacks(execute=True):
        assert recover_stuck_work() == [video.pk]
    video.refresh_from_db()
    assert video.is_ready and video.attempts == 2  # processed again (tasks run at once here)
    video.mark(
        LectureVideo.Status.PROCESSING,
        processing_started_at=long_ago,
        attempts=settings.ELEARN_VIDEO_MAX_ATTEMPTS,
    )
    assert recover_stuck_work() == [video.pk]
    video.refresh_from_db()
    assert video.status == LectureVideo.Status.FAILED and video.error_code == "stuck"
    assert "kept stopping without finishing" in video.error_message
    # A video processing now, not for hours, is left alone.
    video.mark(LectureVideo.Status.PROCESSING, processing_started_at=timezone.now())
    assert recover_stuck_work() == []


@pytest.mark.slow  # the demo deck is converted with LibreOffice
@pytest.mark.django_db
def test_a_handout_whose_worker_died_is_built_again_then_failed(
    demo, settings, django_capture_on_commit_callbacks
):
    """A "Print handouts" request left "building" by a dead worker is built again, then
    failed with a reason: the admin's status page never spins forever."""
    from django.core.files.storage import default_storage
    from django.utils import timezone

    from courses import handout_service
    from courses.models import HandoutBuild
    from courses.tasks import recover_stuck_work

    handout = HandoutBuild.objects.create(page=demo["slides_lecture"], layout="6")
    handout_service.build(handout)
    assert handout.status == HandoutBuild.Status.READY and handout.attempts == 1
    long_ago = timezone.now() - timezone.timedelta(
        seconds=settings.ELEARN_HANDOUT_STALE_AFTER_SECONDS + 60
    )
    handout.mark(HandoutBuild.Status.BUILDING, progress=40, processing_started_at=long_ago)
    with django_capture_on_commit_callbacks(execute=True):
        assert recover_stuck_work() == [handout.pk]
    handout.refresh_from_db()
    assert handout.status == HandoutBuild.Status.READY and handout.attempts == 2
    assert default_storage.exists(handout.file)

    handout.mark(
        HandoutBuild.Status.BUILDING,
        processing_started_at=long_ago,
        attempts=settings.ELEARN_HANDOUT_MAX_ATTEMPTS,
    )
    assert recover_stuck_work() == [handout.pk]
    handout.refresh_from_db()
    assert handout.status == HandoutBuild.Status.FAILED and handout.finished_at
    status = client_for("admin", demo).get(f"/admin/handouts/{handout.pk}/?format=json").json()
    assert status["status"] == "failed"
    assert "stopped without finishing several times" in status["error"]
    # One building now is left alone.
    handout.mark(HandoutBuild.Status.BUILDING, processing_started_at=timezone.now())
    assert recover_stuck_work() == []


# The database going away while members report progress ------------------------------------------


def database_down(execute, sql, params, many, context):
    raise OperationalError("server closed the connection unexpectedly")


def progress_table_down(execute, sql, params, many, context):
    """The database goes away after the request has read what it needs: the write fails."""
    if "courses_lessonprogress" in sql and not sql.lstrip().upper().startswith("SELECT"):
        raise InterfaceError("connection already closed")
    return execute(sql, params, many, context)


@pytest.mark.django_db
@pytest.mark.parametrize("outage", [database_down, progress_table_down], ids=["whole", "write"])
def test_a_database_outage_answers_503_and_the_resent_report_loses_nothing(
    member_client, demo, outage
):
    lecture = demo["slides_lecture"]
    url = f"/progress/{lecture.pk}/"

    def report(slides):
        return member_client.post(url, json.dumps({"slides": slides}), "application/json")

    assert report([1, 2]).status_code == 200
    with connection.execute_wrapper(outage):
        answer = report([3, 4])
    # Not a 500 page: JSON saying to try again, and when. progress.js keeps the report.
    assert answer.status_code == 503
    assert answer["Content-Type"] == "application/json"
    assert answer["Retry-After"] == "5"
    assert "sent again" in answer.json()["error"]
    row = LessonProgress.objects.get(user=demo["users"]["member"], page=lecture)
    assert sorted(row.slides_seen) == [1, 2]  # nothing half-saved
    # The database is back; the player sends the kept report again.
    assert report([3, 4]).status_code == 200
    row.refresh_from_db()
    assert sorted(row.slides_seen) == [1, 2, 3, 4]


@pytest.mark.django_db
def test_the_resume_position_answers_503_too(member_client, demo):
    video = demo["video"]
    with connection.execute_wrapper(database_down):
        answer = member_client.post(
            f"/videos/{video.pk}/position/", json.dumps({"position": 1}), "application/json"
        )
    assert answer.status_code == 503 and answer["Retry-After"] == "5"


# The mail server being away -----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_mail_server_outage_undoes_no_enrolment(
    demo, settings, caplog, django_capture_on_commit_callbacks
):
    """Emails go after the change is committed and a failure to send is logged: the member
    is still enrolled (and the trainer sees the request in the admin)."""
    from courses.models import CoursePage, Enrolment

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    course = CoursePage.objects.get(pk=demo["safety_course"].pk)
    course.enrolment = CoursePage.Enrolment.APPROVAL
    course.save_revision().publish()
    with django_capture_on_commit_callbacks(execute=True):
        answer = client_for("member", demo).post(f"/enrol/{course.pk}/")
    assert answer.status_code == 302
    assert Enrolment.objects.get(user=demo["users"]["member"], course=course).status == "pending"
    assert "Could not send courses/email/enrolment_request.txt" in caplog.text
