"""Hypothesis profiles for the stateful tests.

``KUBESIM_PROFILE=ci`` (the default): derandomized, so CI runs the same examples every
time, and fast (a few seconds). ``KUBESIM_PROFILE=thorough``: 20x the examples, longer
runs, a fresh random seed each time; spread it over every core with
``KUBESIM_PROFILE=thorough python -m pytest tests/stateful -n auto`` (the thorough
machine test is split into `THOROUGH_SHARDS` independent tests for that).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, Phase, settings

#: Examples and steps per example, per profile.
PROFILES = {
    "ci": {"max_examples": 100, "stateful_step_count": 20, "derandomize": True},
    "thorough": {"max_examples": 2000, "stateful_step_count": 30, "derandomize": False},
}
PROFILE_NAME = os.environ.get("KUBESIM_PROFILE", "ci")
if PROFILE_NAME not in PROFILES:
    raise ValueError(f"Unknown KUBESIM_PROFILE {PROFILE_NAME!r}; use one of {', '.join(PROFILES)}.")
#: The thorough machine test runs as this many tests, each with a share of the examples.
THOROUGH_SHARDS = 8


def profile_settings(**overrides) -> settings:
    """The selected profile as Hypothesis settings (Phase.explain is off: it traces every line and is ~10x slower)."""
    values = dict(
        deadline=None,
        database=None,
        print_blob=False,
        report_multiple_bugs=False,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
        phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
    )
    values.update(PROFILES[PROFILE_NAME])
    values.update(overrides)
    return settings(**values)
