from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    """Reports, charts, site statistics, notifications and the course feedback survey."""

    name = "insights"
    verbose_name = _("Insights")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import signal_handlers, tasks  # noqa: F401
