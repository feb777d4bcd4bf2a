"""Naming the upstream rule an observed change breaks, once the search has rejected it.

The verdict comes from the search (no model run produces the change); these checks only
look at the objects just before and just after the change to say which rule of upstream
Kubernetes v1.36 the change visibly breaks, when one does.
"""

from __future__ import annotations

from kubesim.model.deployment import util as du

from .format import Change
from .infer import parse_time
from .project import REVISION, View, is_ready, pod_state, template_key


def revision_of(obj: dict | None) -> int | None:
    """The `deployment.kubernetes.io/revision` annotation as a number, or None."""
    raw = ((obj or {}).get("metadata", {}).get("annotations") or {}).get(REVISION)
    return int(raw) if isinstance(raw, str) and raw.isdigit() else None


def _find(objects: dict, kind: str, name: str) -> dict | None:
    return next((o for o in objects.get(kind, ()) if o["metadata"]["name"] == name), None)


def _owned(view: View, d: dict, kind: str) -> list[dict]:
    return [o for o in view.of(kind) if view.owner_name(o) == d["metadata"]["name"]]


def broken(before: dict, after: dict, change: Change | None) -> str | None:
    """The rule `change` breaks, in words with its upstream source, or None."""
    if change is None:
        return None
    view, old_view = View(after), View(before)
    prev = _find(before, change.kind, change.name)
    obj = change.obj
    if change.kind in ("ReplicaSet", "Deployment") and change.type == "MODIFIED":
        r0, r1 = revision_of(prev), revision_of(obj)
        if r0 is not None and r1 is not None and r1 < r0:
            return (f"revision went backwards: {change.kind} {change.name} revision {r0} -> {r1} (a revision only grows: "
                    "the new ReplicaSet gets MaxRevision + 1, deployment_util.SetNewReplicaSetAnnotations)")
    if change.kind == "Pod" and change.type != "DELETED":
        state = pod_state(obj)
        if state == "ready-unscheduled":
            return (f"pod {change.name} is Ready but not scheduled to a node (only a node's kubelet sets Ready, once the "
                    "pod's containers run and pass readiness: kubelet status_manager / prober)")
        statuses = (obj.get("status") or {}).get("containerStatuses") or ()
        if is_ready(obj) and state == "ready" and any("running" not in (s.get("state") or {}) for s in statuses):
            return (f"pod {change.name} is Ready while a container is not running (the kubelet's Ready condition needs "
                    "ContainersReady: every container running and ready, GeneratePodReadyCondition)")
    for d in view.of("Deployment"):
        rule = _deployment_rule(view, old_view, d, change)
        if rule:
            return rule
    return None


def _deployment_rule(view: View, old_view: View, d: dict, change: Change) -> str | None:
    name = d["metadata"]["name"]
    want = du.replicas(d)
    rss = _owned(view, d, "ReplicaSet")
    old_d = next((o for o in old_view.of("Deployment") if o["metadata"]["name"] == name), None)
    steady = old_d is not None and (old_d.get("spec") or {}) == (d.get("spec") or {})
    key = template_key((d.get("spec") or {}).get("template"))
    if change.kind == "ReplicaSet" and change.type == "MODIFIED" and view.owner_name(change.obj) == name and steady:
        prev = next((o for o in old_view.of("ReplicaSet") if o["metadata"]["name"] == change.name), None)
        n0, n1 = du.spec_replicas(prev), du.spec_replicas(change.obj)
        is_new = template_key(change.obj["spec"].get("template")) == key
        if prev is not None and n1 > n0 and not is_new:
            return (f"an old ReplicaSet was scaled up: {change.name} {n0} -> {n1} while the Deployment's template is another "
                    "(in a rolling update only the new ReplicaSet grows; reconcileOldReplicaSets only scales old ones down, rolling.go)")
        if prev is not None and n1 < n0 and not is_new and du.is_rolling_update(d):
            new_rs = next((r for r in rss if template_key(r["spec"].get("template")) == key), None)
            new_unavailable = max(du.spec_replicas(new_rs) - du.status_of(new_rs, "availableReplicas"), 0) if new_rs else 0
            floor = want - du.max_unavailable(d)
            if sum(du.spec_replicas(r) for r in rss) - new_unavailable < floor:
                return (f"maxUnavailable: {change.name} was scaled down to {n1}, leaving fewer than {floor} pods that can be available "
                        f"(replicas {want} - maxUnavailable {du.max_unavailable(d)}; reconcileOldReplicaSets scales down at most "
                        "allPods - minAvailable - newRSUnavailable, rolling.go)")
    if du.is_rolling_update(d) and steady:
        cap = want + du.max_surge(d)
        total = sum(du.spec_replicas(r) for r in rss)
        if total > cap:
            return (f"maxSurge: the ReplicaSets of {name} add up to {total} replicas, more than replicas {want} + maxSurge "
                    f"{du.max_surge(d)} = {cap} (NewRSNewReplicas, deployment_util.go)")
        uids = {r["metadata"].get("uid") for r in rss}
        live = [p for p in view.of("Pod") if _owner_uid(p) in uids and pod_state(p) not in ("terminating", "finished")]
        if len(live) > cap:
            return (f"maxSurge: {len(live)} pods of {name} are not terminating, more than replicas {want} + maxSurge "
                    f"{du.max_surge(d)} = {cap} (NewRSNewReplicas, deployment_util.go)")
    if change.kind == "ReplicaSet" and view.owner_name(change.obj) == name:
        min_ready = (d.get("spec") or {}).get("minReadySeconds", 0)
        uid = change.obj["metadata"].get("uid")
        pods = [p for p in view.of("Pod") if _owner_uid(p) == uid and pod_state(p) == "ready"]
        ripe = sum(1 for p in pods if _ready_for(p, change.time) >= min_ready)
        counted = du.status_of(change.obj, "availableReplicas")
        if counted > ripe:
            return (f"minReadySeconds: {change.name} counts {counted} pods available, but only {ripe} had been Ready for "
                    f"minReadySeconds ({min_ready}s) at t={change.time:.3f} (podutil.IsPodAvailable)")
    return None


def _owner_uid(obj: dict) -> str | None:
    for ref in obj["metadata"].get("ownerReferences") or ():
        if ref.get("controller"):
            return ref.get("uid")
    return None


def _ready_for(pod: dict, now: float) -> float:
    for c in (pod.get("status") or {}).get("conditions") or ():
        if c.get("type") == "Ready" and c.get("status") == "True":
            since = parse_time(c.get("lastTransitionTime"))
            return now - since if since is not None else 0.0
    return 0.0
