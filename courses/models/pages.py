"""The page tree: catalogue → course → (section →) lecture / article; a library of articles.

Docs: https://docs.wagtail.org/en/stable/topics/pages.html
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, slug_unicode_re
from django.db import models
from django.db.models import prefetch_related_objects
from django.http import Http404
from django.utils.functional import cached_property
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from ..blocks import BodyBlock
from ..course_forms import CoursePageForm, LecturePageForm
from ..search_text import reading_minutes, segment_for_index
from ..timecodes import format_clock, slide_chapters
from .handouts import LAYOUT_CHOICES

LESSON_TYPES = ["courses.LecturePage", "courses.ArticlePage"]


class CourseTag(TaggedItemBase):
    """Tags on courses (django-taggit through model)."""

    content_object = ParentalKey(
        "courses.CoursePage", on_delete=models.CASCADE, related_name="tagged_items"
    )


class ArticleTag(TaggedItemBase):
    """Tags on articles (django-taggit through model)."""

    content_object = ParentalKey(
        "courses.ArticlePage", on_delete=models.CASCADE, related_name="tagged_items"
    )


class CJKSearchMixin(models.Model):
    """Indexes a bigram copy of a page's CJK text so Chinese queries find it on every backend.

    Subclasses list the texts in ``search_texts``; see ``courses.search_text``. An abstract
    model rather than a plain mixin: Elasticsearch and OpenSearch name an indexed method after
    the model that defines it, which must have ``_meta``.
    """

    class Meta:
        abstract = True

    def search_texts(self) -> list[str]:
        return [self.title, getattr(self, "search_description", ""), self.tag_names()]

    def tag_names(self) -> str:
        """The page's tags as text, so a search for a tag finds what carries it."""
        tags = getattr(self, "tags", None)
        return ", ".join(tag.name for tag in tags.all()) if tags is not None else ""

    def search_cjk(self) -> str:
        return segment_for_index(self.search_texts())

    def search_areas(self) -> list[tuple]:
        """(label, plain text[, url]) of each part of the page a search hit can be shown in;
        a url sends the hit to that exact place (a slide)."""
        return [(_("Title"), self.title)]


class KeptViewRestrictions:
    """Wagtail checks a page's view restrictions (its own and its ancestors') with two queries
    on every view. While a page is served they are kept per process (``courses.page_memory``);
    saving or deleting a restriction, or changing its groups, moves the version on."""

    def get_view_restrictions(self):
        from .. import page_memory

        if not page_memory.is_serving():
            return super().get_view_restrictions()  # a QuerySet: the admin filters and orders it
        return page_memory.remembered(
            ("view restrictions", self.pk),
            lambda: list(
                super(KeptViewRestrictions, self).get_view_restrictions().prefetch_related("groups")
            ),
        )


class CourseIndexPage(KeptViewRestrictions, Page):
    """The home page: the catalogue of published courses, with tag filter and search box."""

    intro = RichTextField(
        _("introduction"),
        blank=True,
        features=["bold", "italic", "link"],
        help_text=_("A few words above the catalogue: who the training is for."),
    )

    content_panels = Page.content_panels + [FieldPanel("intro")]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["courses.CoursePage", "courses.LibraryPage"]

    class Meta:
        verbose_name = _("course catalogue")

    def get_courses(self, tag: str | None = None):
        courses = CoursePage.objects.live().public().descendant_of(self).order_by("path")
        if tag and not slug_unicode_re.match(tag):
            # No tag has this slug, and a NUL byte in it would fail even to compare on PostgreSQL.
            return courses.none()
        if tag:
            courses = courses.filter(tags__slug=tag)
        return courses.select_related("cover_image").prefetch_related("tags")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        tag = request.GET.get("tag") or None
        context["active_tag"] = tag
        context["courses"] = self.get_courses(tag)
        context["course_tags"] = (
            CourseTag.tag_model()
            .objects.filter(courses_coursetag_items__content_object__live=True)
            .distinct()
            .order_by("name")
        )
        context["libraries"] = LibraryPage.objects.live().public().child_of(self)
        return context


