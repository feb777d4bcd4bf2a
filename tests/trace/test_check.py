"""`check`: the scenarios' own traces are valid; traces edited to break one upstream rule are
rejected at the edited line, with the rule named.

The edits are made by hand on the trace of rolling_update.feature's first rollout (3 replicas,
maxSurge 25% -> 1, maxUnavailable 25% -> 0, minReadySeconds 10); the rule each one breaks is
upstream's (pkg/controller/deployment: rolling.go, util/deployment_util.go; podutil.IsPodAvailable;
the kubelet's Ready condition), independent of the model.
"""

from __future__ import annotations

import copy

import pytest

from kubesim.drivers.model import ModelDriver
from kubesim import model as m
from kubesim.trace import Bounds, check_trace, recording
import trace_scenarios as scenarios
from trace_scenarios import chosen_scenarios, read_lines, write_lines

# The model driver's recorder writes all of one model step's writes in a row, so an observed
# value trails the model by at most one step: lag 1 keeps the refutations below fast.
TIGHT = Bounds(lag=1, max_seconds=60)


@pytest.mark.parametrize("scenario", chosen_scenarios(), ids=lambda s: s.__name__)
def test_the_scenarios_traces_are_valid(traces, scenario):
    result = check_trace(str(traces(scenario)))
    assert result.valid, result.message
    assert result.states > 0 and result.observations > 10


def test_readiness_times_come_from_the_trace(tmp_path):
    """Pods that take 7 s to become Ready (not the model's default) still give a valid trace, and the
    rollout's pace follows: the search cannot make them Ready sooner than the trace says."""
    slow = m.ImageBehaviour(ready_after_ms=7000)
    config = m.Config(images=m.Config().images.set("rainbow/mc-user:1.0.RELEASE", slow).set("rainbow/mc-user:1.1.RELEASE", slow))
    d = ModelDriver(config=config)
    d.start()
    path = tmp_path / "slow.jsonl"
    with recording(d, str(path)):
        scenarios.rolling_update_default(d)
    result = check_trace(str(path))
    assert result.valid, result.message


# ----- edited traces ----------------------------------------------------------------------------


def _image(rec: dict) -> str | None:
    obj = rec["object"]
    spec = obj.get("spec") or {}
    if rec["kind"] in ("ReplicaSet", "Deployment"):
        spec = spec["template"]["spec"]
    containers = spec.get("containers") or [{}]
    return containers[0].get("image")


def _first(records: list[dict], pred, start: int = 1) -> int:
    return next(i for i in range(start, len(records)) if pred(records[i]))


def _is(rec, kind, etype=None, image=None) -> bool:
    return rec.get("kind") == kind and (etype is None or rec["type"] == etype) and (image is None or _image(rec) == image)


V10, V11 = "rainbow/mc-user:1.0.RELEASE", "rainbow/mc-user:1.1.RELEASE"


def _ready(obj: dict) -> bool:
    return any(c["type"] == "Ready" and c["status"] == "True" for c in obj.get("status", {}).get("conditions", []))


def edit_new_rs_created_at_two(recs):
    """maxSurge 1: the new ReplicaSet is created with 2 replicas while the old one still has 3."""
    i = _first(recs, lambda r: _is(r, "ReplicaSet", "ADDED", V11))
    recs[i]["object"]["spec"]["replicas"] = 2
    return recs, i, "maxSurge"


def edit_one_pod_too_many(recs):
    """maxSurge 1: a second new pod appears next to the first while the 3 old ones run."""
    i = _first(recs, lambda r: _is(r, "Pod", "ADDED", V11))
    extra = copy.deepcopy(recs[i])
    extra["name"] = extra["object"]["metadata"]["name"] = extra["name"] + "x"
    extra["object"]["metadata"]["uid"] = "00000000-0000-4000-8000-000000000001"
    recs.insert(i + 1, extra)
    return recs, i + 1, "maxSurge"


def edit_old_rs_scaled_up(recs):
    """reconcileOldReplicaSets only scales old ReplicaSets down: after 3 -> 2, the old one goes back to 3."""
    down = _first(recs, lambda r: _is(r, "ReplicaSet", "MODIFIED", V10) and r["object"]["spec"]["replicas"] == 2)
    i = _first(recs, lambda r: _is(r, "ReplicaSet", "MODIFIED", V10), down + 1)
    recs[i]["object"]["spec"]["replicas"] = 3
    return recs, i, "old ReplicaSet was scaled up"


