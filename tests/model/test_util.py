"""Tests for model/deployment/util.py and model/intstr.py: the Deployment arithmetic, as table tests.

Each expected number was worked out by hand from upstream
`pkg/controller/deployment/util/deployment_util.go` (function named per test) and apimachinery
`intstr.GetScaledValueFromIntOrPercent` / `integer.RoundToInt32` (Go `math.Round`: half away from zero).
"""

from __future__ import annotations

import re

import pytest

from kubesim import model as m
from kubesim.model.clock import rfc3339
from kubesim.model.deployment import util as u
from kubesim.model.intstr import round_half_away, scaled_value
from simkit import NS, deployment, run


def _d(replicas, surge=None, unav=None, strategy=None, status=None):
    d = deployment(replicas=replicas, max_surge=surge, max_unavailable=unav, strategy=strategy)
    if strategy is None and surge is None and unav is None:
        d["spec"]["strategy"] = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}}
    d["status"] = status or {}
    d["metadata"]["generation"] = 1
    return d


def _rs(spec, available=0, created="2026-01-01T00:00:00Z", name="rs", annotations=None):
    return {
        "metadata": {"name": name, "creationTimestamp": created, "annotations": dict(annotations or {}), "uid": name},
        "spec": {"replicas": spec},
        "status": {"availableReplicas": available},
    }


# ----- GetScaledValueFromIntOrPercent ------------------------------------------------------


@pytest.mark.parametrize(
    "value, total, round_up, expected",
    [
        ("25%", 3, True, 1),  # 0.75 -> ceil 1
        ("25%", 3, False, 0),  # 0.75 -> floor 0
        ("25%", 10, True, 3),  # 2.5 -> 3
        ("25%", 10, False, 2),  # 2.5 -> 2
        ("50%", 3, True, 2),  # 1.5 -> 2
        ("50%", 3, False, 1),
        ("100%", 5, True, 5),
        ("0%", 5, True, 0),
        ("30%", 10, True, 3),  # exact
        ("30%", 10, False, 3),
        (7, 3, True, 7),  # an int is used as is, never clamped
        (0, 3, False, 0),
    ],
)
def test_scaled_value(value, total, round_up, expected):
    """On an int-or-percent against a total, a percent rounds up only when asked (`GetScaledValueFromIntOrPercent`)."""
    assert scaled_value(value, total, round_up) == expected


# ----- ResolveFenceposts, MaxSurge, MaxUnavailable, MinAvailable -----------------------------


@pytest.mark.parametrize(
    "surge, unav, replicas, expected",
    [
        ("25%", "25%", 1, (1, 0)),
        ("25%", "25%", 3, (1, 0)),
        ("25%", "25%", 4, (1, 1)),
        ("25%", "25%", 10, (3, 2)),
        ("25%", "25%", 30, (8, 7)),  # 7.5 -> ceil 8 / floor 7
        (0, "25%", 1, (0, 1)),  # floor(0.25)=0 and surge 0: both zero -> unavailable 1
        ("0%", "0%", 5, (0, 1)),
        (None, None, 5, (0, 1)),  # nil counts as 0
        (3, 2, 10, (3, 2)),
        ("100%", 0, 5, (5, 0)),
        (5, 20, 3, (5, 20)),  # not clamped here
        (0, 1, 3, (0, 1)),
    ],
)
def test_resolve_fenceposts(surge, unav, replicas, expected):
    """On (maxSurge, maxUnavailable, replicas), surge rounds up, unavailable down, and 0/0 becomes 0/1 (`ResolveFenceposts`)."""
    assert u.resolve_fenceposts(surge, unav, replicas) == expected


