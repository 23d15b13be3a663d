"""``SlideDeck.converted_hash`` now names the conversion members are shown, which a deck keeps
while a new file converts or after it failed. A failure used to delete the slides but leave
the hash: clear it where no slides of that conversion are left (or only their text)."""

from django.db import migrations
from django.db.models import Exists, OuterRef, Q


def clear_stale_hashes(apps, schema_editor):
    SlideDeck = apps.get_model("courses", "SlideDeck")
    Slide = apps.get_model("courses", "Slide")
    complete = Slide.objects.filter(deck=OuterRef("pk"), source_hash=OuterRef("converted_hash"))
    SlideDeck.objects.exclude(converted_hash="").filter(
        Q(status__in=["failed", "text_ready"]) | ~Exists(complete)
    ).update(converted_hash="")


class Migration(migrations.Migration):
    dependencies = [("courses", "0021_handout_left_out")]

    operations = [migrations.RunPython(clear_stale_hashes, migrations.RunPython.noop)]
