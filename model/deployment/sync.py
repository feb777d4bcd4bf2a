"""Shared Deployment machinery: claim ReplicaSets, find or create the new one, scale, clean up, status.

Mirrors `pkg/controller/deployment/sync.go` and `getReplicaSetsForDeployment` of
`deployment_controller.go`. Each function takes the state and returns a new one; the
Deployment is re-read after each write, as the controller keeps its updated copy.
"""

from __future__ import annotations

from ..clock import rfc3339
from ..errors import ApiError
from ..controllerref import claim, owner_reference
from ..state import ClusterState
from ..events import record_event
from ..store import create, delete, set_status, update
from . import util as u

COMPONENT = "deployment-controller"


def now_stamp(st: ClusterState) -> str:
    return rfc3339(st.config.epoch, st.now)


def reread(st: ClusterState, obj: dict) -> dict:
    md = obj["metadata"]
    return st.get(obj["kind"], md["namespace"], md["name"])


def claim_replica_sets(st: ClusterState, d: dict) -> tuple[ClusterState, list[dict]]:
    """`getReplicaSetsForDeployment`: adopt matching orphan RSs, release non-matching ones (`ClaimReplicaSets`)."""
    md = d["metadata"]
    owned = st.dependents_of(md["uid"], "ReplicaSet")
    st, claimed = claim(st, d, "Deployment", owned, lambda st: st.orphans_of("ReplicaSet", md["namespace"]))
    return st, u.by_creation(claimed)


def write_status(st: ClusterState, d: dict, status: dict, annotations: dict | None = None) -> tuple[ClusterState, dict]:
    """`UpdateStatus` of the Deployment (annotations ride along, generation unchanged)."""
    st = set_status(st, d, status, annotations)
    return st, reread(st, d)


def with_revision(d: dict, rev: str) -> dict | None:
    """`SetDeploymentRevision`: the Deployment's annotations with `rev`, or None if unchanged."""
    ann = d["metadata"].get("annotations") or {}
    return None if ann.get(u.REVISION) == rev else {**ann, u.REVISION: rev}


def get_all_replica_sets_and_sync_revision(st: ClusterState, d: dict, rs_list: list[dict], create_if_missing: bool):
    """`getAllReplicaSetsAndSyncRevision`: (state, deployment, new RS or None, all old RSs).

    When the new RS exists and neither it nor the Deployment needs a write, the answer is a pure
    function of the (stored, never mutated) objects `d` and `rs_list` (`create_if_missing` then plays no
    part), so it is memoised by their identities: a rolling sync asks it twice (`isScalingEvent`, then
    `rolloutRolling`) of the same objects unless the first call wrote.
    """
    memo = (id(d), *map(id, rs_list))
    hit = _SYNCED.get(memo)
    if hit is not None:  # the entry holds the objects its key names, so no other object can have their ids
        return st, d, hit[2], list(hit[3])
    seq = st.seq
    _, all_old = u.find_old_rss(d, rs_list)
    st, d2, new_rs = get_new_replica_set(st, d, rs_list, all_old, create_if_missing)
    if new_rs is not None and d2 is d and st.seq == seq and any(rs is new_rs for rs in rs_list):
        if len(_SYNCED) >= 1024:
            _SYNCED.clear()
        _SYNCED[memo] = (d, tuple(rs_list), new_rs, tuple(all_old))  # keeps the objects alive: their ids are not reused meanwhile
    return st, d2, new_rs, all_old


#: (id(d), ids of the ReplicaSets) -> (d, ReplicaSets, new RS, all old RSs) of the calls of
#: `get_all_replica_sets_and_sync_revision` that found the new RS and wrote nothing.
_SYNCED: dict[tuple, tuple] = {}


