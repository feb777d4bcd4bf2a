"""Hypothesis profiles for the stateful tests (defined with the machine, in `kubesim.stateful`).

``KUBESIM_PROFILE=ci`` (the default): derandomized, so CI runs the same examples every
time, and fast (a few seconds). ``KUBESIM_PROFILE=thorough``: 20x the examples, longer
runs, a fresh random seed each time; spread it over every core with
``KUBESIM_PROFILE=thorough python -m pytest tests/stateful -n auto`` (the thorough
machine test is split into `THOROUGH_SHARDS` independent tests for that).
"""

from __future__ import annotations

import os

from kubesim.stateful import PROFILES, profile_settings as _profile_settings

PROFILE_NAME = os.environ.get("KUBESIM_PROFILE", "ci")
if PROFILE_NAME not in PROFILES:
    raise ValueError(f"Unknown KUBESIM_PROFILE {PROFILE_NAME!r}; use one of {', '.join(PROFILES)}.")
#: The thorough machine test runs as this many tests, each with a share of the examples.
THOROUGH_SHARDS = 8


def profile_settings(**overrides):
    """The selected profile as Hypothesis settings."""
    return _profile_settings(PROFILE_NAME, **overrides)
