"""Rollout progress: the Progressing condition and the progress deadline.

Mirrors `pkg/controller/deployment/progress.go` (`syncRolloutStatus`,
`requeueStuckDeployment`).
"""

from __future__ import annotations

from ..clock import parse_ms
from ..state import ClusterState
from ..workqueue import add_timer
from . import util as u
from .sync import calculate_status, now_stamp, write_status


def sync_rollout_status(st: ClusterState, all_rss: list, new_rs: dict | None, d: dict) -> ClusterState:
    """`syncRolloutStatus`: compute status, then Progressing: complete > progressing > timed out."""
    stamp = now_stamp(st)
    new_status = calculate_status(all_rss, new_rs, d, stamp)
    if not u.has_progress_deadline(d):
        new_status = u.remove_condition(new_status, "Progressing")
    current = u.get_condition(d.get("status") or {}, "Progressing")
    complete_already = (
        new_status.get("replicas", 0) == new_status.get("updatedReplicas", 0)
        and current is not None
        and current.get("reason") == u.NEW_RS_AVAILABLE_REASON
    )
    if u.has_progress_deadline(d) and not complete_already:
        rs_name = new_rs["metadata"]["name"] if new_rs is not None else None
        dname = d["metadata"]["name"]
        if u.deployment_complete(d, new_status):
            msg = f'ReplicaSet "{rs_name}" has successfully progressed.' if rs_name else f'Deployment "{dname}" has successfully progressed.'
            new_status = u.set_condition(new_status, u.new_condition("Progressing", "True", u.NEW_RS_AVAILABLE_REASON, msg, stamp))
        elif u.deployment_progressing(d, new_status):
            msg = f'ReplicaSet "{rs_name}" is progressing.' if rs_name else f'Deployment "{dname}" is progressing.'
            cond = u.new_condition("Progressing", "True", u.RS_UPDATED_REASON, msg, stamp)
            if current is not None:
                if current["status"] == "True":
                    cond["lastTransitionTime"] = current["lastTransitionTime"]
                new_status = u.remove_condition(new_status, "Progressing")
            new_status = u.set_condition(new_status, cond)
        elif u.deployment_timed_out(d, new_status, st.now, st.config.epoch):
            msg = f'ReplicaSet "{rs_name}" has timed out progressing.' if rs_name else f'Deployment "{dname}" has timed out progressing.'
            new_status = u.set_condition(new_status, u.new_condition("Progressing", "False", u.TIMED_OUT_REASON, msg, stamp))
    failure = replica_failure(all_rss, new_rs)
    if failure is not None:
        new_status = u.set_condition(new_status, failure)
    else:
        new_status = u.remove_condition(new_status, "ReplicaFailure")
    if (d.get("status") or {}) == new_status:
        return requeue_stuck_deployment(st, d, new_status)
    st, d = write_status(st, d, new_status)
    # Upstream's `updateDeployment` handler enqueues the Deployment on this status write, and so
    # does the model's (`deployment.controller.update_deployment`); that next sync finds nothing new and calls
    # `requeueStuckDeployment`. The model also arms the progress check here at once: the timer is
    # the one that sync sets (same deadline), and its work is then either still queued or a no-op sync.
    return requeue_stuck_deployment(st, d, new_status)


def replica_failure(all_rss: list, new_rs: dict | None) -> dict | None:
    """`getReplicaFailures`: the new RS's ReplicaFailure condition, else any old RS's."""
    ordered = ([new_rs] if new_rs is not None else []) + [rs for rs in all_rss if rs is not None and rs is not new_rs]
    for rs in ordered:
        for c in (rs.get("status") or {}).get("conditions") or ():
            if c.get("type") == "ReplicaFailure":
                return {
                    "type": "ReplicaFailure",
                    "status": c["status"],
                    "lastUpdateTime": c.get("lastTransitionTime"),
                    "lastTransitionTime": c.get("lastTransitionTime"),
                    "reason": c.get("reason"),
                    "message": c.get("message"),
                }
    return None


def requeue_stuck_deployment(st: ClusterState, d: dict, new_status: dict) -> ClusterState:
    """`requeueStuckDeployment`: wake up when the progress deadline would pass (+1 s skew)."""
    current = u.get_condition(d.get("status") or {}, "Progressing")
    if not u.has_progress_deadline(d) or current is None:
        return st
    if u.deployment_complete(d, new_status) or current.get("reason") == u.TIMED_OUT_REASON:
        return st
    since = parse_ms(st.config.epoch, current.get("lastUpdateTime"))
    if since is None:
        return st
    deadline = since + d["spec"]["progressDeadlineSeconds"] * 1000
    # Upstream requeues after the remaining time + 1 s; under 1 s it retries (rate-limited)
    # until the deadline has strictly passed, which the model reaches 1 ms after it.
    at = deadline + 1000 if deadline - st.now >= 1000 else deadline + 1
    if at <= st.now:
        return st
    return add_timer(st, at, ("deployment", d["metadata"]["namespace"], d["metadata"]["name"]))
