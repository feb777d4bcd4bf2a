"""Tests for model/replicaset.py and the deletion order in model/pods.py.

Expectations come from upstream `pkg/controller/replicaset/replica_set.go` (`syncReplicaSet`,
`manageReplicas`, `slowStartBatch`, `getPodsToDelete`, `getPodsRankedByRelatedPodsOnSameNode`),
`replica_set_utils.go#calculateStatus`, `pkg/controller/controller_utils.go#ActivePodsWithRanks.Less`
(PodDeletionCost and LogarithmicScaleDown on), `controller_ref_manager.go#ClaimObject`, and
`pkg/api/v1/pod/util.go#IsPodAvailable`. Numbers are written literally.
"""

from __future__ import annotations

import pytest

from kubesim import model as m
from kubesim.model.clock import rfc3339
from kubesim.model.pods import compare_for_deletion
from simkit import NS, pod, pods_of, replicaset, run

EPOCH = m.Config().epoch


def _owner_uid(p):
    refs = [r for r in p["metadata"].get("ownerReferences") or () if r.get("controller")]
    return refs[0]["uid"] if refs else None


# ----- keeping the count -------------------------------------------------------------------------


def test_replaces_a_deleted_pod_at_once():
    """On deleting one of 3 pods, the RS creates a new one while the old one is still terminating (`IsPodActive`)."""
    st = run(m.Apply(replicaset(replicas=3)))
    names = {p["metadata"]["name"] for p in pods_of(st)}
    victim = sorted(names)[0]
    st = m.step(st, m.Delete("Pod", victim))
    st = m.run_queue(st)
    all_pods = st.list("Pod", NS)
    terminating = [p["metadata"]["name"] for p in all_pods if p["metadata"].get("deletionTimestamp")]
    assert terminating == [victim]
    assert len(all_pods) == 4 and len(pods_of(st)) == 3
    st = m.settle(st)
    after = {p["metadata"]["name"] for p in pods_of(st)}
    assert len(after) == 3 and victim not in after and len(after - names) == 1
    rs = st.get("ReplicaSet", NS, "rs")
    assert rs["status"]["replicas"] == 3 and rs["status"]["readyReplicas"] == 3


def test_burst_replicas_caps_one_sync_at_500():
    """On an RS of 600, one sync creates 500 pods (`BurstReplicas`); the next sync the other 100."""
    st = m.step(m.new_cluster(), m.Apply(replicaset("big", replicas=600)))
    st = m.step(st, m.RunWork(("replicaset", NS, "big")))
    assert len(st.list("Pod", NS)) == 500
    st = m.step(st, m.RunWork(("replicaset", NS, "big")))
    assert len(st.list("Pod", NS)) == 600


def test_slow_start_batches_create_all_when_every_call_succeeds():
    """On an RS of 10, batches 1, 2, 4, 3 all succeed (the model's API never fails), so one sync creates 10 pods (`slowStartBatch`)."""
    st = m.step(m.new_cluster(), m.Apply(replicaset(replicas=10)))
    st = m.step(st, m.RunWork(("replicaset", NS, "rs")))
    assert len(st.list("Pod", NS)) == 10
    creates = [e for e in st.list("Event", NS) if e["reason"] == "SuccessfulCreate"]
    assert len(creates) == 10 and creates[0]["message"].startswith("Created pod: rs-")


def test_scale_down_deletes_exactly_the_surplus():
    """On scaling 5 -> 2, 3 pods get a deletionTimestamp and the RS reports 2 replicas at once."""
    st = run(m.Apply(replicaset(replicas=5)))
    st = m.step(st, m.Scale("ReplicaSet", "rs", 2))
    st = m.run_queue(st)
    assert len([p for p in st.list("Pod", NS) if p["metadata"].get("deletionTimestamp")]) == 3
    assert st.get("ReplicaSet", NS, "rs")["status"]["replicas"] == 2


# ----- status and minReadySeconds ----------------------------------------------------------------


