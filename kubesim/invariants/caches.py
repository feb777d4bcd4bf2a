"""The id()-keyed caches that spare the readers and views repeated work on the same (never modified) API objects.

Each is made by `id_cache`; `clear_caches` empties them all (they only speed up repeated reads)."""

from __future__ import annotations




_ALL: list[dict] = []


def id_cache() -> dict:
    """Return a new cache keyed by `id(obj)`; each entry holds `obj` itself, so its id cannot be reused while it lives."""
    cache: dict = {}
    _ALL.append(cache)
    return cache


def clear_caches() -> None:
    """Empty the per-object caches (template keys, env plans, views, ...): they only speed up repeated reads."""
    for cache in _ALL:
        cache.clear()
