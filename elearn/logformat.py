"""One JSON object per log line, for log collectors (``ELEARN_LOG_FORMAT=json``).

Plain ``logging`` only: used by Django's LOGGING and by gunicorn's own loggers
(gunicorn.conf.py), so a web process writes every line, access log included, in one shape.
"""

import json
import logging
from datetime import UTC, datetime

# gunicorn's access log passes its request atoms as the record's args.
ACCESS_FIELDS = {
    "m": "method",
    "U": "path",
    "q": "query",
    "s": "status",
    "B": "bytes",
    "D": "duration_us",
    "h": "remote_addr",
    "a": "user_agent",
}
NUMERIC_ATOMS = {"s", "B", "D"}


class JSONFormatter(logging.Formatter):
    """Timestamp (UTC, ISO 8601), level, logger and message; the request's method, path and
    status where Django's request loggers (``django.request``, ``django.server``) or gunicorn's
    access log provide them; the exception's traceback as text. Non-ASCII text stays readable."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request = getattr(record, "request", None)
        path = getattr(request, "path", None)
        if isinstance(path, str):
            entry["method"] = getattr(request, "method", None)
            entry["path"] = path
        status = getattr(record, "status_code", None)
        if status is not None:
            entry["status"] = status
        if record.name == "gunicorn.access" and isinstance(record.args, dict):
            for atom, field in ACCESS_FIELDS.items():
                value = record.args.get(atom)
                if value in (None, "", "-"):
                    continue
                if atom in NUMERIC_ATOMS and str(value).isdigit():
                    value = int(value)
                entry[field] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)
