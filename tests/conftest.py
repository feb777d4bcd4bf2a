"""The tests of the repository.

`install/` builds the wheel and installs it, with its dependencies, in a fresh virtualenv
(minutes), so the default run leaves it out; CI runs it by name:
``python -m pytest tests/install``.
"""

import os
import sys

collect_ignore = ["install"]


def pytest_configure(config):
    """The commands the tests run (`kubesim`, ...) are the ones installed beside the interpreter under test,
    found first on PATH: `.venv/bin/python -m pytest` without the virtualenv activated tests that
    virtualenv's `kubesim`, not another one on PATH (or none).

    Under pytest-xdist (the default run: `-n auto` in pyproject.toml) the controller collects
    nothing, so it never loads tests/robustness/conftest.py, whose hooks gather the workers' counts
    and print the robustness table at the end: register that module on the controller too (a run
    in one process, `-n 0`, loads it as it collects)."""
    scripts = os.path.dirname(sys.executable)
    path = os.environ.get("PATH", os.defpath)
    if path.split(os.pathsep)[0] != scripts:
        os.environ["PATH"] = os.pathsep.join([scripts, path])
    if getattr(config.option, "numprocesses", None) and not hasattr(config, "workerinput"):
        import importlib

        module = importlib.import_module("robustness.conftest")
        if not config.pluginmanager.is_registered(module):
            config.pluginmanager.register(module, "kubesim-robustness-table")
