"""On a third party's driver with one rule broken, the suite fails through the driver interface alone."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FEATURES = ["features/test_scenarios_rollout_strategies.py", "features/test_scenarios_rolling_update.py"]


def _run(driver: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "tests" / "thirdparty"), str(ROOT)])}
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=", "--strict-markers", "--driver", driver, *FEATURES]
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def test_a_driver_with_a_broken_surge_rule_fails_the_rollout_scenarios():
    """On `--driver acme_driver:AcmeDriver` (maxSurge exceeded by one), rollout scenarios fail."""
    res = _run("acme_driver:AcmeDriver")
    assert res.returncode == 1, res.stdout[-3000:] + res.stderr[-2000:]
    assert " failed" in res.stdout or " error" in res.stdout


def test_the_same_wrapper_without_the_bug_passes():
    """On the faithful wrapper, the same scenarios pass: the failure above is the rule's."""
    res = _run("acme_driver:FaithfulAcmeDriver")
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-2000:]
