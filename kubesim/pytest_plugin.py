"""kubesim's pytest plugin: the system under test, the scenario tags, and the mutants.

Installed with kubesim (the ``pytest11`` entry point), so any pytest run in that
environment can run kubesim's scenarios against a chosen driver::

    python -m pytest --pyargs kubesim.features --driver mypackage.mydriver:MyDriver

Options (``--kubesim-driver`` and friends always exist; the short names are added too
unless another plugin already took them):

* ``--driver`` picks the system under test (``model``, ``cluster`` or ``package.module:Class``);
* ``--kube-context`` is passed to drivers that talk to a real cluster;
* ``--mutant NAME`` runs every test with the model broken as `kubesim.mutants` names it;
* ``--rerun-log FILE`` keeps why each attempt that pytest-rerunfailures reran failed (its
  JUnit report keeps nothing of it), a JSON line per attempt.

The `driver` fixture starts a fresh driver for each test that asks for it and stops it
afterwards, also when the test fails. Scenarios tagged ``@needs_<capability>`` are skipped,
with the reason, on drivers that lack the capability. The step definitions
(`kubesim.steps`) are registered here, so the feature files bind wherever pytest finds them.
"""

from __future__ import annotations

import contextlib
import json
import re
import warnings
from pathlib import Path

import pytest

from kubesim.driver import load_driver
from kubesim.report.claims import CLAIMS

pytest.register_assert_rewrite("kubesim.steps")

pytest_plugins = [
    "kubesim.steps.common",
    "kubesim.steps.kubectl",
    "kubesim.steps.replicaset",
    "kubesim.steps.service",
    "kubesim.steps.deployment",
    "kubesim.steps.configmap",
]

#: Tags that are not claim ids, with what they mean.
TAGS = {
    "erratum": "the article differs from today's Kubernetes; the scenario shows both",
    "needs_time": "needs a driver that moves logical time precisely (capability 'time')",
    "needs_faults": "needs a driver that can crash containers or force readiness (capability 'faults')",
    "needs_images": "needs a driver that can declare image behaviour (capability 'images')",
    "needs_kubelet": "needs nodes that run real containers: exec env/files, ConfigMap errors (capability 'kubelet'; KWOK nodes run none)",
    "model_only": "checks something only the embedded model can show",
    "rollout": "a rolling update; the report charts its timeline",
    "outline": "a table of cases (Scenario Outline)",
    "zh": "the article's story in its own language",
}

#: Scenarios whose every observed state is checked against `kubesim.invariants` while they
#: run (rolling updates and rollbacks), on whatever driver runs them.
MONITORED = ("rollout", "C16", "C17")

#: Invariants that compare one kind's write with another kind's state at that instant.
#: The model shows every state exactly; a real cluster's watches deliver kinds separately
#: (the API has no cross-kind snapshot), so on other drivers these are left out.
EXACT_SNAPSHOT_INVARIANTS = ("endpoints_list_ready_serving_pods", "replicaset_status_counts_its_pods")

#: `@needs_<capability>` tag -> the driver capability it requires.
NEEDS = {"needs_time": "time", "needs_faults": "faults", "needs_images": "images", "needs_kubelet": "kubelet"}

#: option dest -> (long names, default, help)
OPTIONS = {
    "kubesim_driver": ("driver", "model", "system under test: model (default), cluster, or package.module:Class"),
    "kubesim_kube_context": ("kube-context", None, "kubeconfig context for drivers that reach a real cluster"),
    "kubesim_mutant": ("mutant", None, "run every test with this broken model variant (kubesim.mutants.MUTANTS)"),
    "kubesim_trace_dir": ("trace-dir", None, "record the trace of every rollout/rollback scenario into this folder and check it against the model (kubesim.trace)"),
    "kubesim_rerun_log": ("rerun-log", None, "append a JSON line (test, phase, attempt, message) to this file for every failed attempt pytest-rerunfailures reruns"),
    "kubesim_trace_check": ("trace-check", "fail", "with --trace-dir: 'fail' fails a scenario whose trace no model run produces; 'report' only writes the verdict to summary.txt"),
}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("kubesim", "kubesim: the system under test")
    for dest, (name, default, text) in OPTIONS.items():
        try:
            group.addoption(f"--{name}", f"--kubesim-{name}", dest=dest, default=default, help=text)
        except ValueError:  # another plugin owns the short name (pytest-selenium has --driver)
            group.addoption(f"--kubesim-{name}", dest=dest, default=default, help=text)


def pytest_configure(config: pytest.Config) -> None:
    for claim, text in CLAIMS.items():
        config.addinivalue_line("markers", f"{claim}: the article's claim {claim}: {text}")
    for tag, text in TAGS.items():
        config.addinivalue_line("markers", f"{tag}: {text}")
    spec = config.getoption("kubesim_driver")
    if spec != "model":  # a chosen driver is loaded once now, so a wrong one fails before any test runs
        from kubesim.driver import DriverLoadError

        try:
            load_driver(spec, **_driver_options(config))
        except DriverLoadError as err:
            raise pytest.UsageError(str(err)) from None
    rerun_log = config.getoption("kubesim_rerun_log")
    if rerun_log and not hasattr(config, "workerinput"):  # under xdist the controller sees every worker's reports
        config.pluginmanager.register(RerunLog(Path(rerun_log)), "kubesim-rerun-log")
    name = config.getoption("kubesim_mutant")
    if name:
        from kubesim.mutants import MUTANTS

        if name not in MUTANTS:
            raise pytest.UsageError(f"Unknown mutant {name!r}; known: {', '.join(sorted(MUTANTS))}.")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem):
    """Run the whole test (setup, call, teardown) inside the chosen mutant, if any."""
    name = item.config.getoption("kubesim_mutant")
    if not name:
        return (yield)
    from kubesim.mutants import mutant

    with mutant(name):
        return (yield)


