"""manage.py rebuild_media converts every deck and video again from its original."""

import io

import pytest
from django.core.management import call_command

from courses.models import LectureVideo, SlideDeck

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_rebuild_media_reconverts_decks_and_videos(demo):
    deck = SlideDeck.objects.get(pk=demo["deck"].pk)
    video = LectureVideo.objects.get(pk=demo["video"].pk)
    Slide = deck.slides.model
    deck.slides.filter(number=2).update(notes="stale")
    out = io.StringIO()
    call_command("rebuild_media", "--dry-run", stdout=out)
    assert "1 decks would be queued" in out.getvalue()
    assert Slide.objects.get(deck=deck, number=2).notes == "stale"  # nothing ran
    out = io.StringIO()
    call_command("rebuild_media", stdout=out)  # the test settings run tasks at once
    assert "decks queued" in out.getvalue() and "videos queued" in out.getvalue()
    deck.refresh_from_db()
    video.refresh_from_db()
    assert deck.status == SlideDeck.Status.READY and video.is_ready
    assert Slide.objects.get(deck=deck, number=2).notes != "stale"
