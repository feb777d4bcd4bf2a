"""`--trace-dir` under pytest-rerunfailures (conformance reruns a scenario that failed on the
real cluster once): each attempt writes its own trace file and its own summary line, so the
rerun neither overwrites nor mixes into the first attempt's trace."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from kubesim.pytest_plugin import trace_file_name

TEST = '''
import pathlib

import pytest

ATTEMPTS = pathlib.Path({attempts!r})


@pytest.mark.rollout
def test_flaky(driver):
    n = int(ATTEMPTS.read_text()) if ATTEMPTS.exists() else 0
    ATTEMPTS.write_text(str(n + 1))
    driver.apply("""
apiVersion: v1
kind: ConfigMap
metadata:
  name: attempt-{{}}
data:
  k: v
""".format(n + 1))
    driver.settle(timeout=60)
    assert n >= 1, "the first attempt fails, the rerun passes"
'''


def test_a_rerun_records_its_own_trace_file(tmp_path):
    (tmp_path / "test_flaky.py").write_text(textwrap.dedent(TEST.format(attempts=str(tmp_path / "attempts"))))
    traces = tmp_path / "traces"
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "test_flaky.py", "-q", "-p", "no:cacheprovider", "--driver", "model",
         "--trace-dir", str(traces), "--trace-check", "fail", "--reruns", "1"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    first, second = traces / trace_file_name("test_flaky", 1), traces / trace_file_name("test_flaky", 2)
    assert first != second and first.exists() and second.exists()

    def configmaps(path):
        return {json.loads(line).get("name") for line in path.read_text().splitlines()[1:] if json.loads(line).get("kind") == "ConfigMap"}

    assert configmaps(first) == {"attempt-1"} and configmaps(second) == {"attempt-2"}
    summary = (traces / "summary.txt").read_text().splitlines()
    assert [line.split(":")[0] for line in summary] == [first.name, second.name]
    assert all(": valid " in line for line in summary), summary


def test_the_conformance_table_says_why_a_rerun_scenarios_first_run_failed(tmp_path):
    """pytest-rerunfailures' JUnit report keeps nothing of a failed attempt it reran; `--rerun-log` keeps its
    message (once, also under xdist, whose controller and worker both see the reports), and the conformance
    table quotes it beside "passed on rerun"."""
    from kubesim.conformance import outcomes

    (tmp_path / "test_flaky.py").write_text(textwrap.dedent(TEST.format(attempts=str(tmp_path / "attempts"))))
    (tmp_path / "test_steady.py").write_text("def test_steady():\n    assert True\n")
    log, junit = tmp_path / "reruns.jsonl", tmp_path / "junit.xml"
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "1", "--driver", "model", "--reruns", "1",
         "--rerun-log", str(log), f"--junitxml={junit}"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(e["test"], e["when"], e["attempt"]) for e in entries] == [("test_flaky.py::test_flaky", "call", 1)]
    assert "the first attempt fails, the rerun passes" in entries[0]["message"]
    table = outcomes(junit, log)
    assert table["test_steady::test_steady"] == ("passed", "")
    status, reason = table["test_flaky::test_flaky"]
    assert status == "passed" and reason.startswith("passed on rerun: its first run failed (call: ")
    assert "the first attempt fails, the rerun passes" in reason
    assert outcomes(junit)["test_flaky::test_flaky"] == ("passed", "passed on rerun: its first run failed")  # no log: no reason
