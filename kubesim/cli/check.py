"""`kubesim check`: run the scenarios and the stateful properties, summarise per claim, write the report.

The scenario runner and the report live in `kubesim.report` (`run_scenarios`,
`render_report`, `claims_summary`); they are imported only when `check` runs, so the rest
of the command line works without them.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Callable

from .tabwriter import layout


class _Spinner:
    """A spinner with the elapsed time on stderr, only when stderr is a terminal."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.active = sys.stderr.isatty()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        start = time.monotonic()
        for ch in itertools.cycle("|/-\\"):
            if self._stop.wait(0.2):
                break
            sys.stderr.write(f"\r{ch} {self.label} ({time.monotonic() - start:.0f}s)")
            sys.stderr.flush()
        sys.stderr.write("\r\033[K")
        sys.stderr.flush()

    def __enter__(self) -> "_Spinner":
        if self.active:
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        if self.active:
            self._stop.set()
            self._thread.join()


def run_check(driver: str, report_dir: Path, *, stateful: bool = True, out: Callable[[str], None] = print, err: Callable[[str], None] = print) -> int:
    """Run everything against `driver`; return 0 only if nothing failed."""
    try:
        from .. import report  # noqa: F401  (kubesim.report is written alongside)
        from ..report import claims_summary, render_report, run_scenarios
    except ImportError as e:
        err(f"error: kubesim check needs kubesim.report (run_scenarios, render_report, claims_summary), which is not available: {e}")
        return 2
    report_dir.mkdir(parents=True, exist_ok=True)
    json_out = report_dir / "cucumber.json"
    timeline_dir = report_dir / "timelines"
    timeline_dir.mkdir(parents=True, exist_ok=True)
    err(f"Running the scenarios against the {driver} driver...")
    with _Spinner("scenarios"):
        scen_code = run_scenarios(driver=driver, json_out=json_out, timeline_dir=timeline_dir)
    stateful_code = 0
    if stateful:
        tests = Path.cwd() / "tests" / "stateful"
        if tests.exists():
            err("Running the stateful properties (python -m pytest tests/stateful -q)...")
            with _Spinner("stateful properties"):
                proc = subprocess.run([sys.executable, "-m", "pytest", str(tests), "-q"], capture_output=True, text=True)
            stateful_code = proc.returncode
            last = [line for line in proc.stdout.splitlines() if line.strip()][-1:] or ["(no output)"]
            out(f"stateful properties: {last[0]}")
            if stateful_code not in (0, 5):
                err(proc.stdout[-4000:])
            elif stateful_code == 5:
                stateful_code = 0
        else:
            err(f"note: no stateful properties found at {tests}; run check from the repository root to include them.")
    rows = [["CLAIM", "SCENARIOS", "PASSED", "FAILED", "SKIPPED"]]
    failed_total = 0
    for claim, scenarios, passed, failed, skipped in claims_summary(json_out):
        rows.append([str(claim), str(scenarios), str(passed), str(failed), str(skipped)])
        failed_total += failed
    out(layout(rows, padding=3))
    path = render_report(json_out, timeline_dir, report_dir)
    out(f"report: {path}")
    return 1 if (scen_code or stateful_code or failed_total) else 0
