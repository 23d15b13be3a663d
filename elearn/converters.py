"""Database ids in URLs and query strings.

SQLite's driver raises OverflowError for an integer beyond 64 bits where PostgreSQL finds
nothing, so an id typed or tampered into a URL must be refused before it reaches a query.
"""

import re

# Every number of up to 18 digits fits a signed 64-bit primary key (BigAutoField, SQLite's
# INTEGER); a 19-digit one may not. No row has a longer id, so refusing them loses nothing.
ID_PATTERN = "[0-9]{1,18}"
_ID = re.compile(ID_PATTERN)


class DatabaseIdConverter:
    """``<id:name>`` in a route: ``<int:name>`` for a row's id, so that a number too large for
    any id is a plain 404 (the route does not match) on every database."""

    regex = ID_PATTERN

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(value)


def database_id(value) -> int | None:
    """``value`` from a form or a query string as an id, or None when no row can have it
    (empty, not a number, or too large)."""
    if isinstance(value, str) and _ID.fullmatch(value):
        return int(value)
    return None
