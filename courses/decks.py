"""Creating slide decks from files on disk (import_deck, load_demo, tests)."""

from pathlib import Path

from django.core.files import File
from wagtail.models import Collection

from .models import SlideDeck
from .models.slides import file_sha256


def collection_named(name: str | None) -> Collection:
    """The collection called ``name`` (made under the root if missing), or the root."""
    root = Collection.get_first_root_node()
    if not name:
        return root
    existing = Collection.objects.filter(name=name).first()
    return existing or root.add_child(name=name)


def create_deck(
    path: str | Path, *, title: str | None = None, collection: str | None = None, tags=(), user=None
) -> SlideDeck:
    """A new SlideDeck holding a copy of ``path`` (the original name kept), not yet converted."""
    path = Path(path)
    with path.open("rb") as fh:
        django_file = File(fh, name=path.name)
        deck = SlideDeck(
            title=title or path.stem.replace("_", " "),
            collection=collection_named(collection),
            uploaded_by_user=user,
            file_size=path.stat().st_size,
            file_hash=file_sha256(django_file),
        )
        deck.file.save(path.name, django_file, save=False)
        deck.save()
    if tags:
        deck.tags.add(*tags)
    return deck
