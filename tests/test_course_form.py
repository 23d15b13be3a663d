"""The course's edit form: trainers are chosen from people with a trainer's or admin's role."""

import pytest
from django.contrib.auth.models import Group, User

from courses.models import CoursePage
from courses.roles import TRAINERS

pytestmark = pytest.mark.django_db


def course_form(course, user, data=None):
    form_class = CoursePage.get_edit_handler().get_form_class()
    return form_class(data, instance=course, for_user=user, parent_page=course.get_parent())


def test_trainers_are_chosen_among_trainers_and_admins_not_every_member(demo):
    course = demo["course"]
    newcomer = User.objects.create_user("newtrainer", first_name="芳", last_name="王")
    Group.objects.get(name=TRAINERS).user_set.add(newcomer)
    field = course_form(course, demo["users"]["admin"]).fields["trainers"]
    labels = [label for _pk, label in field.choices]
    assert "王芳 (newtrainer)" in labels
    assert any("(trainer)" in label for label in labels)
    assert any("(admin)" in label for label in labels)  # a superuser
    assert not any("(member)" in label for label in labels)
    assert len(labels) == len(set(labels))  # once each, whatever their groups
    assert field.widget.input_type == "checkbox"


def test_a_trainer_whose_role_was_taken_away_stays_listed_for_their_course(demo):
    course = demo["course"]
    former = User.objects.create_user("former")
    course.trainers.add(former)
    course.save()  # a ParentalManyToManyField: kept on the page until it is saved
    former.groups.clear()  # publishing added them to Trainers; an admin took it away since
    field = course_form(course, demo["users"]["admin"]).fields["trainers"]
    assert former in field.queryset
    other = course_form(demo["safety_course"], demo["users"]["admin"]).fields["trainers"]
    assert former not in other.queryset


def test_closed_accounts_and_draft_trainers_stay_listed_for_their_course(demo):
    """A box not shown would take them off the course on the next save."""
    course = demo["course"]
    closed = User.objects.create_user("closed", is_active=False)
    course.trainers.add(closed)
    course.save()
    drafted = User.objects.create_user("drafted")
    course.trainers.add(drafted)  # on the page being edited, not saved: a draft's trainer
    queryset = course_form(course, demo["users"]["admin"]).fields["trainers"].queryset
    assert closed in queryset and drafted in queryset
    role_less = User.objects.create_user("inactive-trainer", is_active=False)
    Group.objects.get(name=TRAINERS).user_set.add(role_less)
    assert role_less not in queryset.all()  # an account closed is offered to no new course


def test_the_edit_page_lists_candidates_only(admin_client_demo, demo):
    html = admin_client_demo.get(f"/admin/pages/{demo['course'].pk}/edit/").content.decode()
    assert 'type="checkbox" name="trainers"' in html
    assert "(trainer)" in html
    assert "(member)" not in html
    assert "give someone the role under Settings → Users" in html


def test_an_enrolment_window_that_closes_before_it_opens_is_refused(admin_client_demo, demo):
    from wagtail.test.utils.form_data import nested_form_data, rich_text

    course = demo["course"]
    url = f"/admin/pages/{course.pk}/edit/"

    def save(opens, closes):
        data = nested_form_data(
            {
                "title": course.title,
                "slug": course.slug,
                "summary": course.summary,
                "description": rich_text(course.description),
                "enrolment": course.enrolment,
                "enrolment_opens": opens,
                "enrolment_closes": closes,
                "trainers": [user.pk for user in course.trainers.all()],
                "tags": "",
                "comments": {"TOTAL_FORMS": 0, "INITIAL_FORMS": 0},
            }
        )
        return admin_client_demo.post(url, data)

    refused = save("2026-12-10 09:00", "2026-12-01 17:00")
    assert refused.status_code == 200
    assert "Enrolment must close after it opens." in refused.content.decode()
    course.refresh_from_db()
    assert course.enrolment_opens is None and course.enrolment_closes is None
    kept = save("2026-12-01 09:00", "2026-12-10 17:00")
    assert kept.status_code == 302, kept.content.decode()[:3000]
