"""Root pytest configuration: the system under test, mutants, and the scenario tags.

Options:

* ``--driver`` picks the system under test (``model``, ``cluster`` or ``package.module:Class``);
* ``--kube-context`` is passed to drivers that talk to a real cluster;
* ``--mutant NAME`` runs every test with the model broken as `kubesim.mutants` names it.

The `driver` fixture starts a fresh driver for each test that asks for it and stops it
afterwards, also when the test fails. Scenarios tagged ``@needs_<capability>`` are skipped,
with the reason, on drivers that lack the capability.
"""

from __future__ import annotations

import contextlib

import pytest

from kubesim.driver import load_driver
from kubesim.invariants import InvariantMonitor

pytest.register_assert_rewrite("steps")

pytest_plugins = [
    "steps.common",
    "steps.kubectl",
    "steps.replicaset",
    "steps.service",
    "steps.deployment",
    "steps.configmap",
]

CLAIMS = {f"C{n:02d}": f"checks the article's claim C{n:02d} (see features/README.md)" for n in range(1, 25)}

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


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("kubesim", "kubesim: the system under test")
    group.addoption("--driver", default="model", help="system under test: model (default), cluster, or package.module:Class")
    group.addoption("--kube-context", default=None, help="kubeconfig context for drivers that reach a real cluster")
    group.addoption("--mutant", default=None, help="run every test with this broken model variant (kubesim.mutants.MUTANTS)")


def pytest_configure(config: pytest.Config) -> None:
    for claim, text in CLAIMS.items():
        config.addinivalue_line("markers", f"{claim}: {text}")
    for tag, text in TAGS.items():
        config.addinivalue_line("markers", f"{tag}: {text}")
    name = config.getoption("--mutant", default=None)
    if name:
        from kubesim.mutants import MUTANTS

        if name not in MUTANTS:
            raise pytest.UsageError(f"Unknown mutant {name!r}; known: {', '.join(sorted(MUTANTS))}.")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem):
    """Run the whole test (setup, call, teardown) inside the chosen mutant, if any."""
    name = item.config.getoption("--mutant")
    if not name:
        return (yield)
    from kubesim.mutants import mutant

    with mutant(name):
        return (yield)


def _driver_options(config: pytest.Config) -> dict:
    context = config.getoption("--kube-context")
    return {"context": context} if context else {}


@pytest.fixture
def driver(request: pytest.FixtureRequest):
    """A started driver on a fresh namespace; skips tests whose `@needs_*` tags it cannot serve."""
    spec = request.config.getoption("--driver")
    drv = load_driver(spec, **_driver_options(request.config))
    for tag, capability in NEEDS.items():
        if request.node.get_closest_marker(tag) and capability not in drv.capabilities:
            pytest.skip(f"@{tag}: the {drv.name} driver lacks the {capability!r} capability.")
    if request.node.get_closest_marker("model_only") and drv.name != "model":
        pytest.skip(f"@model_only: this scenario checks the embedded model; the {drv.name} driver is not it.")
    monitor = None
    try:
        drv.start()
        if any(request.node.get_closest_marker(tag) for tag in MONITORED):
            skip = () if drv.name == "model" else EXACT_SNAPSHOT_INVARIANTS
            monitor = InvariantMonitor(drv, env="kubelet" in drv.capabilities and drv.name == "model", raise_on_violation=False, skip=skip).start()
        yield drv
        if monitor is not None:
            monitor.stop()
            assert not monitor.violations, "Invariants violated during the scenario (checked live, every observed state):\n" + "\n".join(
                str(v) for v in monitor.violations[:10]
            )
    finally:
        if monitor is not None:
            monitor.stop()
        with contextlib.suppress(Exception):
            drv.stop()