def get_new_replica_set(st: ClusterState, d: dict, rs_list: list[dict], old_rss: list[dict], create_if_missing: bool):
    """`getNewReplicaSet`: sync the existing new RS's annotations, or create it.

    A new RS is named ``<deployment>-<pod-template-hash>`` and created at the size
    `new_rs_new_replicas` allows (so a brand-new Deployment's RS starts at full size).
    """
    existing = u.find_new_rs(d, rs_list)
    new_revision = u.max_revision(old_rss) + 1
    if existing is not None:
        changed, ann = u.new_rs_annotations(d, existing, new_revision, True)
        min_ready = d["spec"].get("minReadySeconds", 0)
        if changed or existing["spec"].get("minReadySeconds", 0) != min_ready:
            spec = {**existing["spec"], "minReadySeconds": min_ready}
            if not min_ready:
                spec.pop("minReadySeconds")
            st, existing = update(st, {**existing, "metadata": {**existing["metadata"], "annotations": ann}, "spec": spec})
            return st, d, existing
        status = d.get("status") or {}
        rev = (existing["metadata"].get("annotations") or {}).get(u.REVISION, "")
        annotations = with_revision(d, rev)
        needs = annotations is not None
        if u.has_progress_deadline(d) and u.get_condition(status, "Progressing") is None:
            cond = u.new_condition("Progressing", "True", u.FOUND_NEW_RS_REASON, f'Found new replica set "{existing["metadata"]["name"]}"', now_stamp(st))
            status = u.set_condition(status, cond)
            needs = True
        if needs:
            st, d = write_status(st, d, status, annotations)
        return st, d, existing
    if not create_if_missing:
        return st, d, None
    collision = (d.get("status") or {}).get("collisionCount")
    tmpl = d["spec"]["template"]
    h = u.compute_hash(tmpl, collision)
    tmd = tmpl.get("metadata") or {}
    labels = {**(tmd.get("labels") or {}), u.HASH_LABEL: h}
    new_tmpl = {**tmpl, "metadata": {**tmd, "labels": labels}}
    sel = d["spec"]["selector"]
    new_sel = {**sel, "matchLabels": {**(sel.get("matchLabels") or {}), u.HASH_LABEL: h}}
    spec = {"replicas": 0, "selector": new_sel, "template": new_tmpl}
    if d["spec"].get("minReadySeconds"):
        spec["minReadySeconds"] = d["spec"]["minReadySeconds"]
    rs = {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": f"{d['metadata']['name']}-{h}",
            "namespace": d["metadata"]["namespace"],
            "labels": labels,
            "ownerReferences": [owner_reference(d, "Deployment")],
        },
        "spec": spec,
    }
    count = u.new_rs_new_replicas(d, old_rss + [rs], rs)
    rs["spec"]["replicas"] = count
    _, ann = u.new_rs_annotations(d, rs, new_revision, False)
    rs["metadata"]["annotations"] = ann
    name = rs["metadata"]["name"]
    try:
        st, created = create(st, rs)
    except ApiError as err:
        if err.reason != "AlreadyExists":
            raise
        other = st.get("ReplicaSet", d["metadata"]["namespace"], name)
        ref = next((r for r in other["metadata"].get("ownerReferences") or () if r.get("controller")), None)
        if ref is not None and ref["uid"] == d["metadata"]["uid"] and u.equal_ignore_hash(tmpl, other["spec"]["template"]):
            return st, d, other
        status = {**(d.get("status") or {}), "collisionCount": (collision or 0) + 1}
        st, d = write_status(st, d, status)
        return st, d, None  # requeued: the next sync hashes with the new collisionCount
    if count > 0:
        st = record_event(st, d, "Normal", "ScalingReplicaSet", f"Scaled up replica set {name} from 0 to {count}", COMPONENT)
    annotations = with_revision(d, str(new_revision))
    status = d.get("status") or {}
    if u.has_progress_deadline(d):
        cond = u.new_condition("Progressing", "True", u.NEW_RS_REASON, f'Created new replica set "{name}"', now_stamp(st))
        status = u.set_condition(status, cond)
    st, d = write_status(st, d, status, annotations)
    return st, d, created


def scale_replica_set(st: ClusterState, rs: dict, new_scale: int, d: dict, operation: str | None = None):
    """`scaleReplicaSet`: set spec.replicas and the desired/max annotations; return (state, scaled, rs)."""
    n = u.replicas(d)
    max_total = n + u.max_surge(d)
    size_changes = u.spec_replicas(rs) != new_scale
    if not size_changes and not u.replicas_annotations_need_update(rs, n, max_total):
        return st, False, rs
    old_scale = u.spec_replicas(rs)
    ann = u.with_replicas_annotations(rs["metadata"].get("annotations") or {}, n, max_total)
    st, rs = update(st, {**rs, "metadata": {**rs["metadata"], "annotations": ann}, "spec": {**rs["spec"], "replicas": new_scale}})
    if size_changes:
        op = operation or ("up" if old_scale < new_scale else "down")
        msg = f"Scaled {op} replica set {rs['metadata']['name']} from {old_scale} to {new_scale}"
        st = record_event(st, d, "Normal", "ScalingReplicaSet", msg, COMPONENT)
    return st, size_changes, rs


def scale_replica_set_and_record_event(st: ClusterState, rs: dict, new_scale: int, d: dict):
    """`scaleReplicaSetAndRecordEvent`: no-op when the size is already right."""
    if u.spec_replicas(rs) == new_scale:
        return st, False, rs
    return scale_replica_set(st, rs, new_scale, d)


