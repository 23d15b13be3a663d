import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from courses import video_service
from courses.video_service import create_video


class Command(BaseCommand):
    help = (
        "Create lecture videos from files and process them now. Prints one line per file: "
        "OK <path> <duration>s <width>x<height> <seconds>s, or FAILED <path>: <reason>. "
        "Exits 1 if any failed."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH")
        parser.add_argument(
            "--collection",
            metavar="NAME",
            help="Put the videos in this collection (made if missing).",
        )
        parser.add_argument("--tags", nargs="*", default=[], metavar="TAG")

    def handle(self, *args, paths, collection=None, tags=(), **options):
        failed = 0
        progress = tqdm(
            paths, unit="video", file=self.stderr, disable=not self.stderr.isatty(), leave=False
        )
        for path in progress:
            started = time.perf_counter()
            try:
                video = create_video(Path(path), collection=collection, tags=tags)
            except OSError as exc:
                failed += 1
                self.stdout.write(f"FAILED {path}: {exc.strerror or exc}")
                continue
            video = video_service.process(video)
            seconds = time.perf_counter() - started
            if video.is_ready:
                self.stdout.write(
                    f"OK {path} {video.duration:.1f}s {video.width}x{video.height} {seconds:.1f}s"
                )
            else:
                failed += 1
                self.stdout.write(f"FAILED {path}: {video.error_message}")
        if failed:
            raise CommandError(f"{failed} of {len(paths)} file(s) failed.", returncode=1)