@pytest.mark.parametrize(
    "replicas, surge, unav, strategy, max_surge, max_unavailable, min_available",
    [
        (3, "25%", "25%", None, 1, 0, 3),
        (10, "25%", "25%", None, 3, 2, 8),
        (3, 0, 20, None, 0, 3, 0),  # MaxUnavailable is clamped to replicas
        (0, "25%", "25%", None, 0, 0, 0),  # replicas 0: MaxUnavailable 0; surge ceil(0)=0
        (0, 2, 1, None, 2, 0, 0),  # MaxSurge has no replicas==0 special case
        (1, 0, "25%", None, 0, 1, 0),
        (3, None, None, "Recreate", 0, 0, 0),  # Recreate: 0 / 0; MinAvailable 0
    ],
)
def test_max_surge_max_unavailable_min_available(replicas, surge, unav, strategy, max_surge, max_unavailable, min_available):
    """On a Deployment, `MaxSurge`, `MaxUnavailable` (0 for Recreate or 0 replicas; clamped) and `MinAvailable`."""
    d = deployment(replicas=replicas, max_surge=surge, max_unavailable=unav, strategy=strategy)
    assert (u.max_surge(d), u.max_unavailable(d)) == (max_surge, max_unavailable)
    if strategy != "Recreate":
        assert u.min_available(d) == min_available


# ----- NewRSNewReplicas ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "replicas, surge, unav, old_spec, new_spec, expected",
    [
        (10, 3, 2, 10, 0, 3),  # maxTotal 13, current 10: +min(3, 10)
        (10, 3, 2, 8, 3, 5),  # current 11: 3 + min(2, 7)
        (10, 3, 2, 8, 5, 5),  # current 13 >= 13: keep
        (10, 3, 2, 3, 5, 10),  # current 8: 5 + min(5, 5)
        (3, "25%", "25%", 0, 0, 3),  # brand new: min(4, 3) -> full size at once
        (3, "25%", "25%", 3, 0, 1),
        (3, "25%", "25%", 2, 2, 2),  # current 4 >= 4
        (3, 0, 1, 3, 0, 0),  # no surge: nothing until an old pod goes
        (5, "100%", 0, 5, 0, 5),
        (3, "25%", "25%", 5, 0, 0),  # above maxTotal (e.g. after scaling down): keep 0
    ],
)
def test_new_rs_new_replicas_rolling(replicas, surge, unav, old_spec, new_spec, expected):
    """On RollingUpdate, the new RS may grow by min(maxTotal - Σ spec, replicas - new) (`NewRSNewReplicas`)."""
    d = deployment(replicas=replicas, max_surge=surge, max_unavailable=unav)
    old, new = _rs(old_spec, name="old"), _rs(new_spec, name="new")
    assert u.new_rs_new_replicas(d, [old, new], new) == expected


def test_new_rs_new_replicas_recreate_is_full_size():
    """On Recreate, the new RS gets spec.replicas whatever the old ones hold (`NewRSNewReplicas`)."""
    d = deployment(replicas=4, strategy="Recreate")
    new = _rs(0, name="new")
    assert u.new_rs_new_replicas(d, [_rs(4, name="old"), new], new) == 4


# ----- DeploymentComplete, DeploymentProgressing, DeploymentTimedOut ---------------------------


@pytest.mark.parametrize(
    "status, complete",
    [
        ({"updatedReplicas": 3, "replicas": 3, "availableReplicas": 3, "observedGeneration": 1}, True),
        ({"updatedReplicas": 3, "replicas": 4, "availableReplicas": 3, "observedGeneration": 1}, False),  # an old pod left
        ({"updatedReplicas": 3, "replicas": 3, "availableReplicas": 2, "observedGeneration": 1}, False),  # == spec, not >= minAvailable
        ({"updatedReplicas": 3, "replicas": 3, "availableReplicas": 3, "observedGeneration": 0}, False),
    ],
)
def test_deployment_complete(status, complete):
    """On a status, complete iff updated == replicas == available == spec and the generation is observed (`DeploymentComplete`)."""
    assert u.deployment_complete(_d(3), status) is complete


