"""The persistent map the state is built from, behind two helpers.

`immutables.Map` is a hash array mapped trie in C: `set`/`delete` return a new map in
O(log n) and share everything else, so a controller step never copies the whole state.
"""

from __future__ import annotations

from typing import Any, Iterable

from immutables import Map

EMPTY: Map = Map()


def pmap(items: Iterable[tuple[Any, Any]] | dict | None = None) -> Map:
    """Return a persistent map holding `items`."""
    if not items:
        return EMPTY
    return Map(items)


def set_in(outer: Map, key: Any, inner_key: Any, value: Any) -> Map:
    """Return `outer` with `outer[key][inner_key] = value` (a map of maps)."""
    return outer.set(key, outer.get(key, EMPTY).set(inner_key, value))


def delete_in(outer: Map, key: Any, inner_key: Any) -> Map:
    """Return `outer` without `outer[key][inner_key]`; drop `key` when its map empties."""
    inner = outer.get(key)
    if inner is None or inner_key not in inner:
        return outer
    inner = inner.delete(inner_key)
    return outer.set(key, inner) if len(inner) else outer.delete(key)


def interner(limit: int = 16384):
    """A function returning its argument, or the equal value it returned before, so equal immutable values
    (many pods hold equal parts) are kept once. At `limit` values the table starts afresh; only sharing is
    lost. A hit must also have the same type (``1 == 1.0 == True``)."""
    table: dict = {}

    def share(value):
        hit = table.get(value)
        if hit is not None and type(hit) is type(value):
            return hit
        if len(table) >= limit:
            table.clear()
        table[value] = value
        return value

    return share


__all__ = ["Map", "EMPTY", "pmap", "set_in", "delete_in", "interner"]
