"""`kubesim check`: run the scenarios and the stateful properties, summarise per claim, write the report.

The scenario runner and the report live in `kubesim.report` (`run_scenarios`,
`render_report`, `claims_summary`); they are imported only when `check` runs, so the rest
of the command line works without them.
"""

from __future__ import annotations

import itertools
import os
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


def run_check(driver: str, report_dir: Path, *, stateful: bool = True, kube_context: str | None = None,
              out: Callable[[str], None] = print, err: Callable[[str], None] = print) -> int:
    """Run everything against `driver`; return 0 only if nothing failed (2 if the driver cannot be loaded)."""
    from ..driver import DriverLoadError, load_driver
    from ..report import claims_summary, render_report, run_scenarios
    from ..report.claims import CLAIMS, CONTEXT_ONLY

    options = {"context": kube_context} if kube_context else {}
    if os.getcwd() not in sys.path:  # the user's folder is importable, as it is for `python -m pytest`
        sys.path.insert(0, os.getcwd())
    try:  # once, here, so a wrong --driver fails before anything runs
        name = load_driver(driver, **options).name
    except DriverLoadError as e:
        err(f"error: {e}")
        return 2
    report_dir.mkdir(parents=True, exist_ok=True)
    json_out = report_dir / "cucumber.json"
    timeline_dir = report_dir / "timelines"
    timeline_dir.mkdir(parents=True, exist_ok=True)
    err(f"Running the scenarios against the {name} driver ({driver})...")
    extra = (f"--kubesim-kube-context={kube_context}",) if kube_context else ()
    with _Spinner("scenarios"):
        scen_code = run_scenarios(driver=driver, json_out=json_out, timeline_dir=timeline_dir, extra_pytest_args=extra)
    stateful_code = run_stateful(name, out=out, err=err) if stateful else 0
    rows = [["CLAIM", "SCENARIOS", "PASSED", "FAILED", "SKIPPED", "THE ARTICLE SAYS"]]
    counts = {claim: rest for claim, *rest in claims_summary(json_out)}
    failed_total = 0
    for claim, text in CLAIMS.items():
        if claim in CONTEXT_ONLY and claim not in counts:
            rows.append([claim, "-", "-", "-", "-", text])
            continue
        scenarios, passed, failed, skipped = counts.get(claim, (0, 0, 0, 0))
        rows.append([claim, str(scenarios), str(passed), str(failed), str(skipped), text])
        failed_total += failed
    out(f"Scenarios on the {name} driver, per claim of the article ('-': context only, nothing to check):")
    out(layout(rows, padding=3))
    path = render_report(json_out, timeline_dir, report_dir)
    out(f"report: {path}")
    if scen_code not in (0, 5) and not failed_total:
        err(f"error: the scenario run ended with pytest exit code {scen_code} (see above).")
    return 1 if (scen_code not in (0, 5) or stateful_code or failed_total) else 0


def run_stateful(driver_name: str, *, out: Callable[[str], None] = print, err: Callable[[str], None] = print) -> int:
    """Run the stateful properties (`kubesim.stateful`, ``ci`` profile); return 0 if every invariant held.

    They choose which controller acts next (`m.enabled`), which only the embedded model
    offers, so they always run on it; the summary says so when `driver_name` is another.
    """
    from hypothesis.stateful import run_state_machine_as_test

    from ..stateful import PROFILES, ClusterMachine, profile_settings

    profile = PROFILES["ci"]
    where = "the embedded model" + ("" if driver_name == "model" else f" (they choose which controller acts next, which the {driver_name} driver does not offer)")
    err(f"Running the stateful properties on {where}...")
    with _Spinner("stateful properties"):
        try:
            run_state_machine_as_test(ClusterMachine, settings=profile_settings("ci"))
        except Exception as e:  # an invariant broke: the message carries the replayable script
            out(f"stateful properties on {where}: FAILED")
            err(f"{type(e).__name__}: {e}")
            return 1
    out(f"stateful properties on {where}: passed ({profile['max_examples']} runs of up to {profile['stateful_step_count']} steps, every invariant after every step)")
    return 0