@pytest.mark.parametrize("at_ms, available", [(10_999, 0), (11_000, 0), (11_001, 3)], ids=["-1ms", "boundary", "+1ms"])
def test_available_strictly_after_min_ready_seconds(at_ms, available):
    """On minReadySeconds 10 and pods Ready at t=1 s, availableReplicas is 0 at 11 s and 3 just after (`IsPodAvailable`: Before(now))."""
    rs = replicaset(replicas=3)
    rs["spec"]["minReadySeconds"] = 10
    st = m.step(m.new_cluster(), m.Apply(rs))
    st = m.advance(st, at_ms)
    assert st.now == at_ms
    status = st.get("ReplicaSet", NS, "rs")["status"]
    assert status.get("readyReplicas", 0) == 3
    assert status.get("availableReplicas", 0) == available


@pytest.mark.parametrize("at_ms, available", [(11_000, 0), (11_001, 1)], ids=["boundary", "+1ms"])
def test_availability_requeue_with_a_pod_not_ready(at_ms, available):
    """2 pods Ready at t=1 s, minReadySeconds 10, one then forced not ready: ready 1 != spec 2, yet the
    other pod becomes available at 11 s + 1 ms with no event but the requeue. v1.36's `syncReplicaSet`
    requeues whenever ready != available, at `FindMinNextPodAvailabilityCheck` (the earliest instant a
    ready pod crosses minReadySeconds); the older rule (requeue after minReadySeconds only when ready ==
    spec) would leave availableReplicas at 0."""
    rs = replicaset(replicas=2)
    rs["spec"]["minReadySeconds"] = 10
    st = m.advance(m.step(m.new_cluster(), m.Apply(rs)), 1_000)
    st = m.run_queue(m.step(st, m.SetReadiness(pods_of(st)[0]["metadata"]["name"], False)))
    assert st.get("ReplicaSet", NS, "rs")["status"]["readyReplicas"] == 1
    st = m.advance(st, at_ms - st.now)
    assert st.get("ReplicaSet", NS, "rs")["status"].get("availableReplicas", 0) == available


def test_status_counts():
    """On 3 pods, one never ready, status has replicas 3, fullyLabeled 3, ready 2, available 2, observedGeneration 1 (`calculateStatus`)."""
    st = run(m.Apply(replicaset(replicas=3)))
    victim = pods_of(st)[0]["metadata"]["name"]
    st = m.step(st, m.SetReadiness(victim, False))
    st = m.settle(st)
    status = st.get("ReplicaSet", NS, "rs")["status"]
    assert (status["replicas"], status["fullyLabeledReplicas"], status["readyReplicas"], status["availableReplicas"], status["observedGeneration"]) == (3, 3, 2, 2, 1)


# ----- which pods go first (ActivePodsWithRanks.Less) -----------------------------------------------


def _p(uid="b", node="n1", phase="Running", ready=True, ready_at=0, created=0, restarts=0, cost=None):
    ann = {} if cost is None else {"controller.kubernetes.io/pod-deletion-cost": str(cost)}
    status = {"phase": phase, "containerStatuses": [{"restartCount": restarts}]}
    if ready is not None:
        status["conditions"] = [{"type": "Ready", "status": "True" if ready else "False", "lastTransitionTime": rfc3339(EPOCH, ready_at)}]
    spec = {"nodeName": node} if node else {}
    return {"metadata": {"uid": uid, "creationTimestamp": rfc3339(EPOCH, created), "annotations": ann}, "spec": spec, "status": status}


NOW = 1_000_000  # t = 1000 s

