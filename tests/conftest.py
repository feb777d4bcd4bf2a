"""The tests of the repository.

`install/` builds the wheel and installs it, with its dependencies, in a fresh virtualenv
(minutes), so the default run leaves it out; CI runs it by name:
``python -m pytest tests/install``.
"""

collect_ignore = ["install"]


def pytest_configure(config):
    """Under pytest-xdist (the default run: `-n auto` in pyproject.toml) the controller collects
    nothing, so it never loads tests/robustness/conftest.py, whose hooks gather the workers' counts
    and print the robustness table at the end: register that module on the controller too (a run
    in one process, `-n 0`, loads it as it collects)."""
    if getattr(config.option, "numprocesses", None) and not hasattr(config, "workerinput"):
        import importlib

        module = importlib.import_module("robustness.conftest")
        if not config.pluginmanager.is_registered(module):
            config.pluginmanager.register(module, "kubesim-robustness-table")
