"""Admin views for slide decks: preview the converted slides, and convert again."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from ..models import SlideDeck
from ..tasks import queue_conversion, recover_stale_decks


def preview(request, deck_id: int):
    """Every slide of a deck as trainers see it: image, text, notes, hidden marks, errors."""
    if not request.user.has_perm("courses.view_slidedeck") and not request.user.has_perm(
        "courses.change_slidedeck"
    ):
        raise PermissionDenied
    recover_stale_decks()
    deck = get_object_or_404(SlideDeck, pk=deck_id)
    return TemplateResponse(
        request,
        "courses/admin/deck_preview.html",
        {"deck": deck, "slides": deck.slides.prefetch_related("media"), "page_title": deck.title},
    )


def convert_again(request, deck_id: int):
    """Confirm (GET) and queue (POST) a fresh conversion of a deck from its original file."""
    if not request.user.has_perm("courses.change_slidedeck"):
        raise PermissionDenied
    deck = get_object_or_404(SlideDeck, pk=deck_id)
    if request.method == "POST":
        queue_conversion(deck, force=True)
        messages.success(request, _("“%(title)s” will be converted again.") % {"title": deck.title})
        return redirect("courses_deck_preview", deck.pk)
    return TemplateResponse(
        request, "courses/admin/deck_convert_confirm.html", {"deck": deck, "page_title": deck.title}
    )
