"""Traces recorded on the real node (cluster/: a kubelet with containerd, the admission policy
of model/images.py) are valid, and one edited to break one upstream rule is rejected at the
edited line, naming the rule.

data/real_rolling_update_default.jsonl.gz is rolling_update.feature's "With the article's
manifest (default maxSurge/maxUnavailable) a v2 pod starts before any v1 pod goes", recorded by
`--trace-dir` on the cluster driver (kubesim-local, 2 December 2026). Its real timing is what
the model's traces lack: pods created one by one in a slow-start batch and scheduled in
between, Endpoints listing pods as they get IPs, ReplicaSet status written from the pods
listed before a scale-down. The edits are test_check's (each names its upstream rule).

data/real_strategy_*.jsonl.gz are rollout_strategies.feature's outline rows (3/25%/25%,
4/25%/25%, 5/30%/30%, 10/3/2), recorded the same way on 2 December 2026 (pytest -n 4, four
scenarios at once on the node). The search of before rejected them or gave up, for four
things a real cluster does and the model's own traces never show (each has its test below):
a watch showing the Deployment only after the ReplicaSet it made; the kubelet writing pods'
Ready conditions out of the order they turned Ready in; an availability timer firing while
the kubelet still stops old pods; a ReplicaSet status written from the pods listed before a
scale-down, seen after several other controllers' writes.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from kubesim.trace import check_trace, infer
from kubesim.trace.format import load
from test_check import EDITS
from trace_scenarios import THOROUGH, write_lines

DATA = Path(__file__).parent / "data"
REAL = DATA / "real_rolling_update_default.jsonl.gz"
STRATEGIES = ["real_strategy_3_25pct_25pct", "real_strategy_4_25pct_25pct", "real_strategy_5_30pct_30pct", "real_strategy_10_3_2"]
#: Each rejection explores the whole model space up to the edited line (a few seconds each):
#: the ci profile runs two of them, `KUBESIM_PROFILE=thorough` all.
CI_EDITS = {"edit_new_rs_created_at_two", "edit_revision_backwards"}


def _records(path: Path = REAL) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def _unpacked(tmp_path, name: str) -> Path:
    return write_lines(tmp_path / f"{name}.jsonl", _records(DATA / f"{name}.jsonl.gz"))


@pytest.fixture
def real_trace(tmp_path) -> Path:
    return write_lines(tmp_path / "real.jsonl", _records())


def test_the_real_nodes_trace_is_valid(real_trace):
    result = check_trace(str(real_trace))
    assert result.valid, result.message
    # The trace's own shape, so the test cannot pass on an empty or model-made file.
    records = _records()
    assert records[0]["source"] == "driver:cluster" and len(records) > 100
    assert {r["kind"] for r in records[1:]} >= {"Deployment", "ReplicaSet", "Pod", "Endpoints"}


@pytest.mark.parametrize("edit", [e for e in EDITS if THOROUGH or e.__name__ in CI_EDITS], ids=lambda e: e.__name__[5:])
def test_the_real_trace_edited_is_rejected_at_the_edited_line(tmp_path, edit):
    records, index, rule = edit(_records())
    result = check_trace(str(write_lines(tmp_path / "edited.jsonl", records)))
    assert result.verdict == "invalid", result.message
    assert result.failed_at is not None and result.failed_at.change.line == index + 1, result.message
    assert rule in (result.rule or ""), result.message


@pytest.mark.parametrize("name", STRATEGIES)
def test_the_real_strategy_traces_are_valid(tmp_path, name):
    result = check_trace(str(_unpacked(tmp_path, name)))
    assert result.valid, result.message
    records = _records(DATA / f"{name}.jsonl.gz")
    assert records[0]["source"] == "driver:cluster" and len(records) > 100
    assert {r["kind"] for r in records[1:]} >= {"Deployment", "ReplicaSet", "Pod"}  # no Service in these scenarios


def test_an_owner_seen_after_what_it_made_is_put_before_it(tmp_path):
    """In the 3/25%/25% trace the Deployment's first line has a higher resourceVersion than its
    ReplicaSet's (the Deployment watch showed it late); in commit order it comes first."""
    trace = load(str(_unpacked(tmp_path, "real_strategy_3_25pct_25pct")))
    deployment = next(c for c in trace.changes if c.kind == "Deployment")
    replicaset = next(c for c in trace.changes if c.kind == "ReplicaSet" and not c.initial)
    assert replicaset.obj["metadata"]["ownerReferences"][0]["uid"] == deployment.obj["metadata"]["uid"]
    assert int(replicaset.resource_version) < int(deployment.resource_version)  # the trace as recorded
    ordered = [(c.kind, c.name) for c in infer.commit_order(trace.changes)]
    assert ordered.index(("Deployment", deployment.name)) < ordered.index(("ReplicaSet", replicaset.name))


def test_ready_times_are_replayed_in_ascending_order_per_template(tmp_path):
    """In the 10/3/2 trace a pod's Ready condition is written after another's that turned Ready
    later (lastTransitionTime); the readiness inputs get the same times, in ascending order,
    each no later than the write it comes with."""
    trace = load(str(_unpacked(tmp_path, "real_strategy_10_3_2")))
    written = []  # lastTransitionTime of each pod's Ready condition, in commit order of the writes that set it
    seen = set()
    for c in infer.commit_order(trace.changes):
        since = infer.parse_time(infer.ready_since(c.obj)) if c.kind == "Pod" and c.type != "DELETED" else None
        if since is not None and c.name not in seen and not c.initial:
            seen.add(c.name)
            written.append(since)
    assert written != sorted(written)  # the trace as recorded: out of order
    inputs = [(inp, o.time) for o in infer.observations(trace) for inp in o.inputs if isinstance(inp, infer.Readiness) and inp.ready]
    assert sorted(inp.at for inp, _ in inputs) == sorted(written)
    for template in {inp.template for inp, _ in inputs}:
        times = [inp.at for inp, _ in inputs if inp.template == template]
        assert times == sorted(times)
    assert all(inp.at <= at for inp, at in inputs)
