"""The Recreate strategy: every old pod gone before the new ReplicaSet scales up.

Mirrors `pkg/controller/deployment/recreate.go` with `spec.podReplacementPolicy` unset,
the only path in v1.36, whose apps/v1 does not serve that field (KEP-5882; the API server
refuses it as unknown), including the wait for terminating old pods (`oldPodsRunning`).
"""

from __future__ import annotations

from ..labels import selector_matches
from ..state import ClusterState
from . import util as u
from .progress import sync_rollout_status
from .sync import cleanup_deployment, get_all_replica_sets_and_sync_revision, scale_replica_set_and_record_event


def rollout_recreate(st: ClusterState, d: dict, rs_list: list[dict]) -> ClusterState:
    """`rolloutRecreate`: scale old RSs to 0; wait until no old pod runs; then create/scale the new RS."""
    st, d, new_rs, old_rss = get_all_replica_sets_and_sync_revision(st, d, rs_list, False)
    all_rss = old_rss + [new_rs]
    scaled = False
    for rs in u.filter_active(old_rss):
        st, changed, _ = scale_replica_set_and_record_event(st, rs, 0, d)
        scaled = scaled or changed
    if scaled:
        return sync_rollout_status(st, all_rss, new_rs, d)
    if old_pods_running(st, d, new_rs, old_rss, rs_list):
        return sync_rollout_status(st, all_rss, new_rs, d)
    if new_rs is None:
        st, d, new_rs, old_rss = get_all_replica_sets_and_sync_revision(st, d, rs_list, True)
        if new_rs is None:
            return st
        all_rss = old_rss + [new_rs]
    st, _, _ = scale_replica_set_and_record_event(st, new_rs, u.replicas(d), d)
    if u.deployment_complete(d, d.get("status") or {}):
        st = cleanup_deployment(st, old_rss, d)
    return sync_rollout_status(st, all_rss, new_rs, d)


def old_pods_running(st: ClusterState, d: dict, new_rs: dict | None, old_rss: list[dict], rs_list: list[dict]) -> bool:
    """`oldPodsRunning`: old RSs report pods, or a pod of an old RS (terminating too) is not terminal."""
    if u.actual_replica_count(old_rss) > 0:
        return True
    new_uid = new_rs["metadata"]["uid"] if new_rs is not None else None
    selector = d["spec"].get("selector")
    for rs in rs_list:
        if rs["metadata"]["uid"] == new_uid:
            continue
        for pod in st.dependents_of(rs["metadata"]["uid"], "Pod"):
            if not selector_matches(selector, pod["metadata"].get("labels")):
                continue
            if pod["status"].get("phase") not in ("Failed", "Succeeded"):
                return True
    return False
