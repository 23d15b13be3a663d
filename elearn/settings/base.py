"""Settings shared by every environment, driven by environment variables.

The embedded defaults (SQLite, the database task queue, local files, console email) need no
server, so `make run` works on a fresh machine; production switches each one by environment.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from .search import search_backends

PROJECT_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = PROJECT_DIR.parent


def env_bool(name: str, default: bool = False) -> bool:
    """Read a boolean environment variable ("1", "true", "yes", "on" are true)."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    """Read a comma-separated environment variable into a list, dropping blanks."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "courses",
    "discussion",
    "insights",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.table_block",
    "wagtail.contrib.settings",
    "wagtail.contrib.routable_page",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "django_tasks",
    "django_tasks_db",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    # First: load balancers' probes skip the host check and the HTTPS redirect (elearn/healthz.py).
    "elearn.healthz.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "elearn.security_headers.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "courses.upload_progress.UploadRedirectMiddleware",
]

ROOT_URLCONF = "elearn.urls"
WSGI_APPLICATION = "elearn.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

# Database: SQLite by default, anything dj-database-url understands from DATABASE_URL.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the task worker write at once: without WAL, a busy timeout and
    # immediate transactions SQLite answers "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Django's model backend, fetching the logged-in member with less CPU (elearn/auth.py); Django's
# own stays listed so that sessions made before it still find their user.
AUTHENTICATION_BACKENDS = [
    "elearn.auth.ModelBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
# Password guessing: after this many failures for one account (or from one address) in the
# window, log-ins are refused until it has passed (courses/login_throttle.py).
ELEARN_LOGIN_FAILURES_PER_ACCOUNT = int(os.environ.get("ELEARN_LOGIN_FAILURES_PER_ACCOUNT", "5"))
ELEARN_LOGIN_FAILURES_PER_ADDRESS = int(os.environ.get("ELEARN_LOGIN_FAILURES_PER_ADDRESS", "30"))
ELEARN_LOGIN_LOCKOUT_SECONDS = int(os.environ.get("ELEARN_LOGIN_LOCKOUT_SECONDS", "900"))
WAGTAILADMIN_USER_LOGIN_FORM = "courses.forms.AdminLoginForm"
# After logging in, a member sees their courses and where they stopped.
LOGIN_REDIRECT_URL = "my_learning"
LOGOUT_REDIRECT_URL = "/"

# Languages: English and Simplified Chinese; the switcher stores the choice in a cookie.
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("zh-hans", _("Simplified Chinese")),
]
# Ours first (it wins where both translate a string), then the words of Wagtail's admin that
# Wagtail's own zh_Hans catalogue lacks (locale/wagtail/README.md).
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale" / "wagtail"]
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES

# Static and media files. Media sit on local disk by default.
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "static"))
STATIC_URL = "/static/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Protected files (slide images, videos, handouts) on a storage without local paths are handed
# out after the permission check as signed URLs living this long: the browser follows them at
# once, so minutes suffice (videos get their playing time on top, see courses/views/videos.py).
ELEARN_SIGNED_URL_SECONDS = int(os.environ.get("ELEARN_SIGNED_URL_SECONDS", "300"))
# Other URLs the storage gives out, written into pages (Wagtail images, documents): they must
# outlive a page left open before its lazy images load.
ELEARN_MEDIA_URL_SECONDS = int(os.environ.get("ELEARN_MEDIA_URL_SECONDS", "3600"))


def s3_media_storage(env=os.environ) -> dict:
    """The STORAGES entry for media in an S3-compatible bucket, from AWS_* variables in
    ``env`` (the tests pass their own, pointing at the server they start)."""
    if not env.get("AWS_STORAGE_BUCKET_NAME"):
        raise ImproperlyConfigured("ELEARN_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME.")
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env["AWS_STORAGE_BUCKET_NAME"],
            # Unset: AWS itself. Set for MinIO and other S3-compatible servers.
            "endpoint_url": env.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": env.get("AWS_S3_REGION_NAME") or None,
            # Unset: boto3's own chain (instance role, ~/.aws, AWS_* variables).
            "access_key": env.get("AWS_ACCESS_KEY_ID") or None,
            "secret_key": env.get("AWS_SECRET_ACCESS_KEY") or None,
            # "path" for MinIO and servers without a wildcard DNS name per bucket.
            "addressing_style": env.get("AWS_S3_ADDRESSING_STYLE") or None,
            "signature_version": "s3v4",
            "location": env.get("AWS_LOCATION", ""),
            # Nothing in the bucket is public: every URL is signed and expires.
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": ELEARN_MEDIA_URL_SECONDS,
            # As on local disk, a second upload of "talk.mp4" gets a name of its own instead of
            # replacing the first (derived files are deleted before they are written again).
            "file_overwrite": False,
        },
    }