@pytest.mark.parametrize(
    "old, new, progressing",
    [
        ({"updatedReplicas": 1}, {"updatedReplicas": 2}, True),
        ({"replicas": 4, "updatedReplicas": 1}, {"replicas": 3, "updatedReplicas": 1}, True),  # old replicas 3 -> 2
        ({"readyReplicas": 2}, {"readyReplicas": 3}, True),
        ({"availableReplicas": 2}, {"availableReplicas": 3}, True),
        ({"replicas": 4, "updatedReplicas": 1, "availableReplicas": 3}, {"replicas": 4, "updatedReplicas": 1, "availableReplicas": 3}, False),
        ({"availableReplicas": 3}, {"availableReplicas": 2}, False),
    ],
)
def test_deployment_progressing(old, new, progressing):
    """On stored vs new status, progress = updated up, old replicas down, ready up or available up (`DeploymentProgressing`)."""
    assert u.deployment_progressing(_d(3, status=old), new) is progressing


@pytest.mark.parametrize(
    "reason, last_update_ms, now_ms, timed_out",
    [
        ("ReplicaSetUpdated", 0, 600_000, False),  # exactly at the deadline: not Before(now)
        ("ReplicaSetUpdated", 0, 600_001, True),
        ("ReplicaSetUpdated", 5_000, 605_000, False),
        ("NewReplicaSetAvailable", 0, 10_000_000, False),  # a finished rollout never times out
        ("ProgressDeadlineExceeded", 0, 1, True),  # already timed out stays so
    ],
)
def test_deployment_timed_out(reason, last_update_ms, now_ms, timed_out):
    """On the Progressing condition, timed out iff lastUpdateTime + progressDeadlineSeconds is strictly before now (`DeploymentTimedOut`)."""
    d = _d(3)
    d["spec"]["progressDeadlineSeconds"] = 600
    epoch = m.Config().epoch
    stamp = rfc3339(epoch, last_update_ms)
    status = {"conditions": [{"type": "Progressing", "status": "True", "reason": reason, "lastUpdateTime": stamp, "lastTransitionTime": stamp}]}
    assert u.deployment_timed_out(d, status, now_ms, epoch) is timed_out


# ----- proportional scaling: getReplicaSetFraction / GetReplicaSetProportion --------------------


@pytest.mark.parametrize(
    "rs_spec, new_replicas, surge, max_annotation, expected",
    [
        (8, 30, 3, "13", 12),  # round(8*33/13 = 20.31) = 20 -> +12 (e2e: 8 -> 20)
        (5, 30, 3, "13", 8),  # round(5*33/13 = 12.69) = 13 -> +8 (e2e: 5 -> 13)
        (1, 4, 1, "2", 2),  # 1*5/2 = 2.5 -> 3 (half away from zero; Python's round gives 2) -> +2
        (3, 2, 1, "2", 2),  # 3*3/2 = 4.5 -> 5 (Python: 4) -> +2
        (3, 4, 1, "6", 0),  # 3*5/6 = 2.5 -> 3 -> 0 (Python: 2 -> -1)
        (5, 0, 3, "13", -5),  # scaling to 0: the whole size, negative
        (4, 10, 0, "8", 1),  # 4*10/8 = 5 -> +1
    ],
)
def test_replica_set_fraction(rs_spec, new_replicas, surge, max_annotation, expected):
    """On a scaling event, an RS's share is round(spec * (replicas + maxSurge) / max-replicas) - spec (`getReplicaSetFraction`)."""
    d = _d(new_replicas, surge=surge, unav=1)
    rs = _rs(rs_spec, annotations={"deployment.kubernetes.io/max-replicas": max_annotation})
    assert u.replica_set_fraction(rs, d) == expected


