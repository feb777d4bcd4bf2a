"""Traces of the rollout and rollback scenarios, recorded once per test session (see trace_scenarios)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import trace_scenarios  # noqa: E402


@pytest.fixture(scope="session")
def traces(tmp_path_factory):
    """name -> path of the scenario's trace, recorded on first use."""
    folder = tmp_path_factory.mktemp("traces")
    cache: dict[str, Path] = {}

    def get(scenario) -> Path:
        if scenario.__name__ not in cache:
            cache[scenario.__name__] = trace_scenarios.record(scenario, folder / f"{scenario.__name__}.jsonl")
        return cache[scenario.__name__]

    return get


