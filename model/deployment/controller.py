"""The Deployment controller's dispatch: pause > rollback > scaling > rollout by strategy; its informer handlers.

Mirrors `syncDeployment`, the event handlers (`addDeployment`, `updateDeployment`,
`addReplicaSet`, `updateReplicaSet`, `deleteReplicaSet`, `deletePod`) of
`pkg/controller/deployment/deployment_controller.go`, and `checkPausedConditions` in `sync.go`.
"""

from __future__ import annotations

from ..state import ClusterState, controller_ref
from ..events import record_event
from ..informers import Controller, Handlers
from ..labels import selector_matches
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


# ----- informer handlers ------------------------------------------------------------------


def _labels(obj: dict) -> dict:
    return obj["metadata"].get("labels") or {}


def add_deployment(queue: list, st: ClusterState, d: dict, ref: dict | None) -> None:
    """`addDeployment`: enqueue it."""
    md = d["metadata"]
    queue.append(("deployment", md.get("namespace", ""), md["name"]))


def update_deployment(queue: list, st: ClusterState, old: dict, cur: dict, ref: dict | None, status_only: bool) -> None:
    """`updateDeployment`: enqueue it on every update, status writes included."""
    add_deployment(queue, st, cur, ref)


def add_replica_set(queue: list, st: ClusterState, rs: dict, ref: dict | None) -> None:
    """`addReplicaSet`: enqueue the Deployment that controls it; for an orphan, every Deployment whose selector matches it."""
    if ref is not None:
        _enqueue_controller(queue, st, ref)
        return
    ns = rs["metadata"].get("namespace", "")
    for d in st.list("Deployment", ns):
        if selector_matches(d["spec"].get("selector"), _labels(rs)):
            queue.append(("deployment", ns, d["metadata"]["name"]))


def update_replica_set(queue: list, st: ClusterState, old: dict, cur: dict, ref: dict | None, status_only: bool) -> None:
    """`updateReplicaSet`, as `addReplicaSet` of the ReplicaSet as it is now (the model re-reads every owner at its sync)."""
    add_replica_set(queue, st, cur, ref)


def delete_replica_set(queue: list, st: ClusterState, rs: dict, ref: dict | None) -> None:
    """`deleteReplicaSet`: enqueue the Deployment that controlled it (an orphan's deletion enqueues nothing)."""
    if ref is not None:
        _enqueue_controller(queue, st, ref)


def _enqueue_controller(queue: list, st: ClusterState, ref: dict) -> None:
    """Enqueue the Deployment `ref` points at, if it exists (`resolveControllerRef`)."""
    owner = st.uids.get(ref["uid"])
    if owner is not None and owner[0] == "Deployment":
        queue.append(("deployment", owner[1], owner[2]))


def delete_pod(queue: list, st: ClusterState, pod: dict, ref: dict | None) -> None:
    """`deletePod`: enqueue a Recreate Deployment that the deletion leaves without pods.

    Upstream enqueues a Recreate Deployment only when `getPodMapForDeployment` finds no pod left: no pod
    matching its selector is controlled by any of its ReplicaSets (`ListReplicaSets`). The informer has
    already dropped the deleted pod, so it is not counted.
    """
    if ref is None:
        return
    owner = st.uids.get(ref["uid"])
    if owner is None or owner[0] != "ReplicaSet":
        return
    rs = st.get(*owner)
    dref = controller_ref(rs) if rs else None
    if dref is None:
        return
    d = st.by_uid(dref["uid"])
    if d is None or d["kind"] != "Deployment" or d["spec"].get("strategy", {}).get("type") != "Recreate":
        return
    md = pod["metadata"]
    gone = (md.get("namespace", ""), md["name"])
    selector = d["spec"].get("selector")
    for kind, ns, rs_name in st.dependent_keys(dref["uid"]):
        if kind != "ReplicaSet":
            continue
        owned = st.get(kind, ns, rs_name)
        if owned is None or not selector_matches(selector, _labels(owned)):
            continue
        for pkind, pns, pname in st.dependent_keys(owned["metadata"]["uid"]):
            if pkind == "Pod" and (pns, pname) != gone:
                other = st.get(pkind, pns, pname)
                if other is not None and selector_matches(selector, _labels(other)):
                    return
    queue.append(("deployment", gone[0], d["metadata"]["name"]))


CONTROLLER = Controller(
    "deployment",
    sync_deployment,
    {
        "Deployment": Handlers(add_deployment, update_deployment),
        "ReplicaSet": Handlers(add_replica_set, update_replica_set, delete_replica_set),
        "Pod": Handlers(delete=delete_pod),
    },
)