def edit_revision_backwards(recs):
    """SetNewReplicaSetAnnotations: the new ReplicaSet's revision 2 turns into 1."""
    added = _first(recs, lambda r: _is(r, "ReplicaSet", "ADDED", V11))
    i = _first(recs, lambda r: _is(r, "ReplicaSet", "MODIFIED", V11), added + 1)
    recs[i]["object"]["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = "1"
    return recs, i, "revision went backwards"


def edit_ready_before_scheduled(recs):
    """The kubelet sets Ready: a new pod is Ready the moment it is created, before any node has it."""
    i = _first(recs, lambda r: _is(r, "Pod", "ADDED", V11))
    obj = recs[i]["object"]
    stamp = obj["metadata"]["creationTimestamp"]
    obj.setdefault("status", {})["conditions"] = [{"type": "Ready", "status": "True", "lastTransitionTime": stamp}]
    return recs, i, "Ready but not scheduled"


def edit_available_too_soon(recs):
    """IsPodAvailable: the new ReplicaSet counts its pod available 5 s after it became Ready (minReadySeconds 10)."""
    ready = _first(recs, lambda r: _is(r, "Pod", "MODIFIED", V11) and _ready(r["object"]))
    i = _first(recs, lambda r: _is(r, "ReplicaSet", "MODIFIED", V11) and r["object"].get("status", {}).get("availableReplicas") == 1, ready + 1)
    recs[i]["time"] = recs[ready]["time"] + 5
    return recs, i, "minReadySeconds"


def edit_old_rs_scaled_down_too_soon(recs):
    """maxUnavailable 0: the old ReplicaSet goes 3 -> 2 as soon as the new pod is Ready, before it is available."""
    ready = _first(recs, lambda r: _is(r, "Pod", "MODIFIED", V11) and _ready(r["object"]))
    old = max(i for i in range(1, ready) if _is(recs[i], "ReplicaSet", image=V10))
    extra = copy.deepcopy(recs[old])
    extra["type"] = "MODIFIED"
    extra["object"]["spec"]["replicas"] = 2
    extra["resourceVersion"] = extra["object"]["metadata"]["resourceVersion"] = recs[ready]["resourceVersion"]
    extra["time"] = recs[ready]["time"]
    recs.insert(ready + 1, extra)
    return recs, ready + 1, "maxUnavailable"


EDITS = [edit_new_rs_created_at_two, edit_one_pod_too_many, edit_old_rs_scaled_up, edit_revision_backwards,
         edit_ready_before_scheduled, edit_available_too_soon, edit_old_rs_scaled_down_too_soon]


def test_the_unedited_trace_is_valid_with_the_tight_bound(traces):
    result = check_trace(str(traces(scenarios.rolling_update_default)), TIGHT)
    assert result.valid, result.message


@pytest.mark.parametrize("edit", EDITS, ids=lambda e: e.__name__[5:])
def test_an_edited_trace_is_rejected_at_the_edited_line_naming_the_rule(traces, tmp_path, edit):
    records, index, rule = edit(read_lines(traces(scenarios.rolling_update_default)))
    path = write_lines(tmp_path / "edited.jsonl", records)
    result = check_trace(str(path), TIGHT)
    assert result.verdict == "invalid", result.message
    assert result.failed_at is not None and result.failed_at.change.line == index + 1, result.message
    assert rule in (result.rule or ""), result.message
    assert f"line {index + 1}:" in result.message and "nearest model state" in result.message


def test_a_search_bound_is_reported_as_undecided(traces):
    result = check_trace(str(traces(scenarios.rolling_update_default)), Bounds(max_states=20))
    assert result.verdict == "bound"
    assert "20 states" in result.message and "--max-states" in result.message


def test_a_trace_that_begins_after_three_rollouts_is_rebuilt_and_checked(tmp_path):
    """Recording starts with revisions 1-3 in place (the `initial` lines); `rollout undo` then
    brings back revision 2's template as revision 4 (rollback.feature's rule)."""
    d = ModelDriver()
    d.start()
    scenarios.rolled_to_v11(d)
    d.set_image("mc-user", "mc-user", "rainbow/mc-user:1.2.RELEASE")
    d.settle(timeout=1200)
    path = tmp_path / "late.jsonl"
    with recording(d, str(path)):
        d.advance(30)
        d.rollout_undo("mc-user")
        d.settle(timeout=1200)
    records = read_lines(path)
    assert sum(1 for r in records[1:] if r.get("initial") and r["kind"] == "ReplicaSet") == 3
    result = check_trace(str(path), TIGHT)
    assert result.valid, result.message
    # The same trace with the rolled-back ReplicaSet renumbered 3, not MaxRevision + 1 = 4 (SetNewReplicaSetAnnotations).
    i = next(i for i, r in enumerate(records) if not r.get("initial") and r.get("kind") == "ReplicaSet"
             and (r["object"]["metadata"].get("annotations") or {}).get("deployment.kubernetes.io/revision") == "4")
    records[i]["object"]["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = "3"
    result = check_trace(str(write_lines(tmp_path / "edited.jsonl", records)), TIGHT)
    assert result.verdict == "invalid" and result.failed_at.change.line == i + 1, result.message


def test_a_pod_deleted_by_a_user_is_replayed_as_a_request(tmp_path):
    """The ReplicaSet had no surplus when the pod was deleted, so a user did it (manageReplicas
    deletes only surplus pods); the model, told the same, makes a replacement as the trace shows."""
    d = ModelDriver()
    d.start()
    scenarios.article_background(d)
    path = tmp_path / "deleted.jsonl"
    with recording(d, str(path)):
        d.delete("Pod", d.list("Pod")[0]["metadata"]["name"])
        d.settle(timeout=1200)
    from kubesim.trace import load
    from kubesim.trace.infer import PodDeletion, observations

    inputs = [i for o in observations(load(str(path))) if not o.initial for i in o.inputs]
    assert [type(i) for i in inputs if not hasattr(i, "ready")] == [PodDeletion]
    result = check_trace(str(path), TIGHT)
    assert result.valid, result.message
