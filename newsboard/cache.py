"""Django's Redis cache, where an unreachable Redis is a cache miss, not an error.

The cache only saves work (rendered pages, board anchors), so when Redis is
down the site renders pages again instead of answering 500.
"""

import logging
from functools import wraps

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

_FALLBACKS = {
    "get": lambda *a, default=None, **k: default if len(a) < 2 else a[1],
    "get_many": lambda *a, **k: {},
    "has_key": lambda *a, **k: False,
    "add": lambda *a, **k: False,
    "touch": lambda *a, **k: False,
    "delete": lambda *a, **k: False,
}


def _tolerant(name):
    method = getattr(RedisCache, name)
    fallback = _FALLBACKS.get(name, lambda *a, **k: None)

    @wraps(method)
    def call(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except RedisError as exc:
            log.warning("cache unavailable (%s): %s", name, exc)
            return fallback(*args, **kwargs)

    return call


class ResilientRedisCache(RedisCache):
    pass


for _name in (
    "get",
    "get_many",
    "set",
    "set_many",
    "add",
    "touch",
    "delete",
    "delete_many",
    "has_key",
    "clear",
    "incr",
):
    setattr(ResilientRedisCache, _name, _tolerant(_name))
