"""elearn's models, one module per concern, re-exported here."""

from .certificates import Certificate
from .enrolment import Enrolment
from .handouts import HandoutBuild
from .lecture_sync import SlideTiming
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
from .progress import LessonProgress
from .settings import OrganisationSettings
from .slides import Slide, SlideDeck, SlideDeckTag, SlideMedia
from .videos import LectureVideo, LectureVideoTag, VideoCaption, VideoPosition, VideoRendition
from .workflow import PeerReviewTask, PeerReviewTaskState

__all__ = [
    "Certificate",
    "Enrolment",
    "HandoutBuild",
    "LessonProgress",
    "ArticlePage",
    "ArticleTag",
    "CourseIndexPage",
    "CoursePage",
    "CourseSectionPage",
    "CourseTag",
    "LecturePage",
    "LibraryPage",
    "OrganisationSettings",
    "PeerReviewTask",
    "PeerReviewTaskState",
    "Slide",
    "SlideDeck",
    "SlideDeckTag",
    "SlideMedia",
    "SlideTiming",
    "LectureVideo",
    "LectureVideoTag",
    "VideoCaption",
    "VideoPosition",
    "VideoRendition",
]
