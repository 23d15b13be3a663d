"""Sign-up and profile. Log-in, log-out and password reset are Django's own views."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters

from ..forms import PasswordResetForm, ProfileForm, SignupForm
from ..models import Certificate, OrganisationSettings
from ..names import person_name
from ..roles import ROLE_LABELS, add_member


def safe_next_url(request) -> str | None:
    """The ``next`` this site may send the person on to (back to the course or lesson that
    sent them), or None for none or one elsewhere."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


@sensitive_post_parameters("password1", "password2")
def signup(request):
    """Create a member account, log the new member in, and send them back where they came
    from (the course they wanted to enrol in) or to their profile."""
    if request.user.is_authenticated:
        return redirect(safe_next_url(request) or "profile")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        add_member(user)
        login(request, user, backend="elearn.auth.ModelBackend")
        messages.success(
            request,
            _("Welcome, %(name)s! Your account is ready.") % {"name": person_name(user)},
        )
        return redirect(safe_next_url(request) or "profile")
    return render(request, "account/signup.html", {"form": form, "next": safe_next_url(request)})


@login_required
def profile(request):
    """The member's own page: their details, roles and the courses they train."""
    placeholder = request.user.get_username()  # what certificates say for a member with no name
    unnamed = not (request.user.first_name.strip() or request.user.last_name.strip())
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        if unnamed:
            # Certificates keep the name of their day, but a user name was never a name:
            # those issued before the member gave one now carry it.
            Certificate.objects.filter(enrolment__user=user, member_name=placeholder).update(
                member_name=person_name(user)
            )
        messages.success(request, _("Your profile has been saved."))
        return redirect("profile")
    return render(
        request,
        "account/profile.html",
        {
            "form": form,
            "roles": [
                label
                for name, label in ROLE_LABELS.items()
                if request.user.groups.filter(name=name).exists()
            ],
            "trained_courses": request.user.trained_courses.live(),
        },
    )


class PasswordResetView(auth_views.PasswordResetView):
    """Django's, with the email naming the organisation ("Reset your password on the
    Riverside Society") rather than the server's host name and port, and open to invited
    accounts that have no password yet (``PasswordResetForm``)."""

    form_class = PasswordResetForm

    def form_valid(self, form):
        name = OrganisationSettings.for_request(self.request).name
        self.extra_email_context = {"site_name": name} if name else None
        return super().form_valid(form)


class LogoutView(auth_views.LogoutView):
    """Django's, saying on the next page that it worked (Wagtail's admin says so too)."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, _("You have logged out."))
        return response
