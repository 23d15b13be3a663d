"""Hostile decks through ``deck_service.convert``, as the task runs it: each ends FAILED with
its reason on the row, the original kept, no slides left behind (the ORM layer adds no way
for an upload to crash the worker)."""

from __future__ import annotations

import pytest

from courses import deck_service
from courses.decks import create_deck
from courses.models import SlideDeck

from . import build
from .harness import count, run_case

KINDS = ["many_entries", "giant_picture", "lying_size", "encrypted_zip", "not_a_deck"]


def _hostile(kind: str, tmp_path):
    deck = build.base_deck(tmp_path / "base.pptx")
    entries = [build.deflated(n, d) for n, d in build.zip_members(deck)]
    if kind == "many_entries":
        # More entries than allowed: refused before this process parses the directory.
        entries += [build.deflated(f"ppt/x/{i}.xml", b"") for i in range(12_000)]
    elif kind == "giant_picture":
        media = next(e for e in entries if e.name.startswith("ppt/media/"))
        entries[entries.index(media)] = build.deflated(
            media.name, build.png_claiming(100_000, 100_000)
        )
    elif kind == "lying_size":
        entries[-1].size += 1
    elif kind == "encrypted_zip":
        entries[-1].flags |= 1
    else:
        (tmp_path / "upload.pptx").write_bytes(b"%!PS-Adobe-3.0\n" * 50)
        return tmp_path / "upload.pptx"
    return build.write_zip(tmp_path / "upload.pptx", entries)


@pytest.mark.django_db
@pytest.mark.parametrize("index", range(count(len(KINDS))), ids=lambda i: f"service-{i}")
def test_hostile_decks_end_failed_with_a_reason(index, demo, tmp_path):
    kind = KINDS[index % len(KINDS)]
    deck = create_deck(_hostile(kind, tmp_path))

    def check(converted) -> None:
        assert converted.status == SlideDeck.Status.FAILED, converted.status
        assert converted.error_code not in ("", "internal"), converted.error_code
        assert len(converted.error_message) >= 20
        assert converted.slides.count() == 0
        assert converted.file.storage.exists(converted.file.name)

    run_case(
        "deck_service",
        f"{index}:{kind}",
        lambda: deck_service.convert(deck),
        check,
        outcome_of=lambda converted: converted.error_code,
    )