# The one switch for uploads and derived files: "local" (MEDIA_ROOT) or "s3" (any
# S3-compatible object store: AWS, MinIO, Ceph, Garage…). Static files stay with WhiteNoise.
ELEARN_STORAGE = os.environ.get("ELEARN_STORAGE", "local").strip().lower()
if ELEARN_STORAGE == "s3":
    STORAGES["default"] = s3_media_storage()
elif ELEARN_STORAGE != "local":
    raise ImproperlyConfigured("ELEARN_STORAGE is 'local' (the default) or 's3'.")

DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# Email: printed to the console unless an SMTP host is configured.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
else:
    EMAIL_BACKEND = os.environ.get(
        "EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
    )
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "elearn <noreply@localhost>")

# Redis, optional. With REDIS_URL set, the cache and the sessions live there, shared by every
# web process (the progress API's throttle then counts a member's reports across all gunicorn
# workers, not per process); without it, a per-process memory cache and database sessions.
REDIS_URL = os.environ.get("REDIS_URL", "")
# The cache's clear() empties its whole Redis database: give the cache its own database number
# (or server, with an eviction policy) when the RQ queue shares the server.
ELEARN_CACHE_REDIS_URL = os.environ.get("ELEARN_CACHE_REDIS_URL", REDIS_URL)
if ELEARN_CACHE_REDIS_URL:
    CACHES = {
        "default": {
            # Django's Redis cache, keeping its client objects (elearn/cache.py).
            "BACKEND": "elearn.cache.KeptClientRedisCache",
            "LOCATION": ELEARN_CACHE_REDIS_URL,
            "KEY_PREFIX": os.environ.get("ELEARN_CACHE_KEY_PREFIX", "elearn"),
            # Fail fast rather than hold a request (or /healthz) while Redis is away.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
    # Sessions read from the cache and are written through to the database, so a Redis restart
    # (no persistence) logs nobody out.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# Whether every web process sees the same cache. Then each process may keep what every
# progress report needs (a lesson's rules, a member's enrolment) in memory, dropped as soon as
# another process changes it (courses/lesson_rules.py). A per-process cache (no Redis) cannot
# carry that news between gunicorn's workers: leave it off there unless a single process serves.
ELEARN_CACHE_SHARED = env_bool("ELEARN_CACHE_SHARED", bool(ELEARN_CACHE_REDIS_URL))

# Background tasks through the Django Tasks API. "database" needs no server: the worker is
# `manage.py db_worker`, which `make run` starts beside the web server. "rq" queues in Redis
# (REDIS_URL) for workers on any number of machines: `manage.py run_worker` starts the right
# worker for either.
ELEARN_TASK_BACKEND = os.environ.get("ELEARN_TASK_BACKEND", "database")
TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "rq": "elearn.rq_backend.RQBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "dummy": "django_tasks.backends.dummy.DummyBackend",
}
# The queues a worker serves, in the order it empties them. Every task (ours and Wagtail's)
# names the default queue; with RQ, which has no priorities, tasks above the default priority
# (deck conversions, videos, handouts) go to "high" instead (elearn/rq_backend.py).
ELEARN_TASK_QUEUES = ["high", "default"]
TASKS = {"default": {"BACKEND": TASK_BACKENDS[ELEARN_TASK_BACKEND], "QUEUES": ELEARN_TASK_QUEUES}}
RQ_QUEUES = {
    name: {
        "URL": REDIS_URL or "redis://127.0.0.1:6379/0",
        # RQ kills a job running longer (a safety net: a long lecture transcode takes minutes).
        "DEFAULT_TIMEOUT": int(os.environ.get("ELEARN_RQ_JOB_TIMEOUT_SECONDS", "3600")),
    }
    for name in ELEARN_TASK_QUEUES
}
# django-tasks-rq's job class runs a Django task from an RQ job; workers must use it.
RQ = {"JOB_CLASS": "django_tasks_rq.Job"}
if ELEARN_TASK_BACKEND == "rq":
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]

