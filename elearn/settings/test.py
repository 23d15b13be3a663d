"""Tests: fast hashing, local-memory cache, tasks run at once, media in a temporary folder."""

import hashlib
import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import ELEARN_TASK_QUEUES, TASK_BACKENDS

SECRET_KEY = "test-only-secret-key"  # noqa: S105
DEBUG = False
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or tempfile.mkdtemp(prefix="elearn-test-media-"))
STATIC_ROOT = Path(tempfile.mkdtemp(prefix="elearn-test-static-"))
TASKS = {
    "default": {
        "BACKEND": TASK_BACKENDS[os.environ.get("ELEARN_TASK_BACKEND", "immediate")],
        "QUEUES": ELEARN_TASK_QUEUES,
    }
}
WAGTAILADMIN_BASE_URL = "http://testserver"
# Never forward to an LRS named in the environment; the xAPI tests run their own.
ELEARN_XAPI_LRS_URL = ""

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not memory: the worker test starts a second process that must see the same data.
    # One file per checkout, so two clones testing at once never share (and break) a database.
    checkout = hashlib.sha1(str(BASE_DIR).encode()).hexdigest()[:8]  # noqa: F405, S324
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.environ.get(
            "ELEARN_TEST_DB", str(Path(tempfile.gettempdir()) / f"elearn-test-{checkout}.sqlite3")
        )
    }
