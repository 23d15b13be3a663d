"""The "Peer review" workflow: what Contributors submit goes to the Reviewers.

Created by a data migration (``0014_peer_review_workflow``) and by ``load_demo`` (tests empty
the tables between some runs); after that it is an ordinary Wagtail workflow that admins edit
under Settings → Workflows (its name, its groups, the pages it covers).

It covers the course catalogue (each one there is when it is created, and each catalogue made
later), so every course, section, lesson and library article below it goes through it when
someone without publishing rights submits. People who may publish
(trainers in their courses, admins) still publish directly. Emails at each step are Wagtail's
own workflow notifications, in each recipient's chosen language:

- submitted and resubmitted: the task's groups (Reviewers) and superusers;
- approved: the author (the page is published);
- changes requested or rejected: the author, with the reviewer's comment.
"""

from django.apps import apps as global_apps
from wagtail.admin.mail import GroupApprovalTaskStateSubmissionEmailNotifier

from .roles import ensure_contributor_roles

WORKFLOW_NAME = "Peer review"
TASK_NAME = "Peer review"


def ensure_peer_review(apps=global_apps):
    """Create the Contributors and Reviewers groups and the workflow if missing (a new
    workflow covers the catalogues there are); safe to run again. Returns the workflow.

    Takes an app registry so the data migration can use its historical models; historical
    models lack Wagtail's ``Task.__init__``, hence the content type set by hand.
    """
    _contributors, reviewers = ensure_contributor_roles(apps)
    ContentType = apps.get_model("contenttypes", "ContentType")
    Page = apps.get_model("wagtailcore", "Page")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowTask = apps.get_model("wagtailcore", "WorkflowTask")
    WorkflowPage = apps.get_model("wagtailcore", "WorkflowPage")
    PeerReviewTask = apps.get_model("courses", "PeerReviewTask")

    task = PeerReviewTask.objects.filter(name=TASK_NAME).first()
    if task is None:
        content_type, _ = ContentType.objects.get_or_create(
            app_label="courses", model="peerreviewtask"
        )
        task = PeerReviewTask.objects.create(name=TASK_NAME, content_type=content_type)
        task.groups.add(reviewers)
    workflow = Workflow.objects.filter(name=WORKFLOW_NAME).first()
    if workflow is None:
        workflow = Workflow.objects.create(name=WORKFLOW_NAME, active=True)
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
        # Only when it is new: after that, which pages it covers is the admins' choice.
        catalogue_type = ContentType.objects.filter(
            app_label="courses", model="courseindexpage"
        ).first()
        for page in Page.objects.filter(content_type=catalogue_type):
            assign(workflow, page, WorkflowPage)
    return workflow


def assign(workflow, page, workflow_page_model=None) -> bool:
    """Put ``page`` and its subtree under ``workflow`` unless the page has a workflow of its
    own already (an admin's choice wins); True if it was assigned."""
    if workflow_page_model is None:
        from wagtail.models import WorkflowPage as workflow_page_model
    if workflow_page_model.objects.filter(page_id=page.pk).exists():
        return False
    workflow_page_model.objects.create(workflow=workflow, page_id=page.pk)
    return True


def catalogue_created(page) -> None:
    """A new catalogue goes under peer review, as the ones there when the workflow was made.

    Without this a catalogue made after the migration (on a fresh site, by ``load_demo`` or an
    admin) would fall back to Wagtail's default "Moderators approval" on the root page, whose
    Moderators group nobody here is in.
    """
    from wagtail.models import Workflow

    workflow = Workflow.objects.filter(name=WORKFLOW_NAME, active=True).first()
    if workflow is not None:
        assign(workflow, page)


class ReviewersEmailNotifier(GroupApprovalTaskStateSubmissionEmailNotifier):
    """Wagtail's "submitted for approval" email to a group approval task's reviewers, for the
    peer review's task state.

    Wagtail connects its notifier for its own TaskState class only and names the email
    templates after the task state's class, so a subclass needs both said again. (Wagtail's
    mail sending swallows a missing template without a word: the tests check the emails.)
    """

    def get_template_base_prefix(self, instance, **kwargs):
        return "task_state_"


reviewers_email_notifier = ReviewersEmailNotifier()
