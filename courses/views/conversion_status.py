"""Admin: the current status of the decks and videos a page shows, as the HTML fragments the
page drew them with, so the listing and the edit form follow a conversion without a reload."""

from django.http import JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from elearn.converters import database_id

from ..models import LectureVideo, SlideDeck
from .progress import json_error

# kind → model and the permissions of which any one lets a user see the item's status.
KINDS = {
    "deck": (SlideDeck, ("courses.view_slidedeck", "courses.change_slidedeck")),
    "video": (LectureVideo, ("courses.view_lecturevideo", "courses.change_lecturevideo")),
}
VIEWS = ("cell", "panel")
DONE = ("ready", "failed")
# A listing shows at most a few dozen rows; the cap bounds what one request may cost.
MAX_ITEMS = 200


@require_GET
def conversion_status(request):
    """``?cell=deck-12&panel=video-3``: for each item the user may see, its status, progress
    and fragment (``live_status.html``), keyed as asked (``"cell:deck-12"``)."""
    wanted: dict[str, dict[int, list[str]]] = {kind: {} for kind in KINDS}
    asked = [(view, key) for view in VIEWS for key in request.GET.getlist(view)]
    if len(asked) > MAX_ITEMS:
        return json_error(_("Too many items asked for at once."), 400)
    for view, key in asked:
        kind, _sep, pk = key.partition("-")
        pk = database_id(pk)
        if kind not in KINDS or pk is None:
            return json_error(_("Unknown item: %(key)s") % {"key": key[:50]}, 400)
        wanted[kind].setdefault(pk, []).append(view)
    items = {}
    for kind, ids in wanted.items():
        model, perms = KINDS[kind]
        if not ids or not any(request.user.has_perm(perm) for perm in perms):
            continue
        for item in model.objects.filter(pk__in=ids):
            for view in ids[item.pk]:
                items[f"{view}:{kind}-{item.pk}"] = {
                    "status": item.status,
                    "progress": getattr(item, "progress", None),
                    "done": item.status in DONE,
                    "html": render_to_string(
                        "courses/admin/live_status.html",
                        {"kind": kind, "item": item, "view": view},
                        request=request,
                    ),
                }
    return JsonResponse({"items": items})
