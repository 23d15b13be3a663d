"""Forms of the insights app: a member's email preferences, a trainer's announcement."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from wagtail.users.models import UserProfile

from .models import Announcement, NotificationPreferences


class NotificationPreferencesForm(forms.ModelForm):
    """Which emails a member gets, and in which language."""

    language = forms.ChoiceField(
        label=_("Language of the emails"),
        choices=[("", _("The site’s language")), *settings.LANGUAGES],
        required=False,
    )

    class Meta:
        model = NotificationPreferences
        fields = list(NotificationPreferences.KINDS)  # every kind, in the model's order

    def __init__(self, *args, trainer: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.profile = UserProfile.get_for_user(self.instance.user)
        self.fields["language"].initial = self.profile.preferred_language
        if not trainer:
            # Only trainers decide requests to join and upload decks and videos.
            del self.fields["requests"]
            del self.fields["conversions"]

    def save(self, commit=True):
        preferences = super().save(commit)
        self.profile.preferred_language = self.cleaned_data["language"]
        self.profile.save(update_fields=["preferred_language"])
        return preferences


class AnnouncementForm(forms.ModelForm):
    """A trainer's message to a course's members."""

    send_email = forms.BooleanField(
        label=_("Also email it to the members"),
        required=False,
        initial=True,
        help_text=_("Members who switched announcements off in their email settings are left out."),
    )

    class Meta:
        model = Announcement
        fields = ["title", "body"]
