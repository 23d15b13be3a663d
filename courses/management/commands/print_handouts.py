import datetime
import tempfile
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from courses.handout_sources import course_parts, handout_options, lecture_parts
from courses.handouts import (
    LAYOUTS,
    HandoutError,
    build_course_handout,
    build_handout,
    build_roster,
)
from courses.models import CoursePage, LecturePage
from courses.storage_files import LocalFiles


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(
            _("--date must look like 2026-11-25, not %(value)s.") % {"value": value}
        ) from exc


class Command(BaseCommand):
    help = (
        "Build a handout PDF for a lecture's slides or a whole course (cover, contents, every "
        "lesson). Prints OK <file> <pages> pages <seconds>s; exits 1 with the reason otherwise."
    )

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--course", metavar="SLUG", help="A course's slug: the whole set.")
        which.add_argument("--lecture", metavar="ID", type=int, help="A lecture page's id.")
        parser.add_argument("--layout", choices=LAYOUTS, default="6")
        parser.add_argument(
            "--paper", type=str.lower, choices=["a4", "letter"], default="a4", help="A4 or letter."
        )
        parser.add_argument("--order", choices=["horizontal", "vertical"], default="horizontal")
        parser.add_argument("--include-hidden", action="store_true", help="Print hidden slides.")
        parser.add_argument(
            "--duplex", action="store_true", help="Start each lesson on a right-hand page."
        )
        parser.add_argument("--date", type=_date, help="The date printed (default: today).")
        parser.add_argument("--recipient", default="", help="A member's or branch's name.")
        parser.add_argument(
            "--for",
            dest="recipients",
            nargs="+",
            metavar="NAME",
            help="Personalised copies: one named cover each (a ZIP if --out ends in .zip).",
        )
        parser.add_argument("--out", required=True, metavar="FILE.pdf", type=Path)

    def handle(self, *args, course=None, lecture=None, out: Path, **options):
        started = time.perf_counter()
        course_page = lecture_page = None
        if course is not None:
            course_page = CoursePage.objects.filter(slug=course).order_by("path").first()
            if course_page is None:
                raise CommandError(
                    _("There is no course with the slug “%(slug)s”.") % {"slug": course}
                )
        else:
            lecture_page = LecturePage.objects.filter(pk=lecture).first()
            if lecture_page is None:
                raise CommandError(_("There is no lecture with the id %(id)s.") % {"id": lecture})
            course_page = lecture_page.course
        handout = handout_options(
            course_page,
            lecture=lecture_page,
            date=options["date"],
            layout=options["layout"],
            paper="A4" if options["paper"] == "a4" else "letter",
            order=options["order"],
            include_hidden=options["include_hidden"],
            duplex=options["duplex"],
            recipient=options["recipient"],
        )
        bar = tqdm(
            total=1, unit="page", file=self.stderr, disable=not self.stderr.isatty(), leave=False
        )

        def progress(done, total):
            bar.total = total
            bar.n = done
            bar.refresh()

        try:
            with tempfile.TemporaryDirectory(prefix="handouts-") as workdir:
                # Decks' PDFs and images are read where they lie on local disk, or downloaded
                # into the work folder from object storage.
                files = LocalFiles(Path(workdir))
                if lecture_page is not None:
                    parts = lecture_parts(lecture_page, files=files)
                else:
                    parts = course_parts(course_page, files=files)
                if options["recipients"]:
                    result = build_roster(
                        parts,
                        handout,
                        options["recipients"],
                        out,
                        as_zip=out.suffix.lower() == ".zip",
                        progress=progress,
                    )
                    pages = result.copies * result.pages_per_copy
                elif lecture_page is not None:
                    pages = build_handout(parts, handout, out, progress=progress).pages
                else:
                    pages = build_course_handout(parts, handout, out, progress=progress).pages
        except HandoutError as exc:
            raise CommandError(exc.message) from exc
        except OSError as exc:
            raise CommandError(
                _("Cannot write %(path)s: %(reason)s")
                % {"path": out, "reason": exc.strerror or exc}
            ) from exc
        finally:
            bar.close()
        seconds = time.perf_counter() - started
        self.stdout.write(f"OK {out} {pages} pages {seconds:.1f}s")