# (name, first pod, its rank, second pod, its rank): in each row the first pod is deleted first.
RULES = [
    ("1-unassigned-first", _p(node=None, phase="Pending", ready=False), 1, _p(node="n1", phase="Pending", ready=False), 1),
    ("2-pending-before-unknown", _p(phase="Pending", ready=False), 1, _p(phase="Unknown", ready=False), 1),
    ("2-unknown-before-running", _p(phase="Unknown", ready=False), 1, _p(phase="Running", ready=False), 1),
    ("3-not-ready-first", _p(ready=False), 1, _p(ready=True), 1),
    ("4-lower-deletion-cost-first", _p(cost=-5), 1, _p(cost=0), 1),
    ("4-cost-beats-rank", _p(cost=1, uid="a"), 1, _p(cost=2, uid="b"), 5),
    ("5-higher-rank-first", _p(uid="z"), 3, _p(uid="a"), 1),
    # Ready 100 s ago vs 900 s ago: log2(1e11 ns)=36 vs log2(9e11)=39: the shorter-ready goes first.
    ("6-shorter-ready-first", _p(ready_at=900_000, uid="z"), 1, _p(ready_at=100_000, uid="a"), 1),
    # Ready 600 s vs 700 s ago: log2(6e11)=39.1, log2(7e11)=39.3: one bucket -> lower UID first.
    ("6-same-bucket-lower-uid-first", _p(ready_at=300_000, uid="a"), 1, _p(ready_at=400_000, uid="b"), 1),
    ("7-more-restarts-first", _p(restarts=2, uid="z"), 1, _p(restarts=1, uid="a"), 1),
    # Created 10 s vs 500 s ago: buckets 33 vs 38: newer first.
    ("8-newer-first", _p(created=990_000, uid="z"), 1, _p(created=500_000, uid="a"), 1),
    # Created 600 s vs 700 s ago: same bucket (39) -> lower UID first, though it is the older.
    ("8-same-bucket-lower-uid-first", _p(created=300_000, uid="a"), 1, _p(created=400_000, uid="b"), 1),
]


@pytest.mark.parametrize("first, rank_first, second, rank_second", [r[1:] for r in RULES], ids=[r[0] for r in RULES])
def test_deletion_ranking(first, rank_first, second, rank_second):
    """On two pods that differ first by rule N of `ActivePodsWithRanks.Less`, the expected one is deleted first."""
    assert compare_for_deletion((first, rank_first), (second, rank_second), NOW, EPOCH) < 0
    assert compare_for_deletion((second, rank_second), (first, rank_first), NOW, EPOCH) > 0


def test_equal_pods_compare_equal():
    """On two pods equal in every rule (same UID), neither goes first (Less is false both ways)."""
    assert compare_for_deletion((_p(), 1), (_p(), 1), NOW, EPOCH) == 0


def test_scale_down_removes_the_not_ready_pod():
    """On scaling 3 -> 2 with one pod not ready, that pod is the one deleted (rule 3)."""
    st = run(m.Apply(replicaset(replicas=3)))
    victim = pods_of(st)[1]["metadata"]["name"]
    st = run(m.SetReadiness(victim, False), st=st)
    st = m.step(st, m.Scale("ReplicaSet", "rs", 2))
    st = m.run_queue(st)
    gone = [p["metadata"]["name"] for p in st.list("Pod", NS) if p["metadata"].get("deletionTimestamp")]
    assert gone == [victim]


def test_scale_down_honours_deletion_cost():
    """On scaling 3 -> 2 with one pod annotated pod-deletion-cost -10, that pod goes (rule 4)."""
    st = run(m.Apply(replicaset(replicas=3)))
    p = pods_of(st)[2]
    md = {**p["metadata"], "annotations": {"controller.kubernetes.io/pod-deletion-cost": "-10"}}
    st = run(m.Apply({"apiVersion": "v1", "kind": "Pod", "metadata": {k: md[k] for k in ("name", "namespace", "labels", "annotations", "ownerReferences")}, "spec": p["spec"]}), st=st)
    st = m.step(st, m.Scale("ReplicaSet", "rs", 2))
    st = m.run_queue(st)
    gone = [q["metadata"]["name"] for q in st.list("Pod", NS) if q["metadata"].get("deletionTimestamp")]
    assert gone == [p["metadata"]["name"]]


def test_scale_down_prefers_the_newest_pod():
    """On scaling 3 -> 2 where one pod is 300 s younger (ready and created later), the youngest goes.

    Ages at t=602 s: old pods ready 601 s (bucket 39), young pod ready 301 s (bucket 38): rule 6.
    """
    st = run(m.Apply(replicaset(replicas=2)))
    st = m.advance(st, 300_000)
    st = run(m.Scale("ReplicaSet", "rs", 3), st=st)
    young = max(pods_of(st), key=lambda p: p["metadata"]["creationTimestamp"])["metadata"]["name"]
    st = m.advance(st, 300_000)
    st = m.step(st, m.Scale("ReplicaSet", "rs", 2))
    st = m.run_queue(st)
    gone = [q["metadata"]["name"] for q in st.list("Pod", NS) if q["metadata"].get("deletionTimestamp")]
    assert gone == [young]


