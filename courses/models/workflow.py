"""Peer review: a Wagtail workflow task with three answers — approve, request changes, reject.

Wagtail's own group approval task offers "approve" and "reject", and its "reject" already means
"changes requested": the page waits for its author, who edits and resubmits to the same step.
Reviewers here also need a plain "no" (off-topic, duplicate, not ours to publish) that closes
the submission instead of leaving it open for changes, so this task adds it. The task state
remembers which of the two a rejection was, for the author's email and the page history.

Docs: https://docs.wagtail.org/en/stable/extending/custom_tasks.html
"""

from django import forms
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import log
from wagtail.models import AbstractGroupApprovalTask, TaskState


class ReviewCommentForm(forms.Form):
    """The reviewer's reason: an author sent back or turned down deserves to know why."""

    comment = forms.CharField(
        label=_("Comment"),
        widget=forms.Textarea({"rows": 3}),
        help_text=_("What the author should know; it is emailed to them and kept in the history."),
    )


class PeerReviewTaskState(TaskState):
    """A peer review of one revision, remembering how a rejection was meant."""

    class Outcome(models.TextChoices):
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")
        REJECTED = "rejected", _("Rejected")

    outcome = models.CharField(
        _("outcome"), max_length=20, blank=True, choices=Outcome.choices, default=""
    )

    class Meta:
        verbose_name = _("peer review task state")
        verbose_name_plural = _("peer review task states")

    def log_state_change_action(self, user, action):
        if self.outcome != self.Outcome.REJECTED:
            # Approvals and requests for changes read well as Wagtail logs them ("Rejected at
            # 'Peer review'. Changes requested").
            return super().log_state_change_action(user, action)
        log(
            instance=self.revision.as_object(),
            action="courses.peer_review.reject",
            user=user,
            data={
                "workflow": {
                    "id": self.workflow_state.workflow_id,
                    "title": self.workflow_state.workflow.name,
                    "status": self.status,
                    "task_state_id": self.pk,
                    "task": {"id": self.task_id, "title": self.task.name},
                    "next": None,
                },
                "comment": self.get_comment(),
            },
            revision=self.revision,
        )


class PeerReviewTask(AbstractGroupApprovalTask):
    """Members of the chosen groups approve a submitted page (it is then published), send it
    back for changes (the author edits and resubmits), or reject it (the review ends; the
    page stays a draft)."""

    task_state_class = PeerReviewTaskState

    class Meta:
        verbose_name = _("peer review task")
        verbose_name_plural = _("peer review tasks")

    @classmethod
    def get_description(cls):
        return _("Members of the chosen groups approve, request changes with a comment, or reject")

    def get_actions(self, obj, user):
        if user.is_superuser or self._user_in_groups(user):
            return [
                ("request_changes", _("Request changes"), True),
                ("reject", _("Reject"), True),
                ("approve", _("Approve"), False),
                ("approve", _("Approve with comment"), True),
            ]
        return []

    def get_form_for_action(self, action):
        if action in ("request_changes", "reject"):
            return ReviewCommentForm
        return super().get_form_for_action(action)

    def locked_for_user(self, obj, user):
        # Wagtail locks a page under review against everyone but its reviewers; the course's
        # trainers and admins, who may publish it anyway, keep editing it.
        if super().locked_for_user(obj, user) is False:
            return False
        return not obj.permissions_for_user(user).can_publish()

    @transaction.atomic
    def on_action(self, task_state, user, action_name, **kwargs):
        task_state = task_state.specific
        if action_name == "request_changes":
            task_state.outcome = PeerReviewTaskState.Outcome.CHANGES_REQUESTED
            task_state.reject(user=user, **kwargs)
        elif action_name == "reject":
            task_state.outcome = PeerReviewTaskState.Outcome.REJECTED
            # The author hears of it through Wagtail's rejection email (worded for a rejection,
            # see templates/wagtailadmin/notifications/); then the review is closed.
            task_state.reject(user=user, **kwargs)
            task_state.workflow_state.cancel(user=user)
        else:
            super().on_action(task_state, user, action_name, **kwargs)
