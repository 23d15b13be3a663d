from django.apps import AppConfig
from django.urls import register_converter
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    """Courses, lessons, members and everything a learner meets."""

    name = "courses"
    verbose_name = _("Courses")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Here rather than in a URLconf: the admin's routes are made by hooks (this app's,
        # insights') while wagtail.admin.urls is imported, before elearn/urls.py runs a line.
        from elearn.converters import DatabaseIdConverter

        register_converter(DatabaseIdConverter, "id")

        # Importing the tasks here loads the conversion libraries when a worker starts, not
        # while the first deck waits for its text.
        from . import signal_handlers, tasks  # noqa: F401
