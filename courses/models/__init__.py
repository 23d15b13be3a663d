"""elearn's models, one module per concern, re-exported here."""

from .pages import (
    ArticlePage,
    ArticleTag,
    CourseIndexPage,
    CoursePage,
    CourseSectionPage,
    CourseTag,
    LecturePage,
    LibraryPage,
)
from .settings import OrganisationSettings

__all__ = [
    "ArticlePage",
    "ArticleTag",
    "CourseIndexPage",
    "CoursePage",
    "CourseSectionPage",
    "CourseTag",
    "LecturePage",
    "LibraryPage",
    "OrganisationSettings",
]
