"""The few cache operations the hot paths (progress reports, lesson pages) need, in as few
round trips as possible.

Django's Redis cache makes a new client object for every call and offers no pipelines: a
progress report asked Redis three times (throttle add, incr, the session) and spent about a
millisecond of CPU on the clients alone. ``KeptClientRedisCache`` keeps its clients, and a
report's throttle count and the versions and flags it reads come back in one round trip.

Keys are made with the cache's own ``make_key``, so they carry ``ELEARN_CACHE_KEY_PREFIX`` and
Django's cache reads and deletes them as usual (integers are stored as plain integers by
both). Without Redis (tests, the embedded default) the same functions go through Django's
cache API.

``shared()`` says whether the cache is one for every web process (Redis): caches kept inside a
process are only trusted when a change made in another process can reach them through it.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache, RedisCacheClient


def shared() -> bool:
    """Whether every web process sees the same cache (ELEARN_CACHE_SHARED; on with Redis)."""
    return settings.ELEARN_CACHE_SHARED


class _KeptClientRedisCacheClient(RedisCacheClient):
    """Django's Redis client, keeping one ``redis.Redis`` per connection pool instead of
    making a new one (and its table of response callbacks) for every call."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(
                connection_pool=self._get_connection_pool(write)
            )
        return client


class KeptClientRedisCache(RedisCache):
    """The cache backend for Redis (``CACHES`` with ``REDIS_URL``): Django's, with its clients
    kept (sessions and the throttle ask Redis on every request)."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _KeptClientRedisCacheClient


def _redis():
    """The Redis client of the default cache (thread-safe: it holds a connection pool), or
    None when the cache is not Redis."""
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        return None
    return backend._cache.get_client(write=True)


def count_and_read(counter: str, window: int, keys: list[str]) -> tuple[int, list]:
    """Add one to ``counter`` (which expires ``window`` seconds after its first hit) and read
    ``keys``, in one round trip with Redis. Returns (the new count, the keys' values)."""
    client = _redis()
    if client is None:
        cache.add(counter, 0, timeout=window)
        try:
            count = cache.incr(counter)
        except ValueError:  # expired between add and incr
            cache.set(counter, 1, timeout=window)
            count = 1
        found = cache.get_many(keys) if keys else {}
        return count, [found.get(key) for key in keys]
    raw_counter = cache.make_and_validate_key(counter)
    pipe = client.pipeline(transaction=False)
    pipe.set(raw_counter, 0, ex=window, nx=True)
    pipe.incr(raw_counter)
    if keys:
        pipe.mget([cache.make_and_validate_key(key) for key in keys])
    results = pipe.execute()
    values = [_decode(v) for v in results[2]] if keys else []
    return results[1], values


def _decode(value):
    """A value as Django's cache would return it: integers stay integers (that is all these
    functions write); anything else through the cache's own serializer."""
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return caches["default"]._cache._serializer.loads(value)


def bump(key: str) -> None:
    """Add one to a version counter that never expires (made at 1 when missing)."""
    client = _redis()
    if client is not None:
        client.incr(cache.make_and_validate_key(key))
        return
    if not cache.add(key, 1, timeout=None):
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, timeout=None)
