from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    """Courses, lessons, members and everything a learner meets."""

    name = "courses"
    verbose_name = _("Courses")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Importing the tasks here loads the conversion libraries when a worker starts, not
        # while the first deck waits for its text.
        from . import signal_handlers, tasks  # noqa: F401
