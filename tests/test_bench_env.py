"""`bench.run` runs the test suite and `make cluster-up/down` with the interpreter it runs under.

From a fresh clone, `.venv/bin/python -m bench.run --cluster` without an activated virtualenv timed a test
suite whose CLI tests could not find `kubesim` (16 failed), and `make cluster-up` built with the system
Python, which has no `kubesim` package: the cluster rows were skipped.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _bench_run():
    spec = importlib.util.spec_from_file_location("kubesim_bench_run", ROOT / "bench" / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_tools_run_with_this_interpreter_first_on_path(monkeypatch):
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    env = _bench_run().tool_env()
    first = env["PATH"].split(os.pathsep)[0]
    assert first == os.path.dirname(sys.executable)
    found = subprocess.run(["sh", "-c", "command -v python3 || command -v python"], env=env, capture_output=True, text=True)
    assert os.path.dirname(found.stdout.strip()) == first  # the same scripts folder the benchmark's Python lives in
    assert env["PATH"].endswith("/usr/bin:/bin")


def test_the_reference_workload_is_fixed_work_timed_in_a_fresh_interpreter():
    """The machine-speed reference does the same work every run (200,000 writes over 5,000 keys; once all keys
    exist, from the 5,001st write on, every lookup hits), and its timing in a fresh interpreter is a positive
    number of seconds."""
    bench = _bench_run()
    namespace: dict = {}
    code = bench.REFERENCE.split("best = float")[0]
    exec(code, namespace)  # noqa: S102 - the bench's own constant
    size, hits = namespace["work"]()
    assert (size, hits) == namespace["work"]() and size == 5000 and 195_000 <= hits < 200_000
    seconds = bench.reference_seconds()
    assert seconds is not None and seconds > 0
