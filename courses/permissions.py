"""Who may see what: one place for every decision about lesson content and its files."""

import re

from .models import LecturePage, LectureVideo, SlideDeck
from .models.slides import can_see_hidden_slides

SLIDE_FILE = re.compile(r"^[0-9a-f]{16}/slides/(\d{4})-")


def can_view_deck(user, deck: SlideDeck, name: str = "") -> bool:
    """May ``user`` see this deck's derived file ``name``?

    Trainers and admins see every deck. Others see the files of decks shown on a live lecture
    page they can view; a hidden slide's images only where the lecture shows hidden slides.
    (Enrolment narrows "can view" to enrolled members.)
    """
    if can_see_hidden_slides(user):
        return True
    lectures = LecturePage.objects.live().public().filter(deck=deck)
    if not lectures.exists():
        return False
    match = SLIDE_FILE.match(name)
    if match and deck.slides.filter(number=int(match.group(1)), hidden=True).exists():
        return lectures.filter(show_hidden_slides=True).exists()
    return True


def can_view_video(user, video: LectureVideo) -> bool:
    """May ``user`` watch this video? Trainers and admins always; others when it is shown on a
    live lecture page they can view. (Enrolment narrows this to enrolled members.)"""
    if can_see_hidden_slides(user):
        return True
    return LecturePage.objects.live().public().filter(video=video).exists()
