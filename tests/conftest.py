"""The tests of the repository.

`install/` builds the wheel and installs it, with its dependencies, in a fresh virtualenv
(minutes), so the default run leaves it out; CI runs it by name:
``python -m pytest tests/install``.
"""

collect_ignore = ["install"]
