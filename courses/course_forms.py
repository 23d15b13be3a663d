"""The course's edit form in the admin: who may be chosen as a trainer."""

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
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
