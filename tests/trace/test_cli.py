"""`kubesim trace check` / `python -m kubesim.trace`: exit codes, the summary line, and bad input
reported by file, line and field without a traceback."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import trace_scenarios as scenarios
from kubesim.trace import format as tf
from kubesim.trace.cli import main


def _run(*args: str, module: bool = False) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "kubesim.trace", *args] if module else ["kubesim", "trace", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def test_check_says_valid_with_sizes_states_and_time(traces):
    path = traces(scenarios.rolling_update_default)
    done = _run("check", str(path))
    assert done.returncode == 0, done.stderr
    assert f"{path}: valid" in done.stdout
    assert "states explored in" in done.stdout and "bytes" in done.stdout


def test_check_exits_1_on_an_invalid_trace(traces, tmp_path):
    records = scenarios.read_lines(traces(scenarios.rolling_update_default))
    i = next(i for i, r in enumerate(records) if r.get("kind") == "ReplicaSet" and r["type"] == "ADDED"
             and r["object"]["spec"]["template"]["spec"]["containers"][0]["image"].endswith("1.1.RELEASE"))
    records[i]["object"]["spec"]["replicas"] = 3
    bad = scenarios.write_lines(tmp_path / "bad.jsonl", records)
    done = _run("check", "--lag", "1", str(bad), module=True)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "invalid" in done.stdout and f"line {i + 1}:" in done.stdout and "maxSurge" in done.stdout



def test_check_exits_3_when_the_bound_is_hit(traces, capsys):
    assert main(["check", "--max-states", "5", str(traces(scenarios.rolling_update_default))]) == 3
    assert "search bound was hit" in capsys.readouterr().out


@pytest.mark.parametrize(
    "lines, where",
    [
        (['{"kind": "Pod"}'], ":1: the first line must be the header"),
        ([json.dumps({"trace": tf.FORMAT}), "{not json"], ":2: not JSON"),
        ([json.dumps({"trace": tf.FORMAT}), json.dumps({"kind": "Pod", "name": "p", "type": "CHANGED", "time": 1, "object": {"metadata": {}}})], ":2: field 'type' must be one of"),
        ([json.dumps({"trace": tf.FORMAT}), json.dumps({"kind": "Pod", "name": "p", "type": "ADDED", "time": "soon", "object": {"metadata": {}}})], ":2: field 'time' must be a number"),
        ([json.dumps({"trace": tf.FORMAT}), json.dumps({"kind": "Pod", "name": "p", "type": "ADDED", "time": 1, "object": {}})], ":2: Pod/p: field 'object.metadata' must be an object"),
    ],
)
def test_bad_trace_files_are_refused_naming_the_line_and_field(tmp_path, capsys, lines, where):
    path = tmp_path / "t.jsonl"
    path.write_text("\n".join(lines) + "\n")
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path}{where}"), err


def test_a_missing_trace_file_is_refused(tmp_path, capsys):
    assert main(["check", str(tmp_path / "none.jsonl")]) == 2
    assert capsys.readouterr().err.startswith(f"error: {tmp_path / 'none.jsonl'}: cannot read")


def test_record_refuses_to_guess_a_context(capsys):
    assert main(["record", "-o", "x.jsonl"]) == 2
    assert "--context" in capsys.readouterr().err