class RerunLog:
    """Append why each attempt that pytest-rerunfailures reruns failed to a file, a JSON line each: ``{"test":
    node id, "when": setup|call|teardown, "attempt": 1, 2, ..., "message": the failure's message}``."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.outcome != "rerun":  # the outcome pytest-rerunfailures gives an attempt it runs again
            return
        crash = getattr(report.longrepr, "reprcrash", None)
        message = getattr(crash, "message", None) or (report.longreprtext.strip().splitlines() or [""])[-1]
        entry = {"test": report.nodeid, "when": report.when, "attempt": getattr(report, "rerun", 0) + 1, "message": message}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a", encoding="utf-8") as log:
            log.write(json.dumps(entry, ensure_ascii=False) + "\n")


def _driver_options(config: pytest.Config) -> dict:
    context = config.getoption("kubesim_kube_context")
    return {"context": context} if context else {}


@pytest.fixture
def driver(request: pytest.FixtureRequest):
    """A started driver on a fresh namespace; skips tests whose `@needs_*` tags it cannot serve."""
    from kubesim.invariants import InvariantMonitor

    spec = request.config.getoption("kubesim_driver")
    drv = load_driver(spec, **_driver_options(request.config))
    for tag, capability in NEEDS.items():
        if request.node.get_closest_marker(tag) and capability not in drv.capabilities:
            pytest.skip(f"@{tag}: the {drv.name} driver lacks the {capability!r} capability.")
    if request.node.get_closest_marker("model_only") and drv.name != "model":
        pytest.skip(f"@model_only: this scenario checks the embedded model; the {drv.name} driver is not it.")
    monitor = None
    trace = None
    try:
        drv.start()
        monitored = any(request.node.get_closest_marker(tag) for tag in MONITORED)
        if monitored:
            skip = () if drv.name == "model" else EXACT_SNAPSHOT_INVARIANTS
            monitor = InvariantMonitor(drv, env="kubelet" in drv.capabilities and drv.name == "model", raise_on_violation=False, skip=skip).start()
        trace_dir = request.config.getoption("kubesim_trace_dir")
        if monitored and trace_dir:
            # pytest-rerunfailures counts attempts from 1 (`execution_count`): each attempt gets its own file
            attempt = getattr(request.node, "execution_count", 1)
            trace = _TraceRun(drv, Path(trace_dir), request.node.name, fail=request.config.getoption("kubesim_trace_check") != "report", attempt=attempt)
        yield drv
        if monitor is not None:
            monitor.stop()
            assert not monitor.violations, "Invariants violated during the scenario (checked live, every observed state):\n" + "\n".join(
                str(v) for v in monitor.violations[:10]
            )
        if trace is not None:
            trace.check()
    finally:
        if monitor is not None:
            monitor.stop()
        if trace is not None:
            trace.close()
        with contextlib.suppress(Exception):
            drv.stop()


def trace_file_name(test_name: str, attempt: int = 1) -> str:
    """The trace file of one attempt of a scenario: a rerun (attempt 2, ...) writes its own file,
    so the first attempt's trace stays as it was recorded."""
    stem = re.sub(r"[^\w.-]+", "_", test_name)[:150]
    return f"{stem}.jsonl" if attempt <= 1 else f"{stem}.attempt{attempt}.jsonl"


class _TraceRun:
    """The trace of one scenario (`kubesim.trace`): recorded while it runs, checked against the model after it."""

    def __init__(self, drv, folder: Path, test_name: str, fail: bool = True, attempt: int = 1) -> None:
        from kubesim.trace import DriverRecorder

        self.fail = fail
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / trace_file_name(test_name, attempt)
        self._file = open(self.path, "w", encoding="utf-8")
        self._recorder = DriverRecorder(drv, self._file)

    def close(self) -> None:
        if not self._file.closed:
            self._recorder.close()
            self._file.close()

    def check(self) -> None:
        """Fail the scenario if no model run produces the trace; an undecided search (bound hit) is a warning."""
        from kubesim.trace import Bounds, check_trace

        self.close()
        result = check_trace(str(self.path), Bounds(max_seconds=300))  # real-node traces take up to ~2 s (2 December 2026); the bound is a backstop
        line = f"{self.path.name}: {result.verdict} ({self.path.stat().st_size} bytes, {result.changes} changes, {result.states} states, {result.seconds:.2f} s)"
        with open(self.path.parent / "summary.txt", "a", encoding="utf-8") as summary:
            summary.write(line + "\n")
        if self.fail:
            assert result.verdict != "invalid", f"The recorded trace {self.path} is not a behaviour of the model:\n{result.message}"
        if result.verdict == "bound":
            warnings.warn(f"trace check undecided: {line}: {result.message}", stacklevel=1)