# Wagtail
WAGTAIL_SITE_NAME = os.environ.get("ELEARN_SITE_NAME", "elearn")
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = search_backends(os.environ)
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "pptx", "rtf", "txt", "xlsx", "zip"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 50 * 1024 * 1024
WAGTAIL_ALLOW_UNICODE_SLUGS = True
WAGTAILEMBEDS_RESPONSIVE_HTML = True
# No avatars from gravatar.com: these sites often run on closed networks.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
# An approved peer review publishes the page even though the reviewers cannot publish directly.
WAGTAIL_FINISH_WORKFLOW_ACTION = "courses.workflow_publish.publish_approved"

# elearn
ELEARN_READING_WORDS_PER_MINUTE = 200
ELEARN_READING_CJK_CHARS_PER_MINUTE = 300

# Logs go to stderr: human-readable lines by default, one JSON object per line with
# ELEARN_LOG_FORMAT=json (for a log collector; elearn/logformat.py).
ELEARN_LOG_FORMAT = os.environ.get("ELEARN_LOG_FORMAT", "text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "json": {"()": "elearn.logformat.JSONFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if ELEARN_LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "wagtail": {"level": "WARNING"},
        # One line per task at INFO buries everything else in `make run`'s output.
        "django_tasks": {"level": os.environ.get("TASKS_LOG_LEVEL", "WARNING")},
    },
}

# Slide decks: limits checked before anything is unpacked, and how slides are rendered.
ELEARN_DECK_MAX_FILE_MB = int(os.environ.get("ELEARN_DECK_MAX_FILE_MB", "200"))
ELEARN_DECK_MAX_SLIDES = int(os.environ.get("ELEARN_DECK_MAX_SLIDES", "1000"))
ELEARN_DECK_MAX_UNCOMPRESSED_MB = int(os.environ.get("ELEARN_DECK_MAX_UNCOMPRESSED_MB", "1024"))
ELEARN_SOFFICE_TIMEOUT_SECONDS = float(os.environ.get("ELEARN_SOFFICE_TIMEOUT_SECONDS", "300"))
# Address-space ceiling of each process that parses or converts an upload (python-pptx, lxml
# and pdfium in a child process, LibreOffice, ffmpeg); 0 for none. The conversion core reads
# the same variable for ffmpeg (courses/conversion/sandbox.py).
ELEARN_CONVERSION_MEMORY_MB = int(os.environ.get("ELEARN_CONVERSION_MEMORY_MB", "4096"))
# A conversion still "processing" this long after it started lost its worker: retry or fail it.
ELEARN_DECK_STALE_AFTER_SECONDS = int(os.environ.get("ELEARN_DECK_STALE_AFTER_SECONDS", "900"))
ELEARN_DECK_MAX_ATTEMPTS = int(os.environ.get("ELEARN_DECK_MAX_ATTEMPTS", "3"))
# The same for videos: the main rendition's ffmpeg is killed after an hour, so a video still
# "processing" after two lost its worker.
ELEARN_VIDEO_STALE_AFTER_SECONDS = int(os.environ.get("ELEARN_VIDEO_STALE_AFTER_SECONDS", "7200"))
ELEARN_VIDEO_MAX_ATTEMPTS = int(os.environ.get("ELEARN_VIDEO_MAX_ATTEMPTS", "3"))
# And for handouts (seconds to build; a ZIP of hundreds of named copies takes minutes).
ELEARN_HANDOUT_STALE_AFTER_SECONDS = int(
    os.environ.get("ELEARN_HANDOUT_STALE_AFTER_SECONDS", "900")
)
ELEARN_HANDOUT_MAX_ATTEMPTS = int(os.environ.get("ELEARN_HANDOUT_MAX_ATTEMPTS", "2"))
ELEARN_SLIDE_WIDTHS = (480, 960, 1920)
# Made during conversion; the others on first request (a 1920 px image costs as much as the
# two smaller ones together, and only full-screen viewers on large displays ask for it).
ELEARN_SLIDE_EAGER_WIDTHS = (480, 960)
# JPEG: within 1.12x of a bare LibreOffice export for 200 slides, where WebP took 1.51x for
# 40% fewer bytes (bench/convert_decks.py). WebP suits sites whose members are on slow links.
ELEARN_SLIDE_IMAGE_FORMAT = os.environ.get("ELEARN_SLIDE_IMAGE_FORMAT", "jpeg")

