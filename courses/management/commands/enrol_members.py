"""Enrol the people listed in a CSV file into a course, all or nothing.

python manage.py enrol_members members.csv --course digital-office [--create-accounts]
    [--invite] [--dry-run]
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from courses.enrolment_csv import CsvProblem, file_notices, import_enrolments
from courses.models import CoursePage


class Command(BaseCommand):
    help = "Enrol the people listed in a CSV file (columns: email or username) into a course."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--course", required=True, help="the course's slug")
        parser.add_argument(
            "--create-accounts",
            action="store_true",
            help="make accounts for email addresses that have none",
        )
        parser.add_argument(
            "--invite", action="store_true", help="email new accounts a link to set a password"
        )
        parser.add_argument("--dry-run", action="store_true", help="check only; change nothing")

    def handle(self, *args, file: Path, course: str, **options):
        courses = CoursePage.objects.filter(slug=course)
        if courses.count() != 1:
            raise CommandError(f"No course with the slug {course!r}" if not courses else
                               f"Several courses have the slug {course!r}")  # fmt: skip
        target = courses.get()
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}") from exc
        try:
            report, created = import_enrolments(
                data,
                target,
                create_accounts=options["create_accounts"],
                invite=options["invite"],
                dry_run=options["dry_run"],
            )
        except CsvProblem as problem:
            raise CommandError(str(problem)) from problem
        for notice in file_notices(report):
            self.stderr.write(notice)
        for row in report.rows:
            line = f"line {row.line}: {row.who}: {row.outcome}"
            self.stdout.write(line + (f" ({row.message})" if row.message else ""))
        if report.failed:
            raise CommandError(
                f"{len(report.failed)} of {len(report.rows)} rows failed; nothing was changed."
            )
        if options["dry_run"]:
            self.stdout.write(_("Dry run: every row is fine; nothing was changed."))
            return
        self.stdout.write(
            f"{report.count('enrolled') + report.count('created')} enrolled "
            f"({report.count('created')} new accounts), {report.count('already')} already enrolled."
        )
        if created and options["invite"]:
            # Queued like every email: this command does not wait for the mail server.
            self.stdout.write(
                f"{len(created)} invitation(s) queued; a task worker sends them "
                "(python manage.py run_worker)."
            )
