"""On the example third-party driver (examples/mydriver.py), the suite fails through the driver interface alone."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FEATURES = ["features/test_scenarios_configmap.py"]


def _run(driver: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "examples"), str(ROOT)])}
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=", "--strict-markers", "--driver", driver, *FEATURES]
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def test_a_driver_that_reads_env_live_fails_the_configmap_scenarios():
    """On `--driver mydriver:Buggy` (exec shows the ConfigMap's current values), C23/C24 scenarios fail."""
    res = _run("mydriver:Buggy")
    assert res.returncode == 1, res.stdout[-3000:] + res.stderr[-2000:]
    assert "test_updating_the_configmap_leaves_the_environment_of_running_pods_unchanged" in res.stdout  # named only when it fails


def test_the_same_wrapper_without_the_bug_passes():
    """On the honest wrapper, the same scenarios pass: the failure above is the rule's."""
    res = _run("mydriver:Honest")
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-2000:]


def test_a_driver_that_cannot_be_loaded_stops_pytest_before_any_test():
    """On `--driver nosuch:Driver`, pytest stops with a usage error (exit 4) naming the module."""
    res = _run("nosuch:Driver")
    assert res.returncode == 4, res.stdout[-2000:] + res.stderr[-2000:]
    assert "nosuch" in res.stderr and "Traceback" not in res.stderr