# Content-Security-Policy (elearn/security_headers.py): where else media may come from (an
# object storage's address, when files are handed out as signed URLs) and which sites'
# players articles may embed.
ELEARN_CSP_MEDIA_ORIGINS = [o for o in os.environ.get("ELEARN_CSP_MEDIA_ORIGINS", "").split() if o]
ELEARN_CSP_FRAME_ORIGINS = os.environ.get(
    "ELEARN_CSP_FRAME_ORIGINS",
    "https://www.youtube.com https://www.youtube-nocookie.com https://player.vimeo.com "
    "https://player.bilibili.com https://player.youku.com",
).split()

# Protected files (slide images, videos, handouts) are checked by Django, then sent by it, or
# by the front web server when one is set up for it: "x-accel-redirect" (nginx, with an
# `internal` location at ELEARN_PROTECTED_FILES_PREFIX aliased to MEDIA_ROOT) or
# "x-sendfile" (Apache mod_xsendfile, lighttpd). On object storage they are redirects to
# signed URLs, unless "stream" makes Django send them (a bucket browsers cannot reach).
# See the README, "Serving protected files".
ELEARN_PROTECTED_FILES = os.environ.get("ELEARN_PROTECTED_FILES", "")
ELEARN_PROTECTED_FILES_PREFIX = os.environ.get("ELEARN_PROTECTED_FILES_PREFIX", "/protected/")

# Progress: an article counts as read at its end after this share of its reading time; a
# first video report may claim at most this many seconds of wall-clock time.
ELEARN_READING_SHARE = float(os.environ.get("ELEARN_READING_SHARE", "0.5"))
ELEARN_PROGRESS_FIRST_REPORT_S = float(os.environ.get("ELEARN_PROGRESS_FIRST_REPORT_S", "30"))
# A slide counts as seen once it has been on screen this many seconds.
ELEARN_SLIDE_SECONDS = float(os.environ.get("ELEARN_SLIDE_SECONDS", "2"))
ELEARN_PROGRESS_REPORTS_PER_MINUTE = int(
    os.environ.get("ELEARN_PROGRESS_REPORTS_PER_MINUTE", "120")
)

# xAPI: progress is forwarded to a Learning Record Store when its statements endpoint base
# is set (e.g. https://lrs.example.org/xapi/); key and secret are its Basic auth credentials.
ELEARN_XAPI_LRS_URL = os.environ.get("ELEARN_XAPI_LRS_URL", "")
ELEARN_XAPI_LRS_KEY = os.environ.get("ELEARN_XAPI_LRS_KEY", "")
ELEARN_XAPI_LRS_SECRET = os.environ.get("ELEARN_XAPI_LRS_SECRET", "")
# "account" (the member's id on this site) or "mbox" (their email, for LRSs that match people
# across systems by email).
ELEARN_XAPI_ACTOR = os.environ.get("ELEARN_XAPI_ACTOR", "account")
ELEARN_XAPI_TIMEOUT_SECONDS = float(os.environ.get("ELEARN_XAPI_TIMEOUT_SECONDS", "10"))
# A statement is tried this many times, waiting 30 s, 60 s, 120 s… between tries.
ELEARN_XAPI_MAX_ATTEMPTS = int(os.environ.get("ELEARN_XAPI_MAX_ATTEMPTS", "5"))
ELEARN_XAPI_RETRY_SECONDS = float(os.environ.get("ELEARN_XAPI_RETRY_SECONDS", "30"))

# Discussion: questions and replies a member may post in an hour (trainers and admins: any).
ELEARN_DISCUSSION_POSTS_PER_HOUR = int(os.environ.get("ELEARN_DISCUSSION_POSTS_PER_HOUR", "20"))

# Notifications: `manage.py send_reminders` (daily, from cron) emails members who have done
# nothing in a course for this many days, once per stretch of inactivity.
ELEARN_REMINDER_DAYS = int(os.environ.get("ELEARN_REMINDER_DAYS", "14"))
