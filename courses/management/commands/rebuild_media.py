"""Queue every slide deck and video to be converted again from its original upload.

After an upgrade that changes how slides or videos are rendered (new image sizes, a better
encoder), derived files are rebuilt from the originals, which are never modified. The tasks
are queued without changing any status first, so a deck or video stays as it is until a worker
takes it up (a deck's members keep its slides until the new ones are complete).
"""

from django.core.management.base import BaseCommand

from courses.models import LectureVideo, SlideDeck
from courses.tasks import convert_slide_deck_task, process_lecture_video_task


class Command(BaseCommand):
    help = "Convert slide decks and process videos again from their originals (queued tasks)."

    def add_arguments(self, parser):
        parser.add_argument("--decks", action="store_true", help="Only slide decks.")
        parser.add_argument("--videos", action="store_true", help="Only videos.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Say what would be queued; queue nothing."
        )

    def handle(self, *args, decks=False, videos=False, dry_run=False, **options):
        both = not (decks or videos)
        counts = {}
        if decks or both:
            counts["decks"] = self._queue(
                SlideDeck.objects.order_by("pk"), convert_slide_deck_task, dry_run
            )
        if videos or both:
            counts["videos"] = self._queue(
                LectureVideo.objects.order_by("pk"), process_lecture_video_task, dry_run
            )
        verb = "would be queued" if dry_run else "queued"
        self.stdout.write(
            ", ".join(f"{n} {kind} {verb}" for kind, n in counts.items())
            + ". A worker (make worker) does the work."
        )

    def _queue(self, queryset, task, dry_run) -> int:
        count = 0
        for item in queryset.iterator():
            if not item.file:
                continue
            count += 1
            if not dry_run:
                task.enqueue(item.pk, True)
        return count
