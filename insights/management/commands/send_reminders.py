"""Email members who have not continued a course for a while: run it daily (cron, a systemd
timer) — each stretch of inactivity gets one reminder however often it runs."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from insights.models import Reminder
from insights.notifications import due_reminders
from insights.tasks import queue, reminder_email_task


class Command(BaseCommand):
    help = "Queue reminder emails to members inactive in a course for N days."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=settings.ELEARN_REMINDER_DAYS,
            help="Days without activity before a reminder (default: ELEARN_REMINDER_DAYS).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="List who would be reminded; send nothing."
        )

    def handle(self, *args, days: int, dry_run: bool, **options):
        due = due_reminders(days)
        for enrolment in due:
            self.stdout.write(f"{enrolment.user.get_username()}\t{enrolment.course.title}")
        if dry_run:
            self.stdout.write(f"{len(due)} reminders due (dry run: none sent)")
            return
        with transaction.atomic():
            for enrolment in due:
                Reminder.objects.create(enrolment=enrolment)
                queue(reminder_email_task, enrolment.pk)
        self.stdout.write(f"{len(due)} reminders queued")
