"""The Deployment controller's dispatch: pause > rollback > scaling > rollout by strategy.

Mirrors `syncDeployment` and `checkPausedConditions` in
`pkg/controller/deployment/deployment_controller.go` / `sync.go`.
"""

from __future__ import annotations

from ..state import ClusterState
from ..store import record_event
from . import util as u
from .recreate import rollout_recreate
from .rolling import rollout_rolling
from .sync import COMPONENT, calculate_status, claim_replica_sets, get_all_replica_sets_and_sync_revision, now_stamp, sync, write_status


def sync_deployment(st: ClusterState, ns: str, name: str) -> ClusterState:
    """Reconcile one Deployment (`syncDeployment`)."""
    d = st.get("Deployment", ns, name)
    if d is None:
        return st
    if d["spec"].get("selector") == {}:
        st = record_event(st, d, "Warning", "SelectingAll", "This deployment is selecting all pods. A non-empty selector is required.", COMPONENT)
        status = {**(d.get("status") or {}), "observedGeneration": d["metadata"].get("generation", 1)}
        st, _ = write_status(st, d, status)
        return st
    st, rs_list = claim_replica_sets(st, d)
    d = st.get("Deployment", ns, name)
    if d["metadata"].get("deletionTimestamp"):
        st, d, new_rs, old_rss = get_all_replica_sets_and_sync_revision(st, d, rs_list, False)
        st, _ = write_status(st, d, calculate_status(old_rss + [new_rs], new_rs, d, now_stamp(st)))
        return st
    st, d = check_paused_conditions(st, d)
    if d["spec"].get("paused"):
        return sync(st, d, rs_list)
    if u.ROLLBACK_TO in (d["metadata"].get("annotations") or {}):
        from .rollback import rollback  # legacy controller-side rollback

        return rollback(st, d, rs_list)
    st, d, scaling = is_scaling_event(st, d, rs_list)
    if scaling:
        return sync(st, d, rs_list)
    if d["spec"].get("strategy", {}).get("type") == "Recreate":
        return rollout_recreate(st, d, rs_list)
    return rollout_rolling(st, d, rs_list)


def is_scaling_event(st: ClusterState, d: dict, rs_list: list[dict]):
    """`isScalingEvent`: an active RS whose desired-replicas annotation differs from spec.replicas."""
    st, d, new_rs, old_rss = get_all_replica_sets_and_sync_revision(st, d, rs_list, False)
    for rs in u.filter_active(old_rss + [new_rs]):
        desired = u.desired_replicas_annotation(rs)
        if desired is not None and desired != u.replicas(d):
            return st, d, True
    return st, d, False


def check_paused_conditions(st: ClusterState, d: dict):
    """`checkPausedConditions`: Progressing Unknown DeploymentPaused / DeploymentResumed."""
    if not u.has_progress_deadline(d):
        return st, d
    status = d.get("status") or {}
    cond = u.get_condition(status, "Progressing")
    if cond is not None and cond.get("reason") == u.TIMED_OUT_REASON:
        return st, d
    paused_cond = cond is not None and cond.get("reason") == u.PAUSED_REASON
    stamp = now_stamp(st)
    if d["spec"].get("paused") and not paused_cond:
        status = u.set_condition(status, u.new_condition("Progressing", "Unknown", u.PAUSED_REASON, "Deployment is paused", stamp))
    elif not d["spec"].get("paused") and paused_cond:
        status = u.set_condition(status, u.new_condition("Progressing", "Unknown", u.RESUMED_REASON, "Deployment is resumed", stamp))
    else:
        return st, d
    return write_status(st, d, status)
