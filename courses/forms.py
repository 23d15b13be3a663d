"""Forms members fill in: sign-up and profile."""

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm
from django.utils.translation import gettext_lazy as _

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


class SignupForm(UniqueEmailMixin, UserCreationForm):
    """Create a member account: user name, name, email and password."""

    email = forms.EmailField(label=_("Email address"), help_text=_("Used to reset your password."))

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ["username", "first_name", "last_name", "email"]


class ProfileForm(UniqueEmailMixin, forms.ModelForm):
    """What a member may change about themselves."""

    email = forms.EmailField(label=_("Email address"))

    class Meta:
        model = User
        fields = ["first_name", "last_name", "email"]
