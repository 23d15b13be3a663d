"""Admin: "Print handouts" for a course or a lecture: choose layout, paper, contents and
recipients; a background task builds the PDF while the page shows its progress; download."""

from django import forms
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page

from ..handout_sources import LeftOut, unprintable_lectures
from ..models import CoursePage, HandoutBuild, LecturePage, SlideDeck
from ..tasks import queue_handout
from .enrolment_admin import enrollable_groups
from .serve import send_file


class HandoutForm(forms.ModelForm):
    class Meta:
        model = HandoutBuild
        fields = [
            "layout",
            "paper",
            "order",
            "include_hidden",
            "duplex",
            "recipients",
            "recipient_name",
            "group",
            "as_zip",
        ]
        widgets = {"layout": forms.RadioSelect, "recipients": forms.RadioSelect}

    def __init__(self, *args, course: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = enrollable_groups().order_by("name")
        if not course:
            del self.fields["duplex"]

    def clean(self):
        cleaned = super().clean()
        recipients = cleaned.get("recipients")
        if recipients == HandoutBuild.Recipients.NAME and not cleaned.get("recipient_name"):
            self.add_error("recipient_name", _("Type the name to print on the cover."))
        if recipients == HandoutBuild.Recipients.GROUP and not cleaned.get("group"):
            self.add_error("group", _("Choose the group."))
        return cleaned


def _printable(request, page_id: int):
    page = get_object_or_404(Page, pk=page_id).specific
    if not isinstance(page, CoursePage | LecturePage):
        raise Http404
    if not page.permissions_for_user(request.user).can_edit():
        raise PermissionDenied
    return page


def left_out_notice(request, left_out: list[LeftOut], intro: str) -> str:
    """The lectures whose slides are not printed, each with why and a link to its deck: a
    failed deck is fixed there (upload again), a converting one is only waited for."""
    items = [
        {
            "lecture": item.lecture,
            "deck": item.deck,
            "url": reverse("wagtailsnippets_courses_slidedeck:edit", args=[item.deck_id]),
            "failed": item.failed,
            "reason": gettext(item.reason) if item.reason else "",
            "status": SlideDeck.Status(item.status).label
            if item.status in SlideDeck.Status.values
            else item.status,
        }
        for item in left_out
    ]
    return render_to_string(
        "courses/admin/handout_left_out.html",
        {"items": items, "intro": intro, "any_failed": any(item["failed"] for item in items)},
        request=request,
    )


def print_handouts(request, page_id: int):
    """The choices (GET), and a build queued for them (POST)."""
    page = _printable(request, page_id)
    is_course = isinstance(page, CoursePage)
    form = HandoutForm(request.POST or None, course=is_course)
    if request.method == "POST" and form.is_valid():
        handout = form.save(commit=False)
        handout.page = page
        handout.requested_by = request.user
        handout.language = translation.get_language() or ""
        handout.save()
        queue_handout(handout)
        return redirect("courses_handout_status", handout.pk)
    recent = HandoutBuild.objects.filter(page=page).select_related("requested_by")[:10]
    # Said before printing too, so an admin can wait for a deck that is nearly converted.
    warning = left_out_notice(
        request,
        unprintable_lectures(page),
        gettext("These lectures' slides cannot be printed now; the set leaves them out:")
        if is_course
        else gettext("The slides of this lecture cannot be printed now:"),
    )
    return TemplateResponse(
        request,
        "courses/admin/print_handouts.html",
        {
            "page": page,
            "form": form,
            "is_course": is_course,
            "recent": recent,
            "left_out_warning": warning,
            "page_title": gettext("Print handouts: %(title)s") % {"title": page.title},
        },
        status=400 if form.errors else 200,
    )


def _handout(request, handout_id: int) -> HandoutBuild:
    handout = get_object_or_404(HandoutBuild.objects.select_related("page"), pk=handout_id)
    if not handout.page.permissions_for_user(request.user).can_edit():
        raise PermissionDenied
    return handout


def _handout_left_out(request, handout: HandoutBuild) -> str:
    left_out = [LeftOut(**item) for item in handout.left_out]
    if handout.status == HandoutBuild.Status.READY:
        intro = gettext("Left out of this handout, the rest of the course is printed:")
    else:
        intro = gettext("The slide decks to look at:")
    return left_out_notice(request, left_out, intro)


def handout_status(request, handout_id: int):
    """Progress of a build; ``?format=json`` for the page's own polling."""
    handout = _handout(request, handout_id)
    if request.GET.get("format") == "json":
        return JsonResponse(
            {
                "status": handout.status,
                "progress": handout.progress,
                "pages": handout.pages,
                "error": gettext(handout.error_message) if handout.error_message else "",
                "left_out": _handout_left_out(request, handout),
            }
        )
    return TemplateResponse(
        request,
        "courses/admin/handout_status.html",
        {
            "handout": handout,
            "page": handout.page.specific,
            "left_out": _handout_left_out(request, handout),
            "page_title": gettext("Handout: %(title)s") % {"title": handout.page.title},
        },
    )


def handout_download(request, handout_id: int):
    handout = _handout(request, handout_id)
    if handout.status != HandoutBuild.Status.READY or not default_storage.exists(handout.file):
        raise Http404
    return send_file(
        request, handout.file, filename=handout.filename, attachment=True, cache="private, no-store"
    )
