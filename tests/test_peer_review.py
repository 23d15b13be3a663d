"""Contributors draft, Reviewers decide: the "Peer review" workflow through the admin's own
views, as people use it, with the emails each step sends and the history it leaves."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import mail
from django.core.management import call_command
from django.test import Client
from wagtail.models import PageLogEntry, Workflow, WorkflowState
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield
from wagtail.users.models import UserProfile

from courses.models import ArticlePage, CourseIndexPage, CourseSectionPage, PeerReviewTask
from courses.peer_review import WORKFLOW_NAME
from courses.roles import CONTRIBUTORS, REVIEWERS, add_member, grant_contributor

pytestmark = pytest.mark.django_db


def make_user(username, *groups, language=""):
    user = get_user_model().objects.create_user(
        username, f"{username}@example.com", "pw", first_name=username.title()
    )
    add_member(user)
    for name in groups:
        user.groups.add(Group.objects.get(name=name))
    if language:
        profile = UserProfile.get_for_user(user)
        profile.preferred_language = language
        profile.save()
    return user


@pytest.fixture
def basics(demo):
    return CourseSectionPage.objects.get(slug="basics")


@pytest.fixture
def practice(demo):
    return CourseSectionPage.objects.get(slug="practice")


@pytest.fixture
def contributor(basics):
    """The branch's information officer: may draft in Part 1 of the digital office course."""
    user = make_user("officer")
    grant_contributor(user, basics)
    return user


@pytest.fixture
def reviewer(demo):
    return make_user("reviewer", REVIEWERS)


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def article_form(title, text, action="action-submit"):
    data = nested_form_data(
        {
            "title": title,
            "slug": "",
            "kind": "guide",
            "summary": "",
            "tags": "",
            "body": streamfield([("paragraph", rich_text(f"<p>{text}</p>"))]),
            "comments": inline_formset([]),
        }
    )
    data["slug"] = "scanning-guide"
    if action:
        data[action] = "1"
    return data


def review(client, page, action, comment=""):
    task_state = page.current_workflow_task_state
    return client.post(
        f"/admin/pages/workflow/action/{page.pk}/{action}/{task_state.pk}/",
        {"comment": comment} if comment else {},
    )


def emails_to(user):
    return [message for message in mail.outbox if user.email in message.to]


def test_the_workflow_exists_on_the_catalogue_and_admins_can_edit_it(demo, admin_client_demo):
    workflow = Workflow.objects.get(name=WORKFLOW_NAME)
    [task] = workflow.tasks.specific()
    assert isinstance(task, PeerReviewTask)
    assert list(task.groups.values_list("name", flat=True)) == [REVIEWERS]
    catalogue = CourseIndexPage.objects.get()
    assert catalogue.get_workflow() == workflow
    assert demo["course"].get_workflow() == workflow
    assert ArticlePage.objects.get(slug="records-management").get_workflow() == workflow
    assert admin_client_demo.get(f"/admin/workflows/edit/{workflow.pk}/").status_code == 200
    assert admin_client_demo.get(f"/admin/workflows/tasks/edit/{task.pk}/").status_code == 200
    assert set(Group.objects.values_list("name", flat=True)) >= {CONTRIBUTORS, REVIEWERS}


