"""gunicorn for elearn in production: ``make serve``, or
``DJANGO_SETTINGS_MODULE=elearn.settings.production gunicorn -c gunicorn.conf.py elearn.wsgi``.

Meant to run behind a reverse proxy (nginx, Caddy, a load balancer) that terminates HTTPS and
buffers request bodies. Every value below can be changed through the environment.
"""

import multiprocessing
import os

# Where to listen: the proxy on the same machine by default; BIND=0.0.0.0:8000 in a container.
bind = os.environ.get("BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")

# Processes × threads. Threads, because a slow client (a trainer uploading a 200 MB deck over
# a poor link, a member streaming a video without X-Accel-Redirect) then holds one thread for
# minutes, not a whole process; and a threaded worker keeps signalling the master while a
# request runs, so `timeout` never kills a long upload or download half-way.
workers = int(os.environ.get("WEB_CONCURRENCY") or min(multiprocessing.cpu_count() * 2 + 1, 8))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))

# A worker process that stops responding for this long is killed and replaced.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
# On a restart, requests under way (an upload) get this long to finish.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "60"))
# Seconds an idle keep-alive connection stays open; behind a load balancer that reuses
# connections, make it longer than the balancer's idle timeout.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))

# Replace each worker after this many requests (± jitter, so they do not all restart at once):
# a slow leak in a library never grows without bound. Not too few: a new worker costs a
# second or two of CPU (importing Django and Wagtail, first queries) and starts with cold
# in-memory caches; at 1000, a cohort's progress reports restarted a worker every few seconds.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "20000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "2000"))

# gunicorn's control socket (for `gunicornc`) sits at one path per user by default, where two
# sites on one account would trip over each other: off unless a path is given.
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "")
control_socket_disable = not control_socket

# Trust X-Forwarded-Proto (https) only from these proxy addresses (comma-separated, CIDR
# allowed, or * when only the proxy can reach gunicorn).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Access log to stdout, errors to stderr. The client's address as the proxy saw it comes from
# X-Forwarded-For; %(M)s is the time taken in milliseconds.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%(h)s %({x-forwarded-for}i)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms "%(f)s" "%(a)s"'

if os.environ.get("ELEARN_LOG_FORMAT") == "json":
    # gunicorn's own lines (start-up, worker restarts, the access log) in the same JSON shape as
    # Django's (elearn/logformat.py): method, path, status and duration as fields.
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "elearn.logformat.JSONFormatter"}},
        "handlers": {
            "stdout": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stdout",
            },
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            },
        },
        "root": {"level": "INFO", "handlers": ["stderr"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["stdout"], "propagate": False},
        },
    }
