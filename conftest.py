"""Root pytest configuration of the repository.

Everything the scenarios need (options, markers, the `driver` fixture, the step
definitions) is kubesim's pytest plugin, `kubesim/pytest_plugin.py`, which the install
registers; this file only makes sure it is loaded in a checkout whose install predates it.
"""

from __future__ import annotations

import pytest


def pytest_configure(config) -> None:
    if not config.pluginmanager.has_plugin("kubesim"):
        raise pytest.UsageError("kubesim's pytest plugin is not registered: run `pip install -e .` in this checkout first.")
