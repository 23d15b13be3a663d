"""Who may see what: one place for every decision about lesson content and its files.

The rule (one check, ``can_view_lesson``): a lesson of a course opens for the course's
enrolled members, its trainers and admins; in a course taken in order, for members only once
the required lessons before it are complete. A lesson marked "free preview", and a lesson
outside any course (a library article), opens for everyone who can see the page. Slide images, videos,
captions and PDFs follow the lessons that show them, and so do Wagtail documents put in a
lesson. People who manage decks, videos and documents in the admin see their files there.
"""

import re

from wagtail.models import Page

from .models import ArticlePage, CoursePage, Enrolment, LecturePage, LectureVideo, SlideDeck
from .models.slides import can_see_hidden_slides
from .page_memory import own_copy, remembered
from .roles import ADMINS

SLIDE_FILE = re.compile(r"^[0-9a-f]{16}/slides/(\d{4})-")


def is_site_admin(user) -> bool:
    """Superusers and the Admins role: every course, every lesson."""
    if not (user and user.is_authenticated):
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_elearn_is_admin", None)
    if cached is None:
        cached = remembered(("admin", user.pk), lambda: user.groups.filter(name=ADMINS).exists())
        user._elearn_is_admin = cached
    return cached


def is_course_staff(user, course) -> bool:
    """The course's trainers and admins: they open every lesson, in any order."""
    if not (user and user.is_authenticated):
        return False
    if is_site_admin(user):
        return True
    cache = user.__dict__.setdefault("_elearn_course_staff", {})
    if course.pk not in cache:
        trainers = remembered(
            ("trainers", course.pk), lambda: frozenset(course.trainers.values_list("pk", flat=True))
        )
        cache[course.pk] = user.pk in trainers
    return cache[course.pk]


def can_access_course(user, course) -> bool:
    """Enrolled members (an active enrolment), the course's trainers, and admins."""
    if not (user and user.is_authenticated):
        return False
    cache = user.__dict__.setdefault("_elearn_course_access", {})
    if course.pk not in cache:
        # Members are the many, asking on every lesson page and progress report: their
        # enrolment first (one query), the admin and trainer checks (two more) only without.
        enrolled = Enrolment.objects.active().filter(user=user, course_id=course.pk).exists()
        if enrolled:  # what the progress API may remember (courses/lesson_rules.py)
            user.__dict__.setdefault("_elearn_enrolled", set()).add(course.pk)
        cache[course.pk] = enrolled or is_course_staff(user, course)
    return cache[course.pk]


def prime_course_access(user, course_ids) -> None:
    """Answer ``is_course_staff`` and ``can_access_course`` for many courses in two queries,
    not one or two per course (My learning, a page of search results)."""
    if not (user and user.is_authenticated) or is_site_admin(user):
        return  # answered without queries
    staff = user.__dict__.setdefault("_elearn_course_staff", {})
    access = user.__dict__.setdefault("_elearn_course_access", {})
    unknown = set(course_ids) - access.keys()
    if not unknown:
        return
    trained = set(user.trained_courses.filter(pk__in=unknown).values_list("pk", flat=True))
    enrolled = set(
        Enrolment.objects.active()
        .filter(user=user, course_id__in=unknown)
        .values_list("course_id", flat=True)
    )
    for pk in unknown:
        staff[pk] = pk in trained
        access[pk] = pk in trained or pk in enrolled


def waiting_for(user, lesson):
    """In a course taken in order, the required lesson the member must complete before this
    one opens; None when nothing holds it back (free previews, trainers, admins)."""
    from .progress import first_unfinished_before

    course = lesson.course
    if course is None or not course.sequential or lesson.preview:
        return None
    if not (user and user.is_authenticated) or is_course_staff(user, course):
        return None
    return first_unfinished_before(user, course, lesson)


def can_view_lesson(user, lesson) -> bool:
    """The one check for a lesson page, its slide pages and every file it shows."""
    course = lesson.course
    if course is None or lesson.preview:
        return True
    return can_access_course(user, course) and waiting_for(user, lesson) is None