class LibraryPage(KeptViewRestrictions, Page):
    """A library of theory articles, policies and regulations outside any course."""

    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])

    content_panels = Page.content_panels + [FieldPanel("intro")]

    parent_page_types = ["courses.CourseIndexPage"]
    subpage_types = ["courses.ArticlePage"]

    class Meta:
        verbose_name = _("article library")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["articles"] = (
            ArticlePage.objects.live().public().child_of(self).order_by("-first_published_at")
        )
        return context


class CoursePage(KeptViewRestrictions, CJKSearchMixin, Page):  # noqa: DJ008 - Page has it
    """A course: its lessons are the lecture and article pages below it, in tree order,
    optionally grouped into sections."""

    base_form_class = CoursePageForm

    summary = models.TextField(
        _("summary"),
        max_length=600,
        help_text=_("One or two sentences shown in the catalogue and in search results."),
    )
    description = RichTextField(
        _("description"),
        blank=True,
        features=["h2", "h3", "bold", "italic", "link", "ol", "ul"],
        help_text=_("What members learn, who the course is for, what they need beforehand."),
    )
    cover_image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("cover image"),
        help_text=_("Shown in the catalogue; landscape works best."),
    )
    trainers = ParentalManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="trained_courses",
        verbose_name=_("trainers"),
        help_text=_(
            "Trainers may edit this course and its lessons in the admin. Listed: people with "
            "the Trainers or Admins role; give someone the role under Settings → Users."
        ),
    )
    tags = ClusterTaggableManager(through=CourseTag, blank=True, verbose_name=_("tags"))

    class Enrolment(models.TextChoices):
        OPEN = "open", _("Open: members enrol themselves")
        APPROVAL = "approval", _("On approval: a trainer accepts each request")
        CLOSED = "closed", _("Closed: trainers and administrators enrol members")

    enrolment = models.CharField(
        pgettext_lazy("how members join a course", "enrolment"),
        max_length=20,
        choices=Enrolment.choices,
        default=Enrolment.OPEN,
    )
    capacity = models.PositiveIntegerField(
        _("places"),
        null=True,
        blank=True,
        help_text=_("The most members enrolled at once; leave empty for no limit."),
    )
    enrolment_opens = models.DateTimeField(_("enrolment opens"), null=True, blank=True)
    enrolment_closes = models.DateTimeField(_("enrolment closes"), null=True, blank=True)
    sequential = models.BooleanField(
        _("lessons in order"),
        default=False,
        help_text=_(
            "A lesson opens once the required lessons before it are complete. "
            "Trainers and administrators can always open every lesson."
        ),
    )

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldPanel("cover_image"),
        FieldPanel("description"),
        MultiFieldPanel([FieldPanel("trainers"), FieldPanel("tags")], heading=_("People and tags")),
        MultiFieldPanel(
            [
                FieldPanel("enrolment"),
                FieldPanel("capacity"),
                FieldPanel("enrolment_opens"),
                FieldPanel("enrolment_closes"),
                FieldPanel("sequential"),
            ],
            heading=_("Enrolment"),
        ),
    ]

    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("description"),
        index.SearchField("tag_names"),
        index.SearchField("search_cjk"),
    ]

    parent_page_types = ["courses.CourseIndexPage"]
    subpage_types = ["courses.CourseSectionPage", *LESSON_TYPES, "insights.CourseFeedbackPage"]

    class Meta:
        verbose_name = _("course")

    def search_texts(self):
        return [*super().search_texts(), self.summary, self.description]

    def search_areas(self):
        return [
            *super().search_areas(),
            (_("Summary"), self.summary),
            (_("Description"), strip_tags(self.description)),
            (_("Tags"), self.tag_names()),
        ]

    def get_lessons(self):
        """Live lessons in tree order, sections included (a depth-first walk)."""
        return Page.objects.live().descendant_of(self).type(LecturePage, ArticlePage).specific()

    def get_outline(self):
        """The course as (section or None, [lessons]) pairs, in tree order."""
        # One walk over the live pages below the course, not a query per section: in tree
        # order each section comes just before its lessons. Lessons of a section that is not
        # live have no entry in ``sections`` and are left out, as the section is.
        outline: list[tuple[Page | None, list[Page]]] = []
        loose: list[Page] = []
        sections: dict[str, list[Page]] = {}
        below = Page.objects.live().descendant_of(self)
        for page in below.type(CourseSectionPage, LecturePage, ArticlePage).specific():
            if isinstance(page, CourseSectionPage):
                outline.append((page, sections.setdefault(page.path, [])))
            elif page.depth == self.depth + 1:
                loose.append(page)
            elif (lessons := sections.get(page.path[: -page.steplen])) is not None:
                lessons.append(page)
        if loose:
            outline.insert(0, (None, loose))
        return outline

    def get_context(self, request, *args, **kwargs):
        from ..page_memory import own_copy, remembered

        context = super().get_context(request, *args, **kwargs)
        # The lessons are this request's own copies: their progress is set on them below.
        context["outline"] = [
            (section, [own_copy(lesson) for lesson in lessons])
            for section, lessons in remembered(("outline", self.pk), self.get_outline)
        ]
        context["trainer_list"] = self.trainers.order_by("last_name", "first_name", "username")
        context.update(self.enrolment_context(request.user))
        if request.user.is_authenticated and context["has_access"]:
            lessons = [lesson for _s, group in context["outline"] for lesson in group]
            rows = self.progress_rows(request.user, lessons)
            share = self.attach_progress(request.user, lessons, rows)
            enrolment = context["enrolment"]
            if (
                enrolment is not None
                and enrolment.status == "active"
                and not enrolment.completed_at
            ):
                context["course_progress"] = self.progress_summary(request, lessons, rows, share)
        return context

    @staticmethod
    def progress_rows(user, lessons) -> dict:
        """The member's progress in these lessons, by page id (one query)."""
        from .progress import LessonProgress

        return {
            row.page_id: row
            for row in LessonProgress.objects.filter(
                user=user, page_id__in=[lesson.pk for lesson in lessons]
            )
        }

    def progress_summary(self, request, lessons, rows, share: float) -> dict:
        """For an enrolled member: how far through the course (required lessons done) and
        where to continue (``courses.resume``), as My learning shows it."""
        from ..progress import required_lessons
        from ..resume import resume_lesson, resume_links

        required = required_lessons(lessons)
        lesson = resume_lesson(lessons, rows)
        return {
            "percent": int(share * 100),
            "done": sum(1 for item in required if item.progress_state["state"] == "done"),
            "total": len(required),
            "resume": resume_links(request, request.user, [lesson], rows).get(
                getattr(lesson, "pk", None)
            ),
        }

    def attach_progress(self, user, lessons, rows=None) -> float:
        """Set ``progress_state`` on each lesson (one query, none when the member's progress
        ``rows`` by page id are given, as My learning does for all courses at once), and
        ``waiting_for`` (the lesson to finish first) in a course taken in order; returns the
        share of required lessons complete."""
        from ..permissions import is_course_staff
        from ..progress import lesson_state, required_lessons, sequence_locks

        if rows is None:
            rows = self.progress_rows(user, lessons)
        done = {pk for pk, row in rows.items() if row.completed_at}
        locks = (
            sequence_locks(lessons, done)
            if self.sequential and not is_course_staff(user, self)
            else {}
        )
        for lesson in lessons:
            lesson.progress_state = lesson_state(rows.get(lesson.pk), lesson)
            lesson.waiting_for = locks.get(lesson.pk)
        required = required_lessons(lessons)
        return (
            sum(1 for lesson in required if lesson.pk in done) / len(required) if required else 0.0
        )

    def enrolment_context(self, user) -> dict:
        """The member's enrolment and whether (and why not) they can enrol now."""
        from ..enrolments import places_left, self_enrol_problem
        from ..permissions import can_access_course

        return {
            "enrolment": self.enrolments.filter(user=user).select_related("certificate").first()
            if user.is_authenticated
            else None,
            "has_access": can_access_course(user, self),
            "enrol_problem": self_enrol_problem(self),
            "places_left": places_left(self),
        }


