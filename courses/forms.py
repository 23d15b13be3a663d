"""Forms members fill in: sign-up, profile, log-in and password reset."""

import unicodedata

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.contrib.auth.forms import PasswordResetForm as DjangoPasswordResetForm
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from wagtail.admin.forms.auth import LoginForm as WagtailLoginForm

from . import login_throttle
from .enrolments import awaits_password

User = get_user_model()


class UniqueEmailMixin:
    """Password reset finds people by email, so two accounts may not share one."""

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        others = User.objects.filter(email__iexact=email)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError(_("An account with this email address already exists."))
        return email


class NameMixin:
    """A name, not only a user name: it is what certificates and trainers' lists show. One
    part is enough (some people have one name)."""

    # Said before the form is sent: the rule is one of the two, which no asterisk can show.
    name_help = _("As it appears on your certificates: a first name, a last name, or both.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["first_name"].help_text = self.name_help

    def clean(self):
        cleaned = super().clean()
        if (
            not (cleaned.get("first_name") or "").strip()
            and not (cleaned.get("last_name") or "").strip()
        ):
            self.add_error("first_name", _("Enter your name: your certificates show it."))
        return cleaned


class SignupForm(NameMixin, UniqueEmailMixin, UserCreationForm):
    """Create a member account: user name, name, email and password."""

    email = forms.EmailField(label=_("Email address"), help_text=_("Used to reset your password."))

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ["username", "first_name", "last_name", "email"]


class ProfileForm(NameMixin, UniqueEmailMixin, forms.ModelForm):
    """What a member may change about themselves."""

    email = forms.EmailField(label=_("Email address"))

    class Meta:
        model = User
        fields = ["first_name", "last_name", "email"]


class ThrottleMixin:
    """Refuse to check a password while the account or address is locked out, and say for
    how long (the lockout itself is counted in ``courses.login_throttle``)."""

    def clean(self):
        username = self.data.get("username", "")
        wait = login_throttle.wait_seconds(self.request, username)
        if wait:
            minutes = max(1, round(wait / 60))
            raise forms.ValidationError(
                ngettext(
                    "Too many failed log-ins. Try again in %(minutes)s minute, "
                    "or reset your password.",
                    "Too many failed log-ins. Try again in %(minutes)s minutes, "
                    "or reset your password.",
                    minutes,
                )
                % {"minutes": minutes},
                code="throttled",
            )
        return super().clean()


class LoginForm(ThrottleMixin, AuthenticationForm):
    """The site's log-in form."""


class AdminLoginForm(ThrottleMixin, WagtailLoginForm):
    """Wagtail's admin log-in form, with the same limit."""


class PasswordResetForm(DjangoPasswordResetForm):
    """Django's, also for an account a CSV import made that has no password yet: its
    invitation sends the member here once the link has expired. Django leaves accounts
    without a usable password out (they sign in elsewhere, such as LDAP); this site has no
    such accounts, and the link goes to the account's own address all the same."""

    def get_users(self, email):
        yield from super().get_users(email)
        for user in User._default_manager.filter(email__iexact=email, is_active=True):
            # Compared as Django compares it: a look-alike address (Unicode case folding)
            # found by the query must not receive someone else's link.
            if awaits_password(user) and _folded(user.email) == _folded(email):
                yield user


def _folded(email: str) -> str:
    return unicodedata.normalize("NFKC", email).casefold()
