"""Slowing down password guessing: after a few failed log-ins for one account, or many from
one address, log-ins are refused for a while, on the site and in the admin alike.

Failures are counted in the cache (Redis when configured, so all web processes share the
counts); a successful log-in clears the account's count.
"""

from __future__ import annotations

import hashlib
import math
import time

from django.conf import settings
from django.core.cache import cache


def _key(kind: str, value: str) -> str:
    # Hashed: user names may hold characters some caches refuse in keys.
    digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]
    return f"elearn:login:{kind}:{digest}"


def _client(request) -> str:
    return (request.META.get("REMOTE_ADDR") or "unknown") if request is not None else "unknown"


def _limits():
    return (
        ("user", settings.ELEARN_LOGIN_FAILURES_PER_ACCOUNT),
        ("address", settings.ELEARN_LOGIN_FAILURES_PER_ADDRESS),
    )


def _keys(request, username: str) -> dict[str, str]:
    return {"user": _key("user", username or ""), "address": _key("address", _client(request))}


def wait_seconds(request, username: str) -> int:
    """Seconds until this account (or this address) may try again; 0 when it may now."""
    keys = _keys(request, username)
    entries = cache.get_many(list(keys.values()))
    now = time.time()
    wait = 0.0
    for kind, limit in _limits():
        count, since = entries.get(keys[kind], (0, now))
        if count >= limit:
            wait = max(wait, since + settings.ELEARN_LOGIN_LOCKOUT_SECONDS - now)
    return max(0, math.ceil(wait))


def record_failure(request, username: str) -> None:
    """Count a failed log-in for the account and the address (window starts at the first)."""
    now = time.time()
    window = settings.ELEARN_LOGIN_LOCKOUT_SECONDS
    for key in _keys(request, username).values():
        count, since = cache.get(key, (0, now))
        if now - since > window:
            count, since = 0, now
        cache.set(key, (count + 1, since), timeout=window)


def record_success(request, username: str) -> None:
    cache.delete(_keys(request, username)["user"])
