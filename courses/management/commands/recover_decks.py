from django.core.management.base import BaseCommand

from courses.tasks import recover_stale_decks


class Command(BaseCommand):
    help = (
        "Queue again (or fail, after too many attempts) slide decks whose conversion worker died."
    )

    def handle(self, *args, **options):
        touched = recover_stale_decks()
        self.stdout.write(
            f"{len(touched)} stuck deck(s) handled" + (f": {touched}" if touched else ".")
        )