def test_replica_set_fraction_without_annotation_uses_status_replicas():
    """On an RS with no max-replicas annotation, the Deployment's status.replicas stands in; 0 there gives 0 (`getReplicaSetFraction`)."""
    rs = _rs(4)
    assert u.replica_set_fraction(rs, _d(10, surge=0, unav=1, status={"replicas": 8})) == 1  # 4*10/8 = 5
    assert u.replica_set_fraction(rs, _d(10, surge=0, unav=1, status={})) == 0


@pytest.mark.parametrize(
    "to_add, added, fraction_case, expected",
    [
        (20, 0, (8, "13"), 12),
        (20, 12, (5, "13"), 8),
        (20, 15, (5, "13"), 5),  # bounded by what is left: min(8, 5)
        (-5, 0, (8, "13"), -3),  # 8*8/13 = 4.92 -> 5 -> -3; max(-3, -5)
        (-5, -4, (8, "13"), -1),  # max(-3, -1)
        (0, 0, (8, "13"), 0),
        (5, 5, (8, "13"), 0),
    ],
)
def test_replica_set_proportion(to_add, added, fraction_case, expected):
    """On a share vs what is left to add, scale up takes min, scale down max (`GetReplicaSetProportion`)."""
    spec, ann = fraction_case
    replicas = 30 if to_add >= 0 else 5
    d = _d(replicas, surge=3, unav=1)
    rs = _rs(spec, annotations={"deployment.kubernetes.io/max-replicas": ann})
    assert u.replica_set_proportion(rs, d, to_add, added) == expected


@pytest.mark.parametrize("x, expected", [(0.5, 1), (1.5, 2), (2.5, 3), (3.5, 4), (2.4999, 2), (-0.5, -1), (-2.5, -3), (20.31, 20), (12.69, 13)])
def test_round_half_away_from_zero(x, expected):
    """On x.5, Go's `math.Round` (`integer.RoundToInt32`) goes away from zero, unlike Python's `round`."""
    assert round_half_away(x) == expected


# ----- sort orders, FindActiveOrLatest, IsSaturated ---------------------------------------------


def test_sort_orders():
    """On equal sizes, `ReplicaSetsBySizeNewer` puts the newer first and `ReplicaSetsBySizeOlder` the older."""
    a = _rs(5, created="2026-01-01T00:00:01Z", name="a")
    b = _rs(5, created="2026-01-01T00:00:02Z", name="b")
    c = _rs(7, created="2026-01-01T00:00:03Z", name="c")
    assert [r["metadata"]["name"] for r in u.by_size_newer([a, b, c])] == ["c", "b", "a"]
    assert [r["metadata"]["name"] for r in u.by_size_older([a, b, c])] == ["c", "a", "b"]
    # ReplicaSetsByCreationTimestamp: equal stamps -> name order.
    x = _rs(1, created="2026-01-01T00:00:01Z", name="x")
    assert [r["metadata"]["name"] for r in u.by_creation([x, b, a])] == ["a", "x", "b"]


def test_find_active_or_latest():
    """On at most one active RS, that one (or the newest if none) is scaled directly (`FindActiveOrLatest`)."""
    old1 = _rs(0, created="2026-01-01T00:00:01Z", name="old1")
    old2 = _rs(0, created="2026-01-01T00:00:02Z", name="old2")
    new = _rs(3, created="2026-01-01T00:00:03Z", name="new")
    assert u.find_active_or_latest(new, [old1, old2])["metadata"]["name"] == "new"
    assert u.find_active_or_latest(None, [old1, old2])["metadata"]["name"] == "old2"
    assert u.find_active_or_latest(_rs(0, name="n0"), [old1])["metadata"]["name"] == "n0"
    assert u.find_active_or_latest(new, [_rs(2, name="busy")]) is None
    assert u.find_active_or_latest(None, []) is None


