from django.core.management.base import BaseCommand

from courses.tasks import recover_stale_decks, recover_stale_handouts, recover_stale_videos


class Command(BaseCommand):
    help = (
        "Queue again (or fail, after too many attempts) slide decks, videos and handouts whose "
        "worker "
        "died. Every run_worker does this about once a minute; this is for sites without one."
    )

    def handle(self, *args, **options):
        for kind, recover in (
            ("deck", recover_stale_decks),
            ("video", recover_stale_videos),
            ("handout", recover_stale_handouts),
        ):
            touched = recover()
            self.stdout.write(
                f"{len(touched)} stuck {kind}(s) handled" + (f": {touched}" if touched else ".")
            )
