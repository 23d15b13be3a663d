"""A member's email settings, and the unsubscribe link at the foot of every email."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from courses.permissions import is_site_admin

from ..forms import NotificationPreferencesForm
from ..models import NotificationPreferences
from ..notifications import ALL, kind_label, read_unsubscribe_token, unsubscribe


@login_required
def preferences(request):
    """Which emails the member gets about their courses, and in which language."""
    trainer = is_site_admin(request.user) or request.user.trained_courses.exists()
    form = NotificationPreferencesForm(
        request.POST or None,
        instance=NotificationPreferences.for_user(request.user),
        trainer=trainer,
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your email settings have been saved."))
        return redirect("notification_preferences")
    return render(request, "insights/notification_preferences.html", {"form": form})


# No CSRF token: mail programs send the one-click unsubscribe (RFC 8058) as a bare POST to
# the link in the List-Unsubscribe header. The signed token is the authority here: it names
# one member and one kind of email, and all a forged request could do is switch that off.
@csrf_exempt
def unsubscribe_view(request, token: str):
    """GET asks (link scanners in mail systems open links, and must not unsubscribe anyone);
    POST switches the emails off, from the page's button or a mail program's one click."""
    try:
        user_id, kind = read_unsubscribe_token(token)
    except signing.BadSignature:
        return render(request, "insights/unsubscribe.html", {"invalid": True}, status=400)
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        return render(request, "insights/unsubscribe.html", {"invalid": True}, status=400)
    if request.method == "POST":
        kind = ALL if request.POST.get("all") else kind
        unsubscribe(user, kind)
        if request.POST.get("List-Unsubscribe") == "One-Click":
            return HttpResponse(status=200)
        return render(
            request, "insights/unsubscribe.html", {"done": True, "kind": kind_label(kind)}
        )
    return render(
        request,
        "insights/unsubscribe.html",
        {"kind": kind_label(kind), "is_all": kind == ALL, "email": user.email},
    )
