"""The course's and the lecture's edit forms in the admin: who may be chosen as a trainer;
no lecture published with a deck or video whose conversion failed."""

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminPageForm

from .names import person_name
from .roles import ADMINS, TRAINERS


class TrainerChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, user):
        # Two 李明 in one branch are told apart by their usernames.
        return f"{person_name(user)} ({user.get_username()})"


def trainer_candidates(course=None):
    """The people who may train a course: active accounts with the Trainers or Admins role,
    superusers, and whoever trains it already, published or in the draft being edited (kept
    even if their role was taken away or their account closed since: a box not shown would
    remove them from the course on the next save). Not every member: a society has hundreds."""
    User = get_user_model()
    role = Q(groups__name__in=[TRAINERS, ADMINS]) | Q(is_superuser=True)
    chosen = Q(pk__in=User.objects.filter(role, is_active=True).values("pk"))
    if course is not None and course.pk:
        current = {user.pk for user in course.trainers.all()}
        chosen |= Q(trained_courses=course) | Q(pk__in=current)
    # Through subqueries: the joins would list someone once per matching group.
    return User.objects.filter(pk__in=User.objects.filter(chosen).values("pk")).order_by(
        "last_name", "first_name", "username"
    )


class CoursePageForm(WagtailAdminPageForm):
    """Trainers are ticked from a short list of candidates, not picked from every account."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("trainers")
        if field is not None:
            self.fields["trainers"] = TrainerChoiceField(
                queryset=trainer_candidates(self.instance),
                required=False,
                label=field.label,
                help_text=field.help_text,
                widget=forms.CheckboxSelectMultiple,
            )

    def clean(self):
        cleaned = super().clean()
        opens, closes = cleaned.get("enrolment_opens"), cleaned.get("enrolment_closes")
        if opens and closes and closes <= opens:
            # Saved, it would say "Enrolment opens on …" to members who never could enrol.
            self.add_error("enrolment_closes", _("Enrolment must close after it opens."))
        return cleaned


# The page editor's buttons that publish the page, at once or once a workflow approves it.
PUBLISHING_ACTIONS = ("action-publish", "action-submit", "action-restart-workflow")


def failed_file_error(file, with_reason: str, without_reason: str) -> str:
    """The field error for a deck or video that failed, with its reason when it has one (kept
    as an English message id, as the lists show it): the reason says how to fix the file."""
    reason = gettext(file.error_message).strip() if file.error_message else ""
    return with_reason % {"reason": reason} if reason else str(without_reason)


class LecturePageForm(WagtailAdminPageForm):
    """Publishing is refused while the lecture's deck or video has failed: members would meet
    a required lesson they can never complete, and the course's handouts would leave it out.
    A draft may still be saved, to be fixed later; a file still converting is fine, as it is
    ready soon."""

    def is_publishing(self) -> bool:
        if any(self.data.get(name) for name in PUBLISHING_ACTIONS):
            return True
        # A reviewer approving in the editor moves the page on towards publication.
        return bool(self.data.get("action-workflow-action")) and (
            self.data.get("workflow-action-name") == "approve"
        )

    def clean(self):
        cleaned = super().clean()
        if not self.is_publishing():
            return cleaned
        for name, with_reason, without_reason in (
            (
                "deck",
                _(
                    "This slide deck could not be converted, so the lecture cannot be "
                    "published with it. %(reason)s Or choose another deck; you can save "
                    "a draft meanwhile."
                ),
                _(
                    "This slide deck could not be converted, so the lecture cannot be "
                    "published with it. Upload it again or choose another deck; you can "
                    "save a draft meanwhile."
                ),
            ),
            (
                "video",
                _(
                    "This video could not be processed, so the lecture cannot be "
                    "published with it. %(reason)s Or choose another video; you can save "
                    "a draft meanwhile."
                ),
                _(
                    "This video could not be processed, so the lecture cannot be "
                    "published with it. Upload it again or choose another video; you can "
                    "save a draft meanwhile."
                ),
            ),
        ):
            file = cleaned.get(name)
            # A deck whose new file failed still shows its last good slides: no reason to stop.
            shown = getattr(file, "is_converted", False)
            if file is not None and file.status == file.Status.FAILED and not shown:
                self.add_error(name, failed_file_error(file, with_reason, without_reason))
        return cleaned
