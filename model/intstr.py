"""Int-or-percent values (`intstr.IntOrString`) and Go's rounding.

Mirrors apimachinery `intstr.GetScaledValueFromIntOrPercent` and `integer.RoundToInt32`.
"""

from __future__ import annotations

import math


def scaled_value(value: int | str | None, total: int, round_up: bool) -> int:
    """Resolve `value` (an int, or a percent string such as ``"25%"``) against `total`.

    A percentage rounds up (ceil) when `round_up`, down (floor) otherwise; an int is used
    as is. ``scaled_value("25%", 3, True) == 1``; ``scaled_value("25%", 3, False) == 0``.
    """
    if value is None:
        return 0
    if isinstance(value, int):
        return value
    pct = int(value[:-1])
    if round_up:
        return -((-pct * total) // 100)
    return (pct * total) // 100


def round_half_away(x: float) -> int:
    """Round like Go's `math.Round` (half away from zero), never Python's banker's `round`."""
    return int(math.floor(x + 0.5)) if x >= 0 else -int(math.floor(-x + 0.5))
