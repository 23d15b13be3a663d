"""Insights' models, one module per concern, re-exported here."""

from .feedback import CourseFeedbackPage, FeedbackFormField, FeedbackSubmission
from .notifications import Announcement, LessonNotice, NotificationPreferences, Reminder
from .statistics import PageViewDay

__all__ = [
    "Announcement",
    "CourseFeedbackPage",
    "FeedbackFormField",
    "FeedbackSubmission",
    "LessonNotice",
    "NotificationPreferences",
    "PageViewDay",
    "Reminder",
]
