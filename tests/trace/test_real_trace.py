"""A trace recorded on the real node (cluster/: a kubelet with containerd, the admission policy
of model/images.py) is valid, and the same trace edited to break one upstream rule is rejected
at the edited line, naming the rule.

data/real_rolling_update_default.jsonl.gz is rolling_update.feature's "With the article's
manifest (default maxSurge/maxUnavailable) a v2 pod starts before any v1 pod goes", recorded by
`--trace-dir` on the cluster driver (kubesim-local, 2 December 2026). Its real timing is what
the model's traces lack: pods created one by one in a slow-start batch and scheduled in
between, Endpoints listing pods as they get IPs, ReplicaSet status written from the pods
listed before a scale-down. The edits are test_check's (each names its upstream rule).
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from kubesim.trace import check_trace
from test_check import EDITS
from trace_scenarios import THOROUGH, write_lines

REAL = Path(__file__).parent / "data" / "real_rolling_update_default.jsonl.gz"
#: Each rejection explores the whole model space up to the edited line (a few seconds each):
#: the ci profile runs two of them, `KUBESIM_PROFILE=thorough` all.
CI_EDITS = {"edit_new_rs_created_at_two", "edit_revision_backwards"}


def _records() -> list[dict]:
    with gzip.open(REAL, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


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