def test_is_saturated():
    """On the new RS, saturated iff spec == desired annotation == available == d.spec (`IsSaturated`)."""
    d = _d(3)
    ok = _rs(3, available=3, annotations={"deployment.kubernetes.io/desired-replicas": "3"})
    assert u.is_saturated(d, ok)
    assert not u.is_saturated(d, _rs(3, available=2, annotations={"deployment.kubernetes.io/desired-replicas": "3"}))
    assert not u.is_saturated(d, _rs(3, available=3, annotations={"deployment.kubernetes.io/desired-replicas": "4"}))
    assert not u.is_saturated(d, _rs(3, available=3))
    assert not u.is_saturated(d, None)


# ----- hash format, names ------------------------------------------------------------------------

SAFE = "bcdfghjklmnpqrstvwxz2456789"
# SafeEncodeString maps each decimal digit d through SAFE[ord(d) % 27]: '0'(48)->21->'4' ... '5'->'9', '6'(54)->0->'b', '9'(57)->3->'f'.
DIGIT_OF = {"4": 0, "5": 1, "6": 2, "7": 3, "8": 4, "9": 5, "b": 6, "c": 7, "d": 8, "f": 9}


def test_safe_encode_mapping_by_hand():
    """On the alphabet of `rand.SafeEncodeString`, the ten digits map to 4 5 6 7 8 9 b c d f."""
    assert "".join(SAFE[ord(ch) % len(SAFE)] for ch in "0123456789") == "456789bcdf"


def test_pod_template_hash_format_and_names():
    """On a new Deployment, the RS is `<name>-<hash>` and its pods `<rs>-<5 chars>` (`ComputeHash`, `getPodsPrefix`, generateName).

    The hash is a safe-encoded decimal uint32: only 4-9, b, c, d, f; at most 10 characters, and
    it decodes to a number below 2**32.
    """
    st = run(m.Apply(deployment(replicas=2)))
    (rs,) = st.list("ReplicaSet", NS)
    h = rs["metadata"]["labels"]["pod-template-hash"]
    assert re.fullmatch(r"[456789bcdf]{1,10}", h)
    assert int("".join(str(DIGIT_OF[c]) for c in h)) < 2**32
    assert rs["metadata"]["name"] == f"web-{h}"
    assert rs["spec"]["selector"]["matchLabels"] == {"app": "web", "pod-template-hash": h}
    assert rs["spec"]["template"]["metadata"]["labels"] == {"app": "web", "pod-template-hash": h}
    for p in st.list("Pod", NS):
        assert re.fullmatch(rf"web-{h}-[{SAFE}]{{5}}", p["metadata"]["name"])
        assert p["metadata"]["labels"]["pod-template-hash"] == h


def test_hash_depends_on_template_and_collision_count_only():
    """On the same template, the hash is stable and ignores pod-template-hash; collisionCount changes it (`ComputeHash`)."""
    t = deployment()["spec"]["template"]
    h = u.compute_hash(t, None)
    assert u.compute_hash(t, None) == h
    labelled = {**t, "metadata": {"labels": {**t["metadata"]["labels"], "pod-template-hash": "xyz"}}}
    assert u.compute_hash(labelled, None) == h
    assert u.compute_hash(t, 1) != h and u.compute_hash(t, 1) != u.compute_hash(t, 2)
    other = deployment(image="nginx:2")["spec"]["template"]
    assert u.compute_hash(other, None) != h


# ----- revisions ---------------------------------------------------------------------------------


def _rev(n):
    return _rs(0, annotations={} if n is None else {"deployment.kubernetes.io/revision": n})


@pytest.mark.parametrize(
    "revs, max_rev, last_rev",
    [
        (["1", "2", "3"], 3, 2),
        (["3", "1", "2"], 3, 2),
        (["2"], 2, 0),
        ([], 0, 0),
        (["4", "4"], 4, 4),  # v >= max shifts max into secMax
        (["1", "3", "3"], 3, 3),
        ([None, "2"], 2, 0),  # no annotation counts as 0
        (["3546343826724305832"], 3546343826724305832, 0),  # int64 (e2e RollingUpdate test)
    ],
)
def test_max_and_last_revision(revs, max_rev, last_rev):
    """On a set of RS revisions, `MaxRevision` and `LastRevision` (second max) as upstream computes them."""
    rss = [_rev(r) for r in revs]
    assert u.max_revision(rss) == max_rev
    assert u.last_revision(rss) == last_rev


