"""The page tree's rules, course outlines, lesson navigation and trainers' rights."""

import pytest
from wagtail.models import Page

from courses.models import (
    ArticlePage,
    CourseIndexPage,
    CoursePage,
    CourseSectionPage,
    LecturePage,
    LibraryPage,
)
from courses.roles import course_group_name
from insights.models import CourseFeedbackPage

SLIDES_LECTURE = "Digital office basics · 信息化办公基础"
VIDEO_LECTURE = "Digital office basics, the video · 视频讲座"

PAGE_RULES = [
    # page type, allowed parents, allowed children
    (CourseIndexPage, {Page}, {CoursePage, LibraryPage}),
    (LibraryPage, {CourseIndexPage}, {ArticlePage}),
    (
        CoursePage,
        {CourseIndexPage},
        {CourseSectionPage, LecturePage, ArticlePage, CourseFeedbackPage},
    ),
    (CourseSectionPage, {CoursePage}, {LecturePage, ArticlePage}),
    (LecturePage, {CoursePage, CourseSectionPage}, set()),
    (ArticlePage, {CoursePage, CourseSectionPage, LibraryPage}, set()),
]


@pytest.mark.parametrize(("model", "parents", "children"), PAGE_RULES)
def test_page_type_rules(model, parents, children):
    assert set(model.allowed_parent_page_models()) == parents
    assert set(model.allowed_subpage_models()) == children


def test_a_lecture_cannot_be_added_under_the_catalogue(demo):
    assert not LecturePage.can_create_at(demo["catalogue"])
    assert CoursePage.can_create_at(demo["catalogue"])


def test_course_outline_groups_lessons_by_section_in_tree_order(demo):
    course = demo["course"]
    outline = [
        (section.title if section else None, [lesson.title for lesson in lessons])
        for section, lessons in course.get_outline()
    ]
    assert outline == [
        (
            "Part 1 · Basics 基础",
            ["什么是电子政务", "Welcome lecture", SLIDES_LECTURE, VIDEO_LECTURE],
        ),
        ("Part 2 · Practice 实践", ["Records management in a small office"]),
    ]
    assert [lesson.title for lesson in course.get_lessons()] == [
        "什么是电子政务",
        "Welcome lecture",
        SLIDES_LECTURE,
        VIDEO_LECTURE,
        "Records management in a small office",
    ]


def test_lessons_outside_sections_come_first_and_drafts_are_left_out(demo):
    course = demo["course"]
    loose = LecturePage(title="Orientation", slug="orientation")
    course.add_child(instance=loose)
    loose.save_revision().publish()
    draft = ArticlePage(title="Unfinished", slug="unfinished", live=False)
    course.add_child(instance=draft)
    outline = course.get_outline()
    assert outline[0][0] is None
    assert [lesson.title for lesson in outline[0][1]] == ["Orientation"]
    assert "Unfinished" not in [lesson.title for lesson in course.get_lessons()]


def test_lessons_of_an_unpublished_section_are_left_out_of_the_outline(demo):
    course = demo["course"]
    section = CourseSectionPage(title="Part 3 · Later", slug="later")
    course.add_child(instance=section)
    lesson = ArticlePage(title="Not yet", slug="not-yet")
    section.add_child(instance=lesson)
    section.unpublish()
    titles = [lesson.title for _section, lessons in course.get_outline() for lesson in lessons]
    assert "Not yet" not in titles
    assert "Part 3 · Later" not in [section.title for section, _ in course.get_outline() if section]


def test_lesson_neighbours_cross_sections(demo):
    first, second, _third, fourth, last = demo["course"].get_lessons()
    assert first.get_neighbours() == (None, second)
    assert fourth.get_neighbours() == (_third, last)  # across the section boundary
    assert last.get_neighbours() == (fourth, None)
    assert last.course.pk == demo["course"].pk


def test_article_reading_time_counts_chinese_characters(demo):
    article = ArticlePage.objects.get(slug="what-is-e-government")
    assert article.reading_time == 1
    article.body = [
        (
            "paragraph",
            __import__("wagtail.rich_text", fromlist=["RichText"]).RichText(
                "<p>" + "字" * 1500 + "</p>"
            ),
        )
    ]
    del article.reading_time
    assert article.reading_time == 6


def test_trainers_may_edit_only_the_courses_they_train(demo):
    trainer = demo["users"]["trainer"]
    course = demo["course"]
    other = CoursePage(title="Not theirs", slug="not-theirs", summary="x")
    demo["catalogue"].add_child(instance=other)
    other.save_revision().publish()

    lesson = ArticlePage.objects.get(slug="what-is-e-government")
    assert course.permissions_for_user(trainer).can_edit()
    assert lesson.permissions_for_user(trainer).can_publish()
    assert not other.permissions_for_user(trainer).can_edit()
    assert not demo["catalogue"].permissions_for_user(trainer).can_edit()
    assert trainer.groups.filter(name=course_group_name(course)).exists()


def test_removing_a_trainer_takes_their_rights_away(demo):
    trainer = demo["users"]["trainer"]
    course = demo["course"]
    course.trainers.clear()
    course.save_revision().publish()
    course.refresh_from_db()
    assert not course.permissions_for_user(trainer).can_edit()


def test_roles_exist_with_admin_access_for_trainers_and_admins(db):
    from django.contrib.auth.models import Group

    names = set(Group.objects.values_list("name", flat=True))
    assert {"Members", "Trainers", "Admins"} <= names
    assert Group.objects.get(name="Trainers").permissions.filter(codename="access_admin").exists()
    assert not Group.objects.get(name="Members").permissions.exists()
    admins = Group.objects.get(name="Admins")
    assert admins.permissions.filter(codename="add_user").exists()
    assert admins.page_permissions.filter(
        page__depth=1, permission__codename="publish_page"
    ).exists()
