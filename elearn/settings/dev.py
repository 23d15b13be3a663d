"""Local development: debug on, a throwaway secret key unless one is given."""

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = SECRET_KEY or "django-insecure-dev-only-key-do-not-use-in-production"  # noqa: F405, S105

# Serve static files straight from the apps while developing; `make run` also collects them.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
