import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from courses import deck_service
from courses.decks import create_deck


class Command(BaseCommand):
    help = (
        "Create slide decks from presentation files and convert them now. Prints one line per "
        "file: OK <path> <n> slides <seconds>s, or FAILED <path>: <reason>. Exits 1 if any failed."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH")
        parser.add_argument(
            "--collection",
            metavar="NAME",
            help="Put the decks in this collection (made if missing).",
        )
        parser.add_argument("--tags", nargs="*", default=[], metavar="TAG")

    def handle(self, *args, paths, collection=None, tags=(), **options):
        failed = 0
        progress = tqdm(
            paths, unit="deck", file=self.stderr, disable=not self.stderr.isatty(), leave=False
        )
        for path in progress:
            progress.set_postfix_str(str(path)[-40:])
            started = time.perf_counter()
            try:
                deck = create_deck(path, collection=collection, tags=tags)
            except OSError as exc:
                failed += 1
                self.stdout.write(f"FAILED {path}: {exc.strerror or exc}")
                continue
            deck = deck_service.convert(deck)
            seconds = time.perf_counter() - started
            if deck.is_ready:
                self.stdout.write(f"OK {path} {deck.slide_count} slides {seconds:.1f}s")
            else:
                failed += 1
                self.stdout.write(f"FAILED {path}: {deck.error_message}")
        if failed:
            raise CommandError(f"{failed} of {len(paths)} file(s) failed.", returncode=1)
