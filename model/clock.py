"""Logical time: an int of milliseconds since the cluster started, and its API rendering.

Nothing here reads a wall clock. Timestamps in API objects have one-second resolution,
as `metav1.Time` serialises them; the model keeps milliseconds so that "strictly after"
boundaries (e.g. `IsPodAvailable`) can be honoured by a 1 ms step.
"""

from __future__ import annotations

import datetime as _dt
from functools import lru_cache

MS = 1
SECOND = 1000
#: t=0 of every simulated cluster, in Unix seconds (2026-01-01T00:00:00Z).
DEFAULT_EPOCH = 1767225600


@lru_cache(maxsize=65536)
def rfc3339(epoch: int, now_ms: int) -> str:
    """Render logical time `now_ms` as the RFC 3339 second-resolution timestamp the API uses."""
    secs = epoch + now_ms // 1000
    stamp = _dt.datetime.fromtimestamp(secs, _dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    if len(_RENDERED) >= 65536:
        _RENDERED.clear()
    _RENDERED[(epoch, stamp)] = now_ms - now_ms % 1000
    return stamp


#: (epoch, stamp) -> logical ms of the stamps `rfc3339` rendered: `parse_ms` of them without `strptime`.
_RENDERED: dict[tuple, int] = {}


@lru_cache(maxsize=65536)
def parse_ms(epoch: int, stamp: str | None) -> int | None:
    """Return the logical time (ms) of an API timestamp, or None for a null one."""
    if not stamp:
        return None
    known = _RENDERED.get((epoch, stamp))
    if known is not None:
        return known
    dt = _dt.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=_dt.timezone.utc)
    return (int(dt.timestamp()) - epoch) * 1000


def format_duration(ms: int) -> str:
    """Render a logical duration for people: ``12s``, ``1.5s``, ``3m20s``."""
    if ms % 1000:
        return f"{ms / 1000:g}s"
    s = ms // 1000
    if s < 60:
        return f"{s}s"
    m, s = divmod(s, 60)
    return f"{m}m{s}s" if s else f"{m}m"


def parse_duration(text: str) -> int:
    """Parse ``10s``, ``1.5s``, ``2m``, ``250ms``, ``1h`` or a bare number of seconds into ms."""
    t = text.strip()
    units = (("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000))
    total, num = 0, ""
    i = 0
    if t and all(c.isdigit() or c == "." for c in t):
        return round(float(t) * 1000)
    while i < len(t):
        c = t[i]
        if c.isdigit() or c == ".":
            num += c
            i += 1
            continue
        for suffix, factor in units:
            if t.startswith(suffix, i) and num:
                total += round(float(num) * factor)
                num = ""
                i += len(suffix)
                break
        else:
            raise ValueError(f"invalid duration {text!r}")
    if num or not t:
        raise ValueError(f"invalid duration {text!r}")
    return total
