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

        # Django's User writes "first last" everywhere (Wagtail's users list, page history,
        # workflow emails): "静 陈" for 陈静. The names' own order instead, for the user model
        # Django ships (a custom one defines its own).
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import AbstractUser

        from .names import full_name

        user_model = get_user_model()
        if user_model.get_full_name is AbstractUser.get_full_name:
            user_model.get_full_name = full_name

        # Importing the tasks here loads the conversion libraries when a worker starts, not
        # while the first deck waits for its text.
        from . import signal_handlers, tasks  # noqa: F401
