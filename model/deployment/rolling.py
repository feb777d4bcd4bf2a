"""The RollingUpdate strategy: one bounded step per sync.

Mirrors `pkg/controller/deployment/rolling.go`: scale the new ReplicaSet up if we can
(and stop), else scale old ones down if we can (and stop), else clean up history.
Every decision reads ReplicaSet `spec.replicas` and `status.availableReplicas` only, so
terminating pods are never counted.
"""

from __future__ import annotations

from ..state import ClusterState
from . import util as u
from .progress import sync_rollout_status
from .sync import cleanup_deployment, get_all_replica_sets_and_sync_revision, scale_replica_set_and_record_event


def rollout_rolling(st: ClusterState, d: dict, rs_list: list[dict]) -> ClusterState:
    """`rolloutRolling`.

    Worked example (3 replicas, 25%/25% -> surge 1, unavailable 0): create B at 1; once
    B's pod is available scale A 3->2; then B 1->2; A 2->1; B 2->3; A 1->0.
    """
    st, d, new_rs, old_rss = get_all_replica_sets_and_sync_revision(st, d, rs_list, True)
    if new_rs is None:  # hash collision: requeued with the bumped collisionCount
        return st
    all_rss = old_rss + [new_rs]
    st, scaled_up = reconcile_new_replica_set(st, all_rss, new_rs, d)
    if scaled_up:
        return sync_rollout_status(st, all_rss, new_rs, d)
    st, scaled_down = reconcile_old_replica_sets(st, all_rss, u.filter_active(old_rss), new_rs, d)
    if scaled_down:
        return sync_rollout_status(st, all_rss, new_rs, d)
    if u.deployment_complete(d, d.get("status") or {}):
        st = cleanup_deployment(st, old_rss, d)
    return sync_rollout_status(st, all_rss, new_rs, d)


def reconcile_new_replica_set(st: ClusterState, all_rss: list[dict], new_rs: dict, d: dict):
    """`reconcileNewReplicaSet`: grow the new RS as far as maxSurge allows (or shrink it to spec)."""
    want = u.replicas(d)
    if u.spec_replicas(new_rs) == want:
        return st, False
    if u.spec_replicas(new_rs) > want:
        st, scaled, _ = scale_replica_set_and_record_event(st, new_rs, want, d)
        return st, scaled
    count = u.new_rs_new_replicas(d, all_rss, new_rs)
    st, scaled, _ = scale_replica_set_and_record_event(st, new_rs, count, d)
    return st, scaled


def reconcile_old_replica_sets(st: ClusterState, all_rss: list[dict], old_rss: list[dict], new_rs: dict, d: dict):
    """`reconcileOldReplicaSets`: shrink old RSs as far as maxUnavailable allows.

    ``maxScaledDown = Σ spec(all) - minAvailable - (new.spec - new.available)``; unhealthy
    old replicas go first (`cleanup_unhealthy_replicas`), then healthy ones while
    Σ available stays above minAvailable. A refused clean-up (see `cleanup_unhealthy_replicas`)
    counts as no scale-down: upstream drops the error (``return false, nil``), so the sync goes
    on to the status update.
    """
    old_count = u.replica_count(old_rss)
    if old_count == 0:
        return st, False
    all_count = u.replica_count(all_rss)
    min_avail = u.replicas(d) - u.max_unavailable(d)
    new_unavailable = u.spec_replicas(new_rs) - u.status_of(new_rs, "availableReplicas")
    max_scaled_down = all_count - min_avail - new_unavailable
    if max_scaled_down <= 0:
        return st, False
    st, old_rss, cleaned = cleanup_unhealthy_replicas(st, old_rss, d, max_scaled_down)
    if old_rss is None:
        return st, False
    st, scaled = scale_down_old_replica_sets_for_rolling_update(st, old_rss + [new_rs], old_rss, d)
    return st, cleaned + scaled > 0


def cleanup_unhealthy_replicas(st: ClusterState, old_rss: list[dict], d: dict, max_cleanup: int):
    """`cleanupUnhealthyReplicas`: oldest first, drop replicas that are not available.

    An old RS whose status still counts more available replicas than its spec (its
    controller has not yet deleted the pods of an earlier scale-down) would be scaled
    *up*; upstream refuses ("got invalid request to scale down"), which returns
    (state, None, total); the writes made before the refusal stay.
    """
    old_rss = u.by_creation(old_rss)
    total = 0
    for i, rs in enumerate(old_rss):
        if total >= max_cleanup:
            break
        spec = u.spec_replicas(rs)
        avail = u.status_of(rs, "availableReplicas")
        if spec == 0 or spec == avail:
            continue
        down = min(max_cleanup - total, spec - avail)
        if spec - down > spec:
            return st, None, total
        st, _, old_rss[i] = scale_replica_set_and_record_event(st, rs, spec - down, d)
        total += down
    return st, old_rss, total


def scale_down_old_replica_sets_for_rolling_update(st: ClusterState, all_rss: list[dict], old_rss: list[dict], d: dict):
    """`scaleDownOldReplicaSetsForRollingUpdate`: oldest first, keep Σ available >= minAvailable."""
    min_avail = u.replicas(d) - u.max_unavailable(d)
    available = u.available_replica_count(all_rss)
    if available <= min_avail:
        return st, 0
    budget = available - min_avail
    total = 0
    for rs in u.by_creation(old_rss):
        if total >= budget:
            break
        spec = u.spec_replicas(rs)
        if spec == 0:
            continue
        down = min(spec, budget - total)
        st, _, _ = scale_replica_set_and_record_event(st, rs, spec - down, d)
        total += down
    return st, total