class CourseSectionPage(KeptViewRestrictions, Page):
    """A group of lessons inside a course, e.g. "Part 1: Basics"."""

    intro = models.TextField(
        _("introduction"), blank=True, help_text=_("Optional, shown above the lessons.")
    )

    content_panels = Page.content_panels + [FieldPanel("intro")]

    parent_page_types = ["courses.CoursePage"]
    subpage_types = LESSON_TYPES

    class Meta:
        verbose_name = _("course section")

    def get_lessons(self):
        return self.get_children().live().type(LecturePage, ArticlePage).specific()


class LessonFields(models.Model):
    """Fields every lesson has: whether people outside the course may open it, and how much
    of it makes it complete."""

    preview = models.BooleanField(
        _("free preview"),
        default=False,
        help_text=_(
            "Anyone may open this lesson, enrolled or not, to see what the course is like."
        ),
    )
    optional = models.BooleanField(
        _("optional"),
        default=False,
        help_text=_(
            "Members may skip it: the course is complete without it, and in a course taken "
            "in order it holds no one back."
        ),
    )
    completion_threshold = models.PositiveSmallIntegerField(
        _("complete at (%)"),
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_(
            "Share of the video watched, or of the slides seen, that completes the lesson."
        ),
    )

    class Meta:
        abstract = True


