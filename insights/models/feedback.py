"""The course feedback survey: a Wagtail form page at the end of a course, answered once by
each member; trainers read the answers under Forms in the admin and download them as CSV.

Docs: https://docs.wagtail.org/en/stable/reference/contrib/forms/customisation.html
"""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.db import IntegrityError, models, transaction
from django.template.response import TemplateResponse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel
from wagtail.contrib.forms.models import AbstractForm, AbstractFormField, AbstractFormSubmission
from wagtail.fields import RichTextField


class FeedbackFormField(AbstractFormField):
    """A question of a feedback survey."""

    page = ParentalKey(
        "insights.CourseFeedbackPage", on_delete=models.CASCADE, related_name="form_fields"
    )


class CourseFeedbackPage(AbstractForm):
    """What members thought of a course, asked at its end (one survey per course)."""

    intro = RichTextField(
        _("introduction"),
        blank=True,
        features=["bold", "italic", "link"],
        help_text=_("Shown above the questions."),
    )
    thank_you_text = RichTextField(
        _("thank-you text"),
        blank=True,
        features=["bold", "italic", "link"],
        help_text=_("Shown once a member has sent their answers."),
    )

    content_panels = AbstractForm.content_panels + [
        FieldPanel("intro"),
        InlinePanel("form_fields", label=_("Questions")),
        FieldPanel("thank_you_text"),
    ]

    parent_page_types = ["courses.CoursePage"]
    subpage_types = []
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("course feedback survey")

    @cached_property
    def course(self):
        from courses.models import CoursePage

        return CoursePage.objects.ancestor_of(self).first()

    def get_submission_class(self):
        return FeedbackSubmission

    def get_submissions_list_view_class(self):
        # Imported here: Wagtail's form views load page models, not ready at import time.
        from ..views.feedback import FeedbackSubmissionsListView

        return FeedbackSubmissionsListView

    def get_data_fields(self):
        # The member's name goes into the admin listing and the CSV export.
        return [("member", _("Member")), *super().get_data_fields()]

    def answered_by(self, user) -> bool:
        return FeedbackSubmission.objects.filter(page=self, user=user).exists()

    def process_form_submission(self, form):
        return FeedbackSubmission.objects.create(
            form_data=form.cleaned_data, page=self, user=form.user
        )

    def serve(self, request, *args, **kwargs):
        # Only the course's members answer, once each: the answers are about this course.
        from courses.permissions import can_access_course

        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if self.course is None or not can_access_course(request.user, self.course):
            context = self.get_context(request)
            context["closed"] = True
            return TemplateResponse(request, self.get_template(request), context, status=403)
        if self.answered_by(request.user):
            return self.render_landing_page(request, None, *args, **kwargs)
        if request.method == "POST":
            form = self.get_form(request.POST, request.FILES, page=self, user=request.user)
            if form.is_valid():
                try:
                    with transaction.atomic():
                        submission = self.process_form_submission(form)
                except IntegrityError:  # the same member sent it twice at once
                    submission = None
                return self.render_landing_page(request, submission, *args, **kwargs)
        else:
            form = self.get_form(page=self, user=request.user)
        context = self.get_context(request)
        context["form"] = form
        return TemplateResponse(request, self.get_template(request), context)


class FeedbackSubmission(AbstractFormSubmission):
    """One member's answers to a course's survey."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("member"),
    )

    class Meta(AbstractFormSubmission.Meta):
        constraints = [
            models.UniqueConstraint(fields=["page", "user"], name="one_feedback_per_member")
        ]

    def get_data(self):
        from courses.names import person_name

        return {**super().get_data(), "member": person_name(self.user) if self.user else ""}