# ----- claiming: adopt, release, never steal --------------------------------------------------------


def test_adopts_a_matching_orphan_instead_of_creating():
    """On an RS of 1 created after a bare pod with matching labels, the RS adopts it and creates nothing (`ClaimPods`)."""
    st = run(m.Apply(pod("lonely", labels={"app": "rs"})))
    st = run(m.Apply(replicaset(replicas=1)), st=st)
    (p,) = st.list("Pod", NS)
    assert p["metadata"]["name"] == "lonely"
    rs = st.get("ReplicaSet", NS, "rs")
    (ref,) = p["metadata"]["ownerReferences"]
    assert ref == {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs", "uid": rs["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}


def test_adopted_surplus_pod_is_deleted_first_when_unscheduled():
    """On a bare matching pod created next to a full RS of 2, the RS adopts it and deletes it: it is not yet bound (rule 1)."""
    st = run(m.Apply(replicaset(replicas=2)))
    before = {p["metadata"]["name"] for p in pods_of(st)}
    st = m.step(st, m.Apply(pod("extra", labels={"app": "rs"})))
    st = m.settle(st)
    assert {p["metadata"]["name"] for p in pods_of(st)} == before


def test_releases_a_pod_whose_labels_no_longer_match():
    """On relabelling an owned pod, the RS removes its ownerReference and creates a replacement (e2e "adopt ... and release")."""
    st = run(m.Apply(replicaset(replicas=1)))
    (p,) = st.list("Pod", NS)
    name = p["metadata"]["name"]
    md = p["metadata"]
    relabelled = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": NS, "labels": {"app": "other"}, "ownerReferences": md["ownerReferences"]}, "spec": p["spec"]}
    st = run(m.Apply(relabelled), st=st)
    released = st.get("Pod", NS, name)
    assert not released["metadata"].get("ownerReferences")
    rs_uid = st.get("ReplicaSet", NS, "rs")["metadata"]["uid"]
    owned = [q for q in pods_of(st) if _owner_uid(q) == rs_uid]
    assert len(owned) == 1 and owned[0]["metadata"]["name"] != name


def test_never_steals_pods_of_another_controller():
    """On two RSs with overlapping selectors, each keeps only the pods it controls (`ClaimObject`: another controller's ref -> ignore)."""
    a = replicaset("a", replicas=2, labels={"app": "shared", "rs": "a"}, selector={"app": "shared"})
    b = replicaset("b", replicas=3, labels={"app": "shared", "rs": "b"}, selector={"app": "shared"})
    st = run(m.Apply(a))
    st = run(m.Apply(b), st=st)
    ua, ub = st.get("ReplicaSet", NS, "a")["metadata"]["uid"], st.get("ReplicaSet", NS, "b")["metadata"]["uid"]
    owners = sorted(_owner_uid(p) == ua for p in pods_of(st))
    assert owners.count(True) == 2 and owners.count(False) == 3
    assert all(_owner_uid(p) in (ua, ub) for p in pods_of(st))
    assert st.get("ReplicaSet", NS, "a")["status"]["replicas"] == 2
    assert st.get("ReplicaSet", NS, "b")["status"]["replicas"] == 3


def test_terminating_pods_are_neither_counted_nor_adopted():
    """On a terminating orphan with matching labels, a new RS does not adopt it (the active filter runs before the claim)."""
    st = run(m.Apply(pod("old", labels={"app": "rs"})))
    st = m.step(st, m.Delete("Pod", "old"))
    st = m.step(st, m.Apply(replicaset(replicas=1)))
    st = m.run_queue(st)
    old = st.get("Pod", NS, "old")
    assert old is not None and old["metadata"].get("deletionTimestamp")
    assert not old["metadata"].get("ownerReferences")
    assert len(pods_of(st)) == 1