class LessonMixin:
    """What lecture and article pages share: their course, their neighbours in it, and the
    one access check (enrolled members, the course's trainers, admins; or a free preview)."""

    def serve(self, request, *args, **kwargs):
        from ..permissions import can_view_lesson

        if not can_view_lesson(request.user, self):
            return self.locked_response(request)
        return super().serve(request, *args, **kwargs)

    def locked_response(self, request):
        """What someone who may not open the lesson sees: why, and how to get in."""
        from django.template.response import TemplateResponse

        from ..permissions import waiting_for

        context = {"page": self, "course": self.course, "self": self, "request": request}
        if self.course is not None:
            # The way in, where the member is: enrolling here comes back to this lesson.
            context["join"] = self.course.enrolment_context(request.user)
        if self.course is not None and request.user.is_authenticated:
            context["enrolment"] = context["join"]["enrolment"]
            context["waiting_for"] = waiting_for(request.user, self)
        return TemplateResponse(request, "courses/lesson_locked.html", context, status=403)

    @cached_property
    def course(self) -> "CoursePage | None":
        from ..page_memory import own_copy, remembered

        course = remembered(
            ("course", self.pk), lambda: CoursePage.objects.ancestor_of(self).first()
        )
        return own_copy(course)  # this request's own: it keeps its lessons on it

    def get_neighbours(self) -> tuple[Page | None, Page | None]:
        from ..page_memory import remembered

        if self.course is None:
            return None, None
        # Only titles and URLs are shown: leave the lessons' own fields (bodies) unloaded,
        # which also spares a query per lesson type.
        lessons = remembered(
            ("neighbours", self.course.pk),
            lambda: list(self.course.get_lessons().specific(defer=True)),
        )
        ids = [lesson.pk for lesson in lessons]
        if self.pk not in ids:
            return None, None
        i = ids.index(self.pk)
        previous = lessons[i - 1] if i > 0 else None
        following = lessons[i + 1] if i + 1 < len(lessons) else None
        return previous, following

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["course"] = self.course
        context["previous_lesson"], context["next_lesson"] = self.get_neighbours()
        if self.course is not None and request.user.is_authenticated:
            from django.urls import reverse

            from ..progress import lesson_state
            from .progress import LessonProgress

            progress = LessonProgress.objects.filter(user=request.user, page_id=self.pk).first()
            context["progress_url"] = reverse("progress", args=[self.pk])
            context["slide_seconds"] = settings.ELEARN_SLIDE_SECONDS
            context["progress_state"] = lesson_state(progress, self)
        context["preview_of"] = self.preview_context(request.user)
        return context

    def preview_context(self, user) -> dict | None:
        """For a free preview seen by someone outside the course: the course and how they
        may join it (the course page's enrolment box); None for members, trainers, admins."""
        from ..permissions import can_access_course

        course = self.course
        if not self.preview or course is None or can_access_course(user, course):
            return None
        return {"course": course, **course.enrolment_context(user)}


def stream_text(page, field_name: str = "body") -> str:
    """The plain text of a StreamField, as the search index sees it."""
    field = page._meta.get_field(field_name)
    return "\n".join(field.get_searchable_content(getattr(page, field_name)))


