"""The course feedback survey: a Wagtail form at the end of a course, answered once by each
member, read by the course's trainers under Forms with a CSV download."""

import csv
import io

import pytest
from django.test import Client

from courses.models import CoursePage
from insights.models import CourseFeedbackPage, FeedbackFormField, FeedbackSubmission

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey(demo):
    course = demo["course"]
    page = CourseFeedbackPage(
        title="Course feedback", slug="feedback", thank_you_text="<p>Thanks a lot!</p>"
    )
    course.add_child(instance=page)
    FeedbackFormField.objects.create(
        page=page,
        label="How useful was it?",
        field_type="radio",
        choices="Very\nSomewhat\nNot",
        required=True,
    )
    FeedbackFormField.objects.create(page=page, label="Anything to add?", field_type="multiline")
    page.save_revision().publish()
    return page


def test_the_survey_is_a_course_child_once(demo):
    assert CourseFeedbackPage in CoursePage.allowed_subpage_models()
    assert CourseFeedbackPage.max_count_per_parent == 1
    assert CourseFeedbackPage.allowed_parent_page_models() == [CoursePage]


def test_members_answer_once(survey, demo, member_client):
    course_page = member_client.get(demo["course"].url).content.decode()
    assert "What did you think of this course?" in course_page and survey.url in course_page
    form = member_client.get(survey.url)
    assert form.status_code == 200 and "How useful was it?" in form.content.decode()
    answer = {"how_useful_was_it": "Very", "anything_to_add": "More exercises, please."}
    thanks = member_client.post(survey.url, answer)
    assert "Thanks a lot!" in thanks.content.decode()
    [submission] = FeedbackSubmission.objects.all()
    assert submission.user == demo["users"]["member"]
    assert submission.form_data["anything_to_add"] == "More exercises, please."
    again = member_client.post(survey.url, {**answer, "anything_to_add": "Twice?"})
    assert "You have answered this survey." in again.content.decode()
    assert FeedbackSubmission.objects.count() == 1


def test_only_the_courses_members_answer(survey, demo):
    assert Client().get(survey.url)["Location"].startswith("/accounts/login/")
    outsider = Client()
    outsider.force_login(demo["users"]["member"])
    demo["course"].enrolments.all().delete()
    response = outsider.get(survey.url)
    assert response.status_code == 403
    assert "Only members of this course can answer its survey." in response.content.decode()
    assert outsider.post(survey.url, {"how_useful_was_it": "Not"}).status_code == 403
    assert not FeedbackSubmission.objects.exists()


def test_trainers_read_the_answers_and_download_them(survey, demo, member_client, trainer_client):
    member_client.post(survey.url, {"how_useful_was_it": "Somewhat", "anything_to_add": "好"})
    listing = trainer_client.get(f"/admin/forms/submissions/{survey.pk}/")
    assert listing.status_code == 200 and "Somewhat" in listing.content.decode()
    response = trainer_client.get(f"/admin/forms/submissions/{survey.pk}/", {"export": "csv"})
    data = b"".join(response.streaming_content)
    assert data.startswith("\ufeff".encode())  # Excel reads the Chinese answers as such
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0]["Member"] == "李明"
    assert rows[0]["How useful was it?"] == "Somewhat" and rows[0]["Anything to add?"] == "好"