def scale(st: ClusterState, d: dict, new_rs: dict | None, old_rss: list[dict]) -> ClusterState:
    """`scale`: propagate a replicas change to the ReplicaSets, proportionally mid-rollout.

    e2e "proportional scaling": 10 replicas, surge 3, unavailable 2, RSs at 8 and 5
    (max-replicas 13); scaling to 30 gives 20 and 13.
    """
    target = u.find_active_or_latest(new_rs, old_rss)
    if target is not None:
        if u.spec_replicas(target) == u.replicas(d):
            return st
        st, _, _ = scale_replica_set_and_record_event(st, target, u.replicas(d), d)
        return st
    if u.is_saturated(d, new_rs):
        for old in u.filter_active(old_rss):
            st, _, _ = scale_replica_set_and_record_event(st, old, 0, d)
        return st
    if not u.is_rolling_update(d):
        return st
    active = u.filter_active(old_rss + [new_rs])
    allowed = u.replicas(d) + u.max_surge(d) if u.replicas(d) > 0 else 0
    to_add = allowed - u.replica_count(active)
    operation = None
    if to_add > 0:
        active = u.by_size_newer(active)
        operation = "up"
    elif to_add < 0:
        active = u.by_size_older(active)
        operation = "down"
    added = 0
    sizes = []
    for rs in active:
        if to_add != 0:
            proportion = u.replica_set_proportion(rs, d, to_add, added)
            sizes.append(u.spec_replicas(rs) + proportion)
            added += proportion
        else:
            sizes.append(u.spec_replicas(rs))
    for i, rs in enumerate(active):
        size = sizes[i]
        if i == 0 and to_add != 0:
            size = max(0, size + to_add - added)
        st, _, _ = scale_replica_set(st, rs, size, d, operation)
    return st


def cleanup_deployment(st: ClusterState, old_rss: list[dict], d: dict) -> ClusterState:
    """`cleanupDeployment`: delete the oldest empty ReplicaSets beyond revisionHistoryLimit.

    Only RSs with 0 spec and status replicas whose status has caught up are deleted; an
    RS that cannot go is skipped, not replaced by a newer one.
    """
    if not u.has_revision_history_limit(d):
        return st
    alive = [rs for rs in old_rss if rs is not None and not rs["metadata"].get("deletionTimestamp")]
    diff = len(alive) - d["spec"]["revisionHistoryLimit"]
    if diff <= 0:
        return st
    for rs in u.by_revision(alive)[:diff]:
        rs = reread(st, rs) or rs
        status = rs.get("status") or {}
        if status.get("replicas", 0) != 0 or u.spec_replicas(rs) != 0:
            continue
        if rs["metadata"].get("generation", 1) > status.get("observedGeneration", 0):
            continue
        if st.get("ReplicaSet", rs["metadata"]["namespace"], rs["metadata"]["name"]) is not None:
            st = delete(st, "ReplicaSet", rs["metadata"]["namespace"], rs["metadata"]["name"])
    return st


def calculate_status(all_rss: list, new_rs: dict | None, d: dict, stamp: str) -> dict:
    """`calculateStatus`: counts from the ReplicaSets, and the Available condition.

    `unavailableReplicas` mixes spec and status: Σ spec - Σ available, at least 0.
    """
    # One pass for the sums of `GetReplicaCountForReplicaSets`, `GetActualReplicaCountForReplicaSets`,
    # `GetReadyReplicaCountForReplicaSets`, `GetAvailableReplicaCountForReplicaSets` and
    # `GetTerminatingReplicaCountForReplicaSets` (u.replica_count & co., each a loop of its own).
    spec = actual = ready = available = 0
    terminating: int | None = 0
    for rs in all_rss:
        if rs is None:
            continue
        spec += rs["spec"].get("replicas", 1)
        rs_status = rs.get("status") or {}
        actual += rs_status.get("replicas", 0)
        ready += rs_status.get("readyReplicas", 0)
        available += rs_status.get("availableReplicas", 0)
        if terminating is not None:
            count = rs_status.get("terminatingReplicas")
            if count is not None:
                terminating += count
            elif rs_status.get("observedGeneration"):  # synced, but does not report it: nil
                terminating = None
    unavailable = max(0, spec - available)
    old = d.get("status") or {}
    status: dict = {"observedGeneration": d["metadata"].get("generation", 1)}
    for k, v in (
        ("replicas", actual),
        ("updatedReplicas", u.status_of(new_rs, "replicas")),
        ("readyReplicas", ready),
        ("availableReplicas", available),
        ("unavailableReplicas", unavailable),
    ):
        if v:
            status[k] = v
    if terminating is not None:
        status["terminatingReplicas"] = terminating
    if old.get("collisionCount") is not None:
        status["collisionCount"] = old["collisionCount"]
    if old.get("conditions"):
        status["conditions"] = list(old["conditions"])
    if available >= u.min_available(d):
        cond = u.new_condition("Available", "True", u.MIN_AVAILABLE_REASON, "Deployment has minimum availability.", stamp)
    else:
        cond = u.new_condition("Available", "False", u.MIN_UNAVAILABLE_REASON, "Deployment does not have minimum availability.", stamp)
    return u.set_condition(status, cond)


def sync(st: ClusterState, d: dict, rs_list: list[dict]) -> ClusterState:
    """`sync`: scaling and paused deployments: scale, clean up when paused, write status."""
    st, d, new_rs, old_rss = get_all_replica_sets_and_sync_revision(st, d, rs_list, False)
    st = scale(st, d, new_rs, old_rss)
    if d["spec"].get("paused") and u.ROLLBACK_TO not in (d["metadata"].get("annotations") or {}):
        st = cleanup_deployment(st, old_rss, d)
    status = calculate_status(old_rss + [new_rs], new_rs, d, now_stamp(st))
    st, _ = write_status(st, d, status)
    return st