class ArticlePage(  # noqa: DJ008 - Page has it
    KeptViewRestrictions, CJKSearchMixin, LessonMixin, LessonFields, Page
):
    """A theory article, policy or regulation: read as a lesson of a course or in a library."""

    class Kind(models.TextChoices):
        THEORY = "theory", _("Theory")
        POLICY = "policy", _("Policy")
        REGULATION = "regulation", _("Regulation")
        GUIDE = "guide", _("Guide")

    lesson_type = "article"

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.THEORY)
    summary = models.TextField(
        _("summary"), blank=True, max_length=600, help_text=_("Shown in lists and search results.")
    )
    body = StreamField(BodyBlock(), verbose_name=_("body"), blank=True)
    tags = ClusterTaggableManager(through=ArticleTag, blank=True, verbose_name=_("tags"))

    content_panels = Page.content_panels + [
        FieldPanel("kind"),
        FieldPanel("summary"),
        FieldPanel("body"),
        FieldPanel("tags"),
        MultiFieldPanel(
            [FieldPanel("preview"), FieldPanel("optional")],
            heading=_("Access and completion"),
        ),
    ]

    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("body"),
        index.SearchField("tag_names"),
        index.SearchField("search_cjk"),
    ]

    parent_page_types = ["courses.CoursePage", "courses.CourseSectionPage", "courses.LibraryPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("article")

    def body_text(self) -> str:
        return stream_text(self)

    def search_texts(self):
        return [*super().search_texts(), self.summary, self.body_text()]

    def search_areas(self):
        return [
            *super().search_areas(),
            (_("Summary"), self.summary),
            (_("Text"), self.body_text()),
            (_("Tags"), self.tag_names()),
        ]

    @cached_property
    def reading_time(self) -> int:
        """Estimated minutes to read the article (CJK counted by characters)."""
        return reading_minutes(
            f"{self.title}\n{self.summary}\n{self.body_text()}",
            settings.ELEARN_READING_WORDS_PER_MINUTE,
            settings.ELEARN_READING_CJK_CHARS_PER_MINUTE,
        )


class LecturePage(  # noqa: DJ008 - Page has it
    KeptViewRestrictions, CJKSearchMixin, LessonMixin, RoutablePageMixin, LessonFields, Page
):
    """A lecture: an introduction, a slide deck whose every slide is its own page
    (``slides/<n>/``), and notes; a video joins later."""

    lesson_type = "lecture"
    base_form_class = LecturePageForm

    intro = models.TextField(
        _("introduction"),
        blank=True,
        max_length=1000,
        help_text=_("What this lecture covers, shown above it and in search results."),
    )
    deck = models.ForeignKey(
        "courses.SlideDeck",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="lectures",
        verbose_name=_("slide deck"),
        help_text=_(
            "Choose a deck, or upload one in the chooser; members step through the slides here."
        ),
    )
    video = models.ForeignKey(
        "courses.LectureVideo",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="lectures",
        verbose_name=_("video"),
        help_text=_("Choose a video, or upload one in the chooser; members watch it here."),
    )
    show_hidden_slides = models.BooleanField(
        _("show hidden slides to members"),
        default=False,
        help_text=_(
            "Slides hidden in PowerPoint are shown to trainers only, unless you tick this."
        ),
    )
    body = StreamField(BodyBlock(), verbose_name=_("body"), blank=True)

    class CompletionRule(models.TextChoices):
        VIDEO = "video", _("The video is watched")
        SLIDES = "slides", _("The slides are seen")
        BOTH = "both", _("The video is watched and the slides are seen")
        EITHER = "either", _("The video is watched or the slides are seen")

    completion_rule = models.CharField(
        _("complete when"),
        max_length=10,
        choices=CompletionRule.choices,
        default=CompletionRule.VIDEO,
        help_text=_("For a lecture with both a video and slides; otherwise the one it has counts."),
    )
    handout_layout = models.CharField(
        _("members may download a handout"),
        max_length=10,
        blank=True,
        choices=[("", _("No")), *LAYOUT_CHOICES],
        help_text=_("Offer the slides as a PDF handout on the lecture page, in this layout."),
    )

    content_panels = Page.content_panels + [
        FieldPanel("intro"),
        FieldPanel("video"),
        MultiFieldPanel(
            [FieldPanel("deck"), FieldPanel("show_hidden_slides"), FieldPanel("handout_layout")],
            heading=_("Slides"),
        ),
        FieldPanel("body"),
        MultiFieldPanel(
            [
                FieldPanel("preview"),
                FieldPanel("optional"),
                FieldPanel("completion_rule"),
                FieldPanel("completion_threshold"),
            ],
            heading=_("Access and completion"),
        ),
    ]

    search_fields = Page.search_fields + [
        index.SearchField("intro"),
        index.SearchField("body"),
        index.SearchField("search_cjk"),
        index.SearchField("slides_text"),
        index.SearchField("captions_text"),
    ]

    parent_page_types = ["courses.CoursePage", "courses.CourseSectionPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("lecture")

    def body_text(self) -> str:
        return stream_text(self)

    def search_texts(self):
        return [*super().search_texts(), self.intro, self.body_text()]

    def slides_text(self) -> str:
        """Text and notes of the slides members see, with CJK bigrams, for the index."""
        from .slides import deck_search_text

        return deck_search_text(self.deck, include_hidden=self.show_hidden_slides)

    def captions_text(self) -> str:
        """What is said in the video (its caption tracks), with CJK bigrams, for the index."""
        if self.video_id is None:
            return ""
        text = "\n".join(
            track.plain_text() for track in self.video.captions.exclude(kind="chapters")
        )
        return f"{text}\n{segment_for_index([text])}"

    def search_areas(self):
        areas = [
            *super().search_areas(),
            (_("Introduction"), self.intro),
            (_("Text"), self.body_text()),
        ]
        if self.video_id is not None:
            # One area per caption cue, so a hit links to the moment it is said.
            for track in self.video.captions.exclude(kind="chapters"):
                for start, _end, text in track.cues:
                    label = _("Video at %(time)s") % {"time": format_clock(start)}
                    areas.append((label, text, f"{self.url}#t={start:g}"))
        for slide in self.get_slides():
            label = _("Slide %(number)s") % {"number": slide.number}
            areas.append((label, slide.search_text(), self.slide_url(slide.number)))
        return areas

    # Slides ---------------------------------------------------------------------------------

    def completion_hint(self) -> str:
        """What completes the lecture, for members, when it has a video and slides: stepping
        through every slide of a lecture that completes by its video otherwise looks like
        progress that counts for nothing. Empty when only one of them is there."""
        if self.video_id is None or self.deck_id is None:
            return ""
        percent = self.completion_threshold
        hints = {
            self.CompletionRule.VIDEO: _(
                "This lesson is done when you have watched %(percent)s%% of the video."
            ),
            self.CompletionRule.SLIDES: _(
                "This lesson is done when you have seen %(percent)s%% of the slides."
            ),
            self.CompletionRule.BOTH: _(
                "This lesson is done when you have watched %(percent)s%% of the video and "
                "seen %(percent)s%% of the slides."
            ),
            self.CompletionRule.EITHER: _(
                "This lesson is done when you have watched %(percent)s%% of the video or "
                "seen %(percent)s%% of the slides."
            ),
        }
        hint = hints.get(self.completion_rule, hints[self.CompletionRule.VIDEO])
        return hint % {"percent": percent}

    def get_slides(self, user=None):
        """The deck's slides this viewer may see, in order (hidden ones only for trainers,
        or for everyone when the lecture says so)."""
        from .slides import Slide

        if self.deck_id is None or not self.deck.has_text:
            return Slide.objects.none()
        slides = self.deck.slides.prefetch_related("media")
        if not self.shows_hidden_slides(user):
            slides = slides.filter(hidden=False)
        return slides

    def shows_hidden_slides(self, user) -> bool:
        """Whether this viewer sees the deck's hidden slides (marked as such)."""
        from .slides import can_see_hidden_slides

        return self.show_hidden_slides or can_see_hidden_slides(user)

    def slide_url(self, number: int, base: str | None = None) -> str:
        """The slide page's URL; ``base`` is this page's URL when the caller has it already
        (a deck's worth of slides)."""
        return (self.url if base is None else base) + self.reverse_subpage("slide", args=[number])

    def deck_context(self, request, number: int | None) -> dict:
        from ..page_memory import remembered

        hidden = self.shows_hidden_slides(request.user)
        slides = remembered(
            ("slides", self.pk, self.deck_id, hidden), lambda: list(self.get_slides(request.user))
        )
        current = None
        if number is not None:
            current = next((slide for slide in slides if slide.number == number), None)
            if current is None:
                raise Http404(_("This lecture has no slide %(number)s.") % {"number": number})
        elif slides:
            current = slides[0]
        position = slides.index(current) if current else 0
        base = self.get_url(request)  # the site's root paths kept on the request (page_routes)

        def viewer_slides():
            # Called by the template only when the deck strip is not remembered already.
            return [
                {
                    "number": item.number,
                    "title": str(item.display_title),
                    "url": self.slide_url(item.number, base),
                    "src": item.src,
                    "srcset": item.srcset,
                    "width": item.image_width,
                    "height": item.image_height,
                    "notes": item.notes,
                    "hidden": item.hidden,
                    "lines": [text for _level, text in item.content.get("paragraphs", [])],
                    "current": item is current,
                }
                for item in slides
            ]

        return {
            "viewer_slides": viewer_slides,
            "slides": slides,
            # What the deck's markup for everyone ({% remember %}) depends on besides the slides.
            "slides_key": (self.pk, self.deck_id, hidden, base),
            "slide": current,
            "slide_position": position + 1,
            "previous_slide": slides[position - 1] if current and position > 0 else None,
            "next_slide": slides[position + 1] if current and position + 1 < len(slides) else None,
            "deck": remembered(("deck", self.deck_id), lambda: self.deck) if self.deck_id else None,
        }

    # Video ----------------------------------------------------------------------------------

    def slide_starts(self) -> dict[int, float]:
        """When each timed slide comes up in the video: ``{slide number: seconds}``."""
        if self.video_id is None or self.deck_id is None:
            return {}
        return dict(self.slide_timings.values_list("slide_number", "start"))

    def _video_and_renditions(self):
        video = self.video
        renditions = list(video.renditions.filter(source_hash=video.file_hash))
        # The player lists every track and the chapters come from one: a single query.
        prefetch_related_objects([video], "captions")
        return video, renditions

    def video_context(self, slides=()) -> dict:
        """The player's renditions (largest first), chapters, speeds and slide start times.

        Slide start times, when the trainer has set them, are the chapters (titled by the
        slides members see); otherwise a chapters track uploaded with the video is.
        """
        from ..page_memory import remembered

        if self.video_id is None:
            return {"video": None}
        video, renditions = remembered(("video", self.video_id), self._video_and_renditions)
        visible = {slide.number: str(slide.display_title) for slide in slides}
        starts = {n: t for n, t in self.slide_starts().items() if n in visible}
        if starts:
            chapters = [
                {"start": start, "end": end, "title": title, "slide": number}
                for start, end, title, number in slide_chapters(starts, visible, video.duration)
            ]
        else:
            chapters = [
                {"start": start, "end": end, "title": text, "slide": None}
                for track in video.captions.all()
                if track.kind == "chapters"
                for start, end, text in track.cues
            ]
        for chapter in chapters:
            chapter["clock"] = format_clock(chapter["start"])
        return {
            "video": video,
            "renditions": renditions,
            "chapters": chapters,
            "slide_times": [{"number": n, "start": t} for n, t in sorted(starts.items())],
            "speeds": ["0.75", "1", "1.25", "1.5", "1.75", "2"],
        }

    @path("")
    def lecture(self, request):
        deck = self.deck_context(request, None)
        context = {**deck, **self.video_context(deck["slides"])}
        if context["video"] is not None and request.user.is_authenticated:
            # Where the member stopped, in the page: the player need not ask for it.
            from .videos import VideoPosition

            saved = VideoPosition.objects.filter(user=request.user, video_id=self.video_id)
            context["resume_at"] = saved.values_list("position", flat=True).first() or 0
        return self.render(request, context_overrides=context)

    @path("handout/", name="handout")
    def handout(self, request):
        """The slides as a PDF handout, when the trainer offers one (access: as the lecture)."""
        from ..handout_service import member_handout
        from ..handouts import HandoutError
        from ..views.serve import send_file

        if not self.handout_layout:
            raise Http404
        try:
            name = member_handout(self)
        except HandoutError:
            raise Http404(_("The handout of this lecture is not available yet.")) from None
        # Handouts are stored under the digest of their inputs: the name pins the bytes.
        return send_file(
            request,
            name,
            etag=f'"{name.rsplit("/", 1)[-1]}"',
            filename=f"{self.slug}-handout.pdf",
        )

    @path("slides/<int:number>/", name="slide")
    def slide(self, request, number: int):
        context = self.deck_context(request, number)
        return self.render(
            request, context_overrides=context, template="courses/lecture_slide.html"
        )
