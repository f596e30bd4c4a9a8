"""The cache as an accelerator only: with Redis unreachable, a read misses and a write is
dropped, and the caller builds the answer from PostGIS instead of failing.

Use it where a cached value can always be computed again (tiles, counts, rendered
results); never for state that must be shared, such as rate limits or locks.
"""

import logging
from typing import Any

from django.core.cache import cache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


def soft_get(key: str, default: Any = None) -> Any:
    try:
        return cache.get(key, default)
    except RedisError as exc:
        logger.warning("cache read skipped, the cache is unavailable: %s", exc)
        return default


def soft_set(key: str, value: Any, timeout: float | None) -> None:
    try:
        cache.set(key, value, timeout)
    except RedisError as exc:
        logger.warning("cache write skipped, the cache is unavailable: %s", exc)
