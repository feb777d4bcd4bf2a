"""The cluster driver deletes its namespace after a failure, a timeout and Ctrl-C.

These need a real cluster: `make conformance` runs them against the local control plane
(it sets KUBESIM_CLUSTER_CONTEXT); without one they are skipped with that reason.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
SCENARIOS = Path(__file__).with_name("cleanup_scenarios.py")


@pytest.fixture
def context() -> str:
    ctx = os.environ.get("KUBESIM_CLUSTER_CONTEXT")
    if not ctx:
        pytest.skip("needs a real cluster: `make conformance` runs this against the local control plane")
    return ctx


def _cmd(context: str, test: str) -> list[str]:
    return [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", "-o", "addopts=", "--driver", "cluster", "--kube-context", context, f"{SCENARIOS}::{test}"]


def _namespace(output: str) -> str:
    m = re.search(r"NAMESPACE=(kubesim-[0-9a-f]+)", output)
    assert m, f"the scenario did not print its namespace:\n{output[-2000:]}"
    return m.group(1)


def _assert_gone(context: str, namespace: str, timeout: float = 90.0) -> None:
    """The namespace is deleted: gone, or at least marked for deletion, within `timeout`."""
    from kubesim.drivers.cluster import ClusterDriver

    probe = ClusterDriver(kube_context=context)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if namespace not in probe.leftover_namespaces():
            return
        time.sleep(1)
    raise AssertionError(f"namespace {namespace} still exists {timeout:g}s after the scenario ended")


@pytest.mark.parametrize("test", ["test_fails", "test_times_out"])
def test_namespace_is_deleted_after_a_failing_scenario(context, test):
    res = subprocess.run(_cmd(context, test), cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert res.returncode == 1, res.stdout[-2000:]
    if test == "test_times_out":
        assert "did not settle within 3s" in res.stdout
    _assert_gone(context, _namespace(res.stdout))


def test_namespace_is_deleted_after_ctrl_c(context):
    proc = subprocess.Popen(_cmd(context, "test_interrupted"), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    out = ""
    deadline = time.monotonic() + 60
    while "NAMESPACE=" not in out and time.monotonic() < deadline:
        out += proc.stdout.readline()
    time.sleep(2)
    proc.send_signal(signal.SIGINT)
    rest, _ = proc.communicate(timeout=120)
    _assert_gone(context, _namespace(out + rest))