def prime_lesson_access(user, pages) -> None:
    """Prepare ``can_view_lesson`` for many pages at once (a page of search results): the
    lessons' courses in one query and the user's access to them in two, instead of up to
    four queries per lesson. The check itself is unchanged; a course taken in order still
    looks up the member's completed lessons, once per course."""
    lessons = [page for page in pages if isinstance(page, LecturePage | ArticlePage)]
    if not lessons:
        return
    step = Page.steplen
    ancestors = {
        lesson.pk: [lesson.path[:end] for end in range(step, len(lesson.path), step)]
        for lesson in lessons
    }
    courses = {
        course.path: course
        for course in CoursePage.objects.filter(
            path__in={path for paths in ancestors.values() for path in paths}
        )
    }
    for lesson in lessons:
        # Sets the cached ``course`` property, as ``CoursePage.objects.ancestor_of`` would;
        # lessons of one course share its object, so what is cached on it is fetched once.
        lesson.course = next((courses[p] for p in ancestors[lesson.pk] if p in courses), None)
    prime_course_access(user, [course.pk for course in courses.values()])


def _lectures_showing(user, **lookup) -> list[LecturePage]:
    """The live, public lectures showing the deck or video in ``lookup`` that ``user`` may
    open. The lectures are kept per process while a request may use the page memory (a
    lesson's files: every slide image and video range asks); each request checks its own
    copies, which keep what it finds (the course, the member's progress) to themselves."""
    key = ("lectures showing", *sorted((name, value.pk) for name, value in lookup.items()))
    lectures = remembered(key, lambda: list(LecturePage.objects.live().public().filter(**lookup)))
    return [lecture for lecture in map(own_copy, lectures) if can_view_lesson(user, lecture)]


def can_view_deck(user, deck: SlideDeck, name: str = "") -> bool:
    """May ``user`` see this deck's derived file ``name``?

    Those who manage decks in the admin see every deck. Others see the files of decks shown
    on a live lecture they may open; a hidden slide's images only where that lecture shows
    hidden slides (or to trainers and admins).
    """
    if user and user.has_perm("courses.change_slidedeck"):
        return True
    lectures = _lectures_showing(user, deck=deck)
    if not lectures:
        return False
    match = SLIDE_FILE.match(name)
    if match and int(match.group(1)) in remembered(
        ("hidden slides", deck.pk),
        lambda: frozenset(deck.slides.filter(hidden=True).values_list("number", flat=True)),
    ):
        return can_see_hidden_slides(user) or any(
            lecture.show_hidden_slides for lecture in lectures
        )
    return True


def can_view_video(user, video: LectureVideo) -> bool:
    """May ``user`` watch this video? Those who manage videos in the admin always; others
    when it is shown on a live lecture they may open."""
    if user and user.has_perm("courses.change_lecturevideo"):
        return True
    return bool(_lectures_showing(user, video=video))


def can_view_document(user, document) -> bool:
    """May ``user`` download this Wagtail document?

    Wagtail serves a document to anyone who has its URL; elearn asks the pages that use it
    (Wagtail's reference index). A document in a lesson opens for those who may open that
    lesson; one on any other live, public page (a course description, a library policy) for
    everyone. Those who choose or manage documents in the admin (trainers, admins) see every
    one. A document no live page uses yet is theirs alone. The reference index is updated by
    a background task: a document just added to a page opens once the worker has run.
    """
    from django.contrib.contenttypes.models import ContentType
    from wagtail.documents import get_document_model
    from wagtail.models import ReferenceIndex
    from wagtail.permissions import policy_registry

    documents = policy_registry.get_by_type(get_document_model())
    if (
        user
        and user.is_authenticated
        and documents.user_has_any_permission(user, ["change", "choose"])
    ):
        return True
    # object_id is text (it holds any model's key): compare as numbers, on every database.
    page_ids = {
        int(pk)
        for pk in ReferenceIndex.get_references_to(document)
        .filter(base_content_type=ContentType.objects.get_for_model(Page))
        .values_list("object_id", flat=True)
        if pk.isdigit()
    }
    pages = Page.objects.live().public().filter(pk__in=page_ids).specific()
    return any(
        not isinstance(page, LecturePage | ArticlePage) or can_view_lesson(user, page)
        for page in pages
    )
