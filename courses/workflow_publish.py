"""What happens when a workflow is approved (Wagtail's ``WAGTAIL_FINISH_WORKFLOW_ACTION``).

A module of its own, importing nothing at the top: Wagtail imports it while its own models are
still loading.
"""


def publish_approved(workflow_state, user=None) -> None:
    """Publish the approved revision, as the approving reviewer.

    Wagtail's default does the same but refuses unless the approver also holds publish rights
    on the page. Here the workflow's approval is the authority: Reviewers need no page rights of
    their own, which would let them publish or unpublish any page directly, outside review.
    """
    workflow_state.content_object.get_latest_revision().publish(
        user=user, skip_permission_checks=True
    )