def test_new_rs_annotations_bump_and_history():
    """On an RS re-used at a higher revision, the old number goes to revision-history (`SetNewReplicaSetAnnotations`)."""
    d = _d(3)
    d["metadata"]["annotations"] = {"kubernetes.io/change-cause": "v1", "kubectl.kubernetes.io/last-applied-configuration": "{}", "deployment.kubernetes.io/revision": "9"}
    rs = _rs(3, annotations={"deployment.kubernetes.io/revision": "2"})
    changed, ann = u.new_rs_annotations(d, rs, 4, True)
    assert changed
    assert ann == {"deployment.kubernetes.io/revision": "4", "deployment.kubernetes.io/revision-history": "2", "kubernetes.io/change-cause": "v1"}
    rs2 = _rs(3, annotations=ann)
    _, ann2 = u.new_rs_annotations(d, rs2, 6, True)
    assert ann2["deployment.kubernetes.io/revision-history"] == "2,4"
    assert ann2["deployment.kubernetes.io/revision"] == "6"
    # Never lowered: newRevision 5 < 6 leaves it.
    changed, ann3 = u.new_rs_annotations(d, _rs(3, annotations=ann2), 5, True)
    assert not changed and ann3["deployment.kubernetes.io/revision"] == "6"


def test_new_rs_annotations_for_a_new_rs_set_replica_annotations():
    """On a not-yet-created RS, desired-replicas = spec and max-replicas = spec + MaxSurge (`SetReplicasAnnotations`)."""
    d = _d(10, surge=3, unav=2)
    _, ann = u.new_rs_annotations(d, _rs(0), 1, False)
    assert ann == {"deployment.kubernetes.io/revision": "1", "deployment.kubernetes.io/desired-replicas": "10", "deployment.kubernetes.io/max-replicas": "13"}


def test_revision_history_trimmed_to_2000_chars():
    """On a revision-history that would pass 2000 characters, the oldest entries are dropped first."""
    d = _d(3)
    history = ",".join(str(n) for n in range(1000, 1400))  # 400 * 4 + 399 commas = 1999 chars
    assert len(history) == 1999
    rs = _rs(3, annotations={"deployment.kubernetes.io/revision": "5000", "deployment.kubernetes.io/revision-history": history})
    _, ann = u.new_rs_annotations(d, rs, 5001, True)
    # 1999 + 4 + 1 = 2004 > 2000: drop "1000," (5 chars) -> 1999.
    assert ann["deployment.kubernetes.io/revision-history"] == ",".join(str(n) for n in range(1001, 1400)) + ",5000"


def test_remove_condition_drops_every_condition_of_the_type_and_an_emptied_list():
    """`RemoveDeploymentCondition` (filterOutCondition): the other conditions stay in order; a list left empty
    goes with its key; a status without the type is the very same object (nothing copied)."""
    avail = {"type": "Available", "status": "True"}
    failure = {"type": "ReplicaFailure", "status": "True"}
    assert u.remove_condition({"replicas": 3, "conditions": [failure, avail]}, "ReplicaFailure") == {"replicas": 3, "conditions": [avail]}
    assert u.remove_condition({"replicas": 3, "conditions": [failure]}, "ReplicaFailure") == {"replicas": 3}
    assert u.remove_condition({"replicas": 3, "conditions": []}, "ReplicaFailure") == {"replicas": 3}
    status = {"replicas": 3, "conditions": [avail]}
    assert u.remove_condition(status, "ReplicaFailure") is status
