"""A version per map layer, part of every cached tile's key: bump it and old tiles are gone.

The version lives in the cache itself. A missing version (a flushed or evicted
cache) is replaced by a new unique one, never by an old number, so a stale
tile can never be served under it.
"""

import logging
import time

from django.core.cache import cache
from django.db import transaction
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

_KEY = "tiles:version:{layer}"


def _fresh() -> str:
    return f"{time.time_ns():x}"


def layer_version(layer: str) -> str | None:
    """The layer's version; None when the cache is unreachable (nothing can be cached)."""
    key = _KEY.format(layer=layer)
    try:
        version = cache.get(key)
        if version is None:
            cache.add(key, _fresh(), timeout=None)
            version = cache.get(key)
    except RedisError as exc:
        logger.warning("tile version of %s unknown, the cache is unavailable: %s", layer, exc)
        return None
    return version


def bump_layer_version(layer: str) -> None:
    """Call inside the transaction that changed the layer's data: applied once it commits.

    With the cache unreachable the change still commits; tiles cached before the outage
    stay until they expire (TILE_CACHE_SECONDS)."""
    transaction.on_commit(lambda: _bump(layer))


def _bump(layer: str) -> None:
    try:
        cache.set(_KEY.format(layer=layer), _fresh(), timeout=None)
    except RedisError as exc:
        logger.error("tile version of %s not bumped, the cache is unavailable: %s", layer, exc)


def forget_all_tiles() -> None:
    """Every tiled layer's version bumped at commit: for a change that touches them all, such
    as an embargo set, lifted or ended (cached tiles hold only public rows)."""
    from cities.layers import tiled_layers  # cities.layers is above this module

    for layer in tiled_layers():
        bump_layer_version(layer)