def test_submit_request_changes_edit_resubmit_approve_publish(basics, contributor, reviewer):
    author, judge = login(contributor), login(reviewer)

    # The officer drafts an article in their section and submits it.
    answer = author.post(
        f"/admin/pages/add/courses/articlepage/{basics.pk}/",
        article_form("Scanning guide", "Scan at 300 dpi."),
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    page = ArticlePage.objects.get(slug="scanning-guide")
    assert not page.live
    assert page.workflow_in_progress
    [to_reviewer] = emails_to(reviewer)
    assert "Scanning guide" in to_reviewer.subject
    assert f"/admin/pages/{page.pk}/edit/" in to_reviewer.body
    assert emails_to(contributor) == []

    # The reviewer opens it and asks for changes, with a comment.
    assert judge.get(f"/admin/pages/{page.pk}/edit/").status_code == 200
    mail.outbox.clear()
    assert review(judge, page, "request_changes", "Say which scanner.").status_code == 302
    page.refresh_from_db()
    state = page.current_workflow_state
    assert state.status == WorkflowState.STATUS_NEEDS_CHANGES
    assert not page.live
    [to_author] = emails_to(contributor)
    assert "Changes requested" in to_author.subject and "Scanning guide" in to_author.subject
    assert "Say which scanner." in to_author.body
    assert "Reviewer asked for changes" in to_author.body
    assert f"/admin/pages/{page.pk}/edit/" in to_author.body

    # The officer edits and submits again: the review resumes, the reviewers hear of it.
    mail.outbox.clear()
    answer = author.post(
        f"/admin/pages/{page.pk}/edit/",
        article_form("Scanning guide", "Scan at 300 dpi on the office Canon scanner."),
    )
    assert answer.status_code == 302
    page.refresh_from_db()
    assert page.current_workflow_state.status == WorkflowState.STATUS_IN_PROGRESS
    assert len(emails_to(reviewer)) == 1
    assert not page.live

    # The reviewer approves: the page is published, the author is told.
    mail.outbox.clear()
    assert review(judge, page, "approve").status_code == 302
    page.refresh_from_db()
    assert page.live
    assert "Canon scanner" in page.body_text()
    [approved] = emails_to(contributor)
    assert "approved" in approved.subject
    assert page.full_url in approved.body

    # The page history keeps who did what, in order.
    history = [
        (entry.action, entry.user_id)
        for entry in PageLogEntry.objects.filter(page=page).order_by("timestamp", "pk")
    ]
    assert ("wagtail.workflow.start", contributor.pk) in history
    assert ("wagtail.workflow.reject", reviewer.pk) in history
    assert ("wagtail.workflow.resume", contributor.pk) in history
    assert ("wagtail.workflow.approve", reviewer.pk) in history
    assert ("wagtail.publish", reviewer.pk) in history
    actions = [action for action, _user in history]
    assert actions.index("wagtail.workflow.start") < actions.index("wagtail.workflow.reject")
    assert actions.index("wagtail.workflow.reject") < actions.index("wagtail.workflow.resume")
    assert actions.index("wagtail.workflow.resume") < actions.index("wagtail.publish")
    reject = PageLogEntry.objects.get(page=page, action="wagtail.workflow.reject")
    assert reject.data["comment"] == "Say which scanner."
    # The admin's history page shows it.
    admin = login(get_user_model().objects.get(username="admin"))
    history_page = admin.get(f"/admin/pages/{page.pk}/history/").content.decode()
    assert "Say which scanner." in history_page


def test_reject_closes_the_review_and_tells_the_author(basics, contributor, reviewer):
    author, judge = login(contributor), login(reviewer)
    author.post(
        f"/admin/pages/add/courses/articlepage/{basics.pk}/",
        article_form("Scanning guide", "Buy a new scanner."),
    )
    page = ArticlePage.objects.get(slug="scanning-guide")
    mail.outbox.clear()

    # The editor offers the reviewer the three answers; the modal asks for a comment.
    editor = judge.get(f"/admin/pages/{page.pk}/edit/").content.decode()
    for label in ("Request changes", "Reject", "Approve"):
        assert label in editor
    task_state = page.current_workflow_task_state
    modal = judge.get(f"/admin/pages/workflow/action/{page.pk}/reject/{task_state.pk}/")
    assert modal.status_code == 200 and 'name=\\"comment\\"' in modal.content.decode()

    # A comment is required: without one nothing happens.
    review(judge, page, "reject")
    assert page.current_workflow_state.status == WorkflowState.STATUS_IN_PROGRESS

    review(judge, page, "reject", "We do not recommend products.")
    page.refresh_from_db()
    assert page.current_workflow_state is None  # the review is over (cancelled)
    assert WorkflowState.objects.get(object_id=str(page.pk)).status == "cancelled"
    assert not page.live
    [to_author] = emails_to(contributor)
    assert to_author.subject.startswith("Rejected")
    assert "We do not recommend products." in to_author.body
    assert "review is closed" in to_author.body
    entry = PageLogEntry.objects.get(page=page, action="courses.peer_review.reject")
    assert entry.user == reviewer and entry.data["comment"] == "We do not recommend products."
    assert entry.message == "Rejected at 'Peer review'. The review is closed"

    # The draft is still theirs: they may submit it again, starting a new review.
    author.post(f"/admin/pages/{page.pk}/edit/", article_form("Scanning guide", "Scan well."))
    page.refresh_from_db()
    assert page.current_workflow_state.status == WorkflowState.STATUS_IN_PROGRESS


def test_a_contributor_cannot_publish(basics, contributor):
    author = login(contributor)
    author.post(
        f"/admin/pages/add/courses/articlepage/{basics.pk}/",
        article_form("Scanning guide", "Scan.", action="action-publish"),
    )
    page = ArticlePage.objects.get(slug="scanning-guide")
    assert not page.live  # saved as a draft: the publish button is not theirs
    perms = page.permissions_for_user(contributor)
    assert perms.can_edit() and not perms.can_publish()
    assert not basics.permissions_for_user(contributor).can_publish_subpage()
    # Not even an existing page of their section.
    existing = ArticlePage.objects.get(slug="what-is-e-government")
    assert not existing.permissions_for_user(contributor).can_publish()
    assert not existing.permissions_for_user(contributor).can_unpublish()
    author.post(f"/admin/pages/{existing.pk}/unpublish/", {})
    existing.refresh_from_db()
    assert existing.live


def test_reviewers_hold_no_page_rights_of_their_own(reviewer):
    # They publish by approving a submission (courses.workflow_publish), nothing else.
    page = ArticlePage.objects.get(slug="what-is-e-government")
    perms = page.permissions_for_user(reviewer)
    assert not (perms.can_edit() or perms.can_publish() or perms.can_unpublish())


def test_a_contributor_cannot_touch_other_sections(practice, contributor, demo):
    author = login(contributor)
    other = ArticlePage.objects.get(slug="records-management")
    assert not other.permissions_for_user(contributor).can_edit()
    answer = author.get(f"/admin/pages/{other.pk}/edit/")
    assert answer.status_code in (302, 403)
    answer = author.post(f"/admin/pages/{other.pk}/edit/", article_form("Hacked", "x"))
    other.refresh_from_db()
    assert other.title == "Records management in a small office"
    assert other.get_latest_revision().as_object().title != "Hacked"
    author.post(
        f"/admin/pages/add/courses/articlepage/{practice.pk}/", article_form("Elsewhere", "x")
    )
    assert not ArticlePage.objects.filter(slug="scanning-guide").exists()
    # Nor the other course, nor the course page above their section.
    assert not demo["safety_course"].permissions_for_user(contributor).can_edit()
    assert not demo["course"].permissions_for_user(contributor).can_edit()


def test_a_page_under_review_is_locked_for_its_author_but_not_for_trainers(
    basics, contributor, demo
):
    author = login(contributor)
    author.post(
        f"/admin/pages/add/courses/articlepage/{basics.pk}/", article_form("Scanning guide", "x")
    )
    page = ArticlePage.objects.get(slug="scanning-guide")
    task = page.current_workflow_task
    assert task.locked_for_user(page, contributor)
    assert not task.locked_for_user(page, demo["users"]["trainer"])
    assert not task.locked_for_user(page, demo["users"]["admin"])


def test_emails_go_out_in_each_recipients_language(basics):
    contributor = make_user("xiaowang", language="zh-hans")
    grant_contributor(contributor, basics)
    reviewer = make_user("laozhang", REVIEWERS, language="zh-hans")
    # Wagtail falls back to the language of the request that sent the email for people who
    # chose none; this reviewer chose English.
    english_reviewer = make_user("reviewer", REVIEWERS, language="en")
    author, judge = login(contributor), login(reviewer)
    author.post(
        f"/admin/pages/add/courses/articlepage/{basics.pk}/",
        article_form("扫描指南", "用 300 dpi 扫描。"),
    )
    page = ArticlePage.objects.get(slug="scanning-guide")
    [chinese] = emails_to(reviewer)
    [english] = emails_to(english_reviewer)
    assert "扫描指南" in chinese.subject and "审核" in chinese.subject  # Wagtail's own catalogue
    assert "submitted for approval" in english.subject
    mail.outbox.clear()
    review(judge, page, "request_changes", "请写明扫描仪型号。")
    [to_author] = emails_to(contributor)
    assert "需要修改" in to_author.subject and "扫描指南" in to_author.subject
    assert "请写明扫描仪型号。" in to_author.body
    assert "修改页面" in to_author.body


def test_grant_contributor_command(basics, capsys):
    user = make_user("officer")
    call_command("grant_contributor", "officer@example.com", str(basics.pk))
    assert "officer may draft pages under" in capsys.readouterr().out
    assert user.groups.filter(name=f"Contributors of page {basics.pk}").exists()
    assert user.groups.filter(name=CONTRIBUTORS).exists()
    assert (
        ArticlePage.objects.get(slug="what-is-e-government").permissions_for_user(user).can_edit()
    )
    call_command("grant_contributor", "officer", str(basics.pk), "--revoke")
    user = get_user_model().objects.get(pk=user.pk)
    assert not user.groups.filter(name__startswith="Contributors").exists()
    with pytest.raises(Exception, match="No user"):
        call_command("grant_contributor", "nobody", str(basics.pk))
