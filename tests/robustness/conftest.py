"""Robustness tests: shared helpers and the summary table printed at the end of every pytest run.

Tests call `record(section, category, tried, clean)`; the numbers go to a JSON-lines file (so pytest-xdist
workers can add theirs) and `pytest_terminal_summary` prints one table: the category of bad input, how many
were tried, how many were handled cleanly (exit 1, a message naming the file, no traceback, state intact),
then the fuzzing and kill-test counts.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import defaultdict
from pathlib import Path

_ENV = "KUBESIM_ROBUSTNESS_STATS"


def pytest_configure(config):
    if not hasattr(config, "workerinput") and _ENV not in os.environ:
        fd, path = tempfile.mkstemp(prefix="kubesim-robustness-", suffix=".jsonl")
        os.close(fd)
        os.environ[_ENV] = path
        config._kubesim_robustness_stats = path


def record(section: str, category: str, tried: int, clean: int) -> None:
    """Add a row's counts (summed per section and category in the final table)."""
    path = os.environ.get(_ENV)
    if not path:
        return
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps([section, category, tried, clean]) + "\n")


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    path = getattr(config, "_kubesim_robustness_stats", None)
    if not path or not os.path.exists(path):
        return
    totals: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        section, category, tried, clean = json.loads(line)
        totals[(section, category)][0] += tried
        totals[(section, category)][1] += clean
    os.unlink(path)
    os.environ.pop(_ENV, None)
    if not totals:
        return
    tr = terminalreporter
    tr.write_sep("=", "kubesim robustness")
    width = max(len(c) for _, c in totals) + 2
    for section in ("bad input", "fuzzing", "state file"):
        rows = sorted((c, t) for (s, c), t in totals.items() if s == section)
        if not rows:
            continue
        head = {"bad input": "handled cleanly", "fuzzing": "no foreign exception", "state file": "state intact"}[section]
        tr.write_line(f"{section:<{width}}{'tried':>8}  {head}")
        for category, (tried, clean) in rows:
            flag = "" if tried == clean else "   <-- NOT ALL"
            tr.write_line(f"  {category:<{width - 2}}{tried:>8}  {clean}{flag}")
        if section == "bad input":
            tried = sum(t for _, (t, _) in rows)
            clean = sum(c for _, (_, c) in rows)
            tr.write_line(f"  {'total':<{width - 2}}{tried:>8}  {clean}")
