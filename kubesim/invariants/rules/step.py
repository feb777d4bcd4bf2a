"""The step layer: the allowed transitions between two consecutive observations."""

from __future__ import annotations

from kubesim.driver import Observation

from ..readers import (
    controller_of,
    count_ready,
    deployment_template_key,
    desired_replicas,
    is_rolling,
    is_terminating,
    max_surge,
    max_unavailable,
    meta_of,
    name_of,
    pod_active,
    pod_ready,
    revision_of,
    rs_template_key,
    selector_matches,
    service_selects,
    spec_replicas,
    status_int,
    uid_of,
)
from ..registry import Violation, invariant
from ..view import View, endpoint_pods, event_message, new_events_where, object_changed, scaling_event, view


def _rs_map(v: View, d: dict) -> dict[str, dict]:
    """The ReplicaSets `d` controls, by uid (cached per observation: do not modify)."""
    return v.rs_map(uid_of(d))


@invariant("step", reads=("ReplicaSet",))
def total_replicas_within_surge_limit(prev: Observation, cur: Observation) -> list[Violation]:
    """A scale-up never takes a Deployment's ReplicaSets past replicas + maxSurge.

    Upstream (`rolling.go` `NewRSNewReplicas`; `sync.go` `scale`): the new ReplicaSet
    grows by at most ``replicas + maxSurge - Σ rs.spec.replicas``, and proportional
    scaling fills ReplicaSets up to exactly ``allowedSize = replicas + maxSurge``. The
    count is Σ ReplicaSet ``spec.replicas`` (terminating pods are not counted, so real pod
    counts may exceed the limit while old pods terminate); maxSurge rounds a percentage
    up; Recreate has maxSurge 0. A scale-down (a lower replicas, a lower maxSurge) may
    leave the sum above the new limit until old ReplicaSets shrink, so the rule is
    checked on the steps in which some ReplicaSet grows.

    `scaleReplicaSet` writes the Deployment's replicas into the desired-replicas annotation of
    the ReplicaSet it scales, in the same update. When every grown ReplicaSet names one
    replicas count that the observed Deployment does not have, the controller acted on a
    Deployment spec this observation does not show yet: a real cluster's watches deliver
    kinds separately, so a scaled Deployment's ReplicaSets can be seen before the Deployment
    itself. The limit is then that count + maxSurge (resolved against it), the one the
    controller applied. On a consistent observation (the model's) the annotation of a
    ReplicaSet grown in the step is the Deployment's replicas, and nothing changes.
    """
    pv, cv = view(prev), view(cur)
    out = []
    for d in cv.deployments:
        if is_terminating(d):
            continue
        before = _rs_map(pv, d)
        after = _rs_map(cv, d)
        grown = [(rs, spec_replicas(before.get(u))) for u, rs in after.items() if spec_replicas(rs) > spec_replicas(before.get(u))]
        if not grown:
            continue
        total = sum(spec_replicas(rs) for rs in after.values())
        replicas, lag, acted_on = spec_replicas(d), "", d
        desired = {desired_replicas(rs) for rs, _ in grown}
        if len(desired) == 1 and None not in desired and replicas not in desired:
            replicas = desired.pop()
            lag = f", the grown ReplicaSets' desired-replicas; the Deployment is still seen with {spec_replicas(d)}"
            acted_on = {**d, "spec": {**(d.get("spec") or {}), "replicas": replicas}}  # maxSurge resolves against it
        surge = max_surge(acted_on)
        limit = replicas + surge
        if total > limit:
            growth = ", ".join(f"{name_of(rs)} {old}->{spec_replicas(rs)}" for rs, old in grown)
            out.append(
                Violation(
                    "total_replicas_within_surge_limit",
                    f"Deployment/{name_of(d)}",
                    cur.time,
                    f"{total} replicas after scaling {growth}; limit is replicas({replicas}{lag}) + maxSurge({surge}) = {limit}",
                )
            )
    return out


@invariant("step", reads=("ReplicaSet",))
def old_replicasets_never_grow(prev: Observation, cur: Observation) -> list[Violation]:
    """A rollout only ever shrinks old ReplicaSets; only proportional scaling grows them.

    Upstream (`rolling.go`): `reconcileNewReplicaSet` scales the new ReplicaSet (the one
    whose template equals the Deployment's), `reconcileOldReplicaSets` only scales old
    ones down, and `cleanupUnhealthyReplicas` refuses a "scale down" that would grow one
    ("got invalid request to scale down"); `rolloutRecreate` scales old ones to 0. Only
    `sync`/`scale` (a scaling event, or a paused Deployment) may grow an old ReplicaSet.

    A ReplicaSet whose revision annotation is above the Deployment's is not old: only
    `getNewReplicaSet` raises a ReplicaSet's revision (to max old revision + 1, on the one
    whose template is the Deployment's), before it scales it, and the Deployment's own
    annotation follows. A real cluster's watches deliver kinds separately, so after a
    `rollout undo` the old ReplicaSet that becomes the new one can be seen renumbered and
    scaled before the Deployment's new template is seen (CI, 3 December 2026).
    """
    pv, cv = view(prev), view(cur)
    out = []
    for d in cv.deployments:
        if is_terminating(d):
            continue
        before = _rs_map(pv, d)
        key = deployment_template_key(d)
        revision = revision_of(d)
        grown = [
            (rs, spec_replicas(before[u]))
            for u, rs in _rs_map(cv, d).items()
            if u in before and spec_replicas(rs) > spec_replicas(before[u]) and rs_template_key(rs) != key and revision_of(rs) <= revision
        ]
        if not grown:
            continue
        pd = pv.deployment_first_by_uid.get(uid_of(d))
        if pd is None or (pd.get("spec") or {}).get("paused") or scaling_event(pv, pd) or spec_replicas(pd) != spec_replicas(d):
            continue
        change = ", ".join(f"{name_of(rs)} {old}->{spec_replicas(rs)}" for rs, old in grown)
        out.append(Violation("old_replicasets_never_grow", f"Deployment/{name_of(d)}", cur.time, f"old ReplicaSet scaled up ({change}) outside a scaling event"))
    return out


@invariant("step", reads=("ReplicaSet",))
def available_replicas_within_unavailable_limit(prev: Observation, cur: Observation) -> list[Violation]:
    """A rolling scale-down never takes availability below replicas - maxUnavailable.

    Upstream (`rolling.go` `reconcileOldReplicaSets`): old ReplicaSets shrink first by
    their unavailable replicas (`cleanupUnhealthyReplicas`, never more than
    ``spec - availableReplicas``), then only while Σ ``status.availableReplicas`` stays at
    least ``minAvailable = replicas - maxUnavailable`` (maxUnavailable rounds a percentage
    down, both-zero makes it 1, clamped to replicas). So on a step that shrinks
    ReplicaSets, the available replicas they keep, Σ min(spec, availableReplicas), may not
    drop below minAvailable unless they were already below it and do not drop further.
    Exceptions, as upstream: Recreate (no bound); a scaling event or a paused Deployment
    (`sync` scales proportionally, `isScalingEvent`); a Deployment being deleted.

    Not checked either while a ReplicaSet whose template is not the Deployment's has a higher
    revision than the Deployment: `getNewReplicaSet` gives a revision above the others only to
    the ReplicaSet whose template is the Deployment's, so the controller acted on a Deployment
    spec this observation does not show yet, whose maxUnavailable it cannot know (no annotation
    records it). A real cluster's watches deliver kinds separately: an apply that changed the
    image and maxUnavailable 0 -> 1 showed the old ReplicaSet scaled 3 -> 2 (and the new one,
    revision 2) before the applied Deployment (CI, 4 December 2026). (The new ReplicaSet
    itself may be a revision ahead for a sync: `getNewReplicaSet` returns after renumbering
    it, and the Deployment's annotation follows in the next sync; that is checked.)
    """
    pv, cv = view(prev), view(cur)
    out = []
    for d in cv.deployments:
        if is_terminating(d) or not is_rolling(d):
            continue
        before = _rs_map(pv, d)
        after = _rs_map(cv, d)
        shrunk = [(rs, spec_replicas(before[u])) for u, rs in after.items() if u in before and spec_replicas(rs) < spec_replicas(before[u])]
        if not shrunk:
            continue
        pd = pv.deployment_first_by_uid.get(uid_of(d))
        if pd is None or (pd.get("spec") or {}).get("paused") or scaling_event(pv, pd) or spec_replicas(pd) != spec_replicas(d):
            continue
        revision, key = revision_of(d), deployment_template_key(d)
        if any(revision_of(rs) > revision and rs_template_key(rs) != key for rs in after.values()):
            continue
        kept_before = sum(min(spec_replicas(before.get(u)), status_int(rs, "availableReplicas")) for u, rs in after.items())
        kept_after = sum(min(spec_replicas(rs), status_int(rs, "availableReplicas")) for rs in after.values())
        unavailable = max_unavailable(d)
        min_available = spec_replicas(d) - unavailable
        if kept_after < min(kept_before, min_available):
            change = ", ".join(f"{name_of(rs)} {old}->{spec_replicas(rs)}" for rs, old in shrunk)
            out.append(
                Violation(
                    "available_replicas_within_unavailable_limit",
                    f"Deployment/{name_of(d)}",
                    cur.time,
                    f"scaling {change} leaves {kept_after} available replicas (was {kept_before}); "
                    f"limit is replicas({spec_replicas(d)}) - maxUnavailable({unavailable}) = {min_available}",
                )
            )
    return out


@invariant("step", reads=("ReplicaSet",))
def replicaset_status_counts_its_pods(prev: Observation, cur: Observation) -> list[Violation]:
    """A ReplicaSet's status, when written, counts only pods that are ready / available then.

    Upstream (`replica_set_utils.go` `calculateStatus`; `podutil.IsPodAvailable`): over the
    ReplicaSet's active pods, ``readyReplicas`` counts the Ready ones and
    ``availableReplicas`` those Ready for strictly more than ``minReadySeconds``
    (Ready.lastTransitionTime + minReadySeconds < now). The status may be computed from
    the pods before the same sync deleted some, so the upper bound also counts the
    ReplicaSet's terminating pods; the lower bound counts its active pods.
    """
    pv, cv = view(prev), view(cur)
    prev_rs = pv.rs_by_uid
    out = []
    now_unix = None
    for rs in cv.rss:
        old = prev_rs.get(uid_of(rs))
        if old is rs:  # unchanged, so the same status
            continue
        if old is not None and (old.get("status") or {}) == (rs.get("status") or {}):
            continue
        if old is None and not rs.get("status"):
            continue
        if now_unix is None:
            now_unix = cv.clock()
        min_ready = (rs.get("spec") or {}).get("minReadySeconds") or 0
        ready_all, avail_all, avail_active = count_ready(cv.pods_of.get(uid_of(rs), ()), min_ready, now_unix)
        ready, avail = status_int(rs, "readyReplicas"), status_int(rs, "availableReplicas")
        if avail > avail_all or ready > ready_all:
            out.append(
                Violation(
                    "replicaset_status_counts_its_pods",
                    f"ReplicaSet/{name_of(rs)}",
                    cur.time,
                    f"status says readyReplicas={ready}, availableReplicas={avail}; its pods have {ready_all} ready and "
                    f"{avail_all} available (Ready for more than minReadySeconds={min_ready})",
                )
            )
        elif avail < avail_active:
            out.append(
                Violation(
                    "replicaset_status_counts_its_pods",
                    f"ReplicaSet/{name_of(rs)}",
                    cur.time,
                    f"status says availableReplicas={avail}; {avail_active} active pods are available (Ready for more than minReadySeconds={min_ready})",
                )
            )
    return out


@invariant("step", reads=("ReplicaSet",))
def replicaset_owns_only_matching_pods(prev: Observation, cur: Observation) -> list[Violation]:
    """When a ReplicaSet syncs, every active pod it controls matches its selector.

    Upstream (`controller_ref_manager.go` `ClaimPods`): a sync adopts matching orphans and
    releases owned pods that no longer match, before it counts. Checked on the
    observation in which the ReplicaSet's status was written (its sync), since a pod's
    labels may change in between.
    """
    pv, cv = view(prev), view(cur)
    out = []
    prev_rs = pv.rs_by_uid
    for rs in cv.rss:
        old = prev_rs.get(uid_of(rs))
        if old is not None and not object_changed(old, rs):
            continue
        sel = (rs.get("spec") or {}).get("selector")
        for p in cv.pods_of.get(uid_of(rs), ()):
            if pod_active(p) and not selector_matches(sel, meta_of(p).get("labels")):
                out.append(
                    Violation(
                        "replicaset_owns_only_matching_pods",
                        f"Pod/{name_of(p)}",
                        cur.time,
                        f"controlled by ReplicaSet/{name_of(rs)} whose selector {sel.get('matchLabels') if sel else sel} does not match labels {meta_of(p).get('labels')}",
                    )
                )
    return out


@invariant("step", reads=("Pod", "ReplicaSet"))
def controller_never_changes_hands(prev: Observation, cur: Observation) -> list[Violation]:
    """A pod or ReplicaSet is never moved from one controller straight to another.

    Upstream (`controller_ref_manager.go` `ClaimObject`): an object controlled by another
    controller is ignored, never stolen; only orphans are adopted, and only a controller
    releases what it owns. So a controller reference goes owner -> none -> owner', never
    owner -> owner'.
    """
    pv, cv = view(prev), view(cur)
    out = []
    for kind in ("Pod", "ReplicaSet"):
        before = pv.by_uid(kind)
        for o in cv.written_since(pv, kind):  # the others are their own `old`: skipped below
            old = before.get(uid_of(o))
            if old is None or old is o:
                continue
            a, b = controller_of(old), controller_of(o)
            if a is not None and b is not None and a.get("uid") != b.get("uid"):
                out.append(
                    Violation(
                        "controller_never_changes_hands",
                        f"{kind}/{name_of(o)}",
                        cur.time,
                        f"controller changed from {a.get('kind')}/{a.get('name')} to {b.get('kind')}/{b.get('name')} without being released",
                    )
                )
    return out


_PHASE_RANK = {"Pending": 0, "Unknown": 1, "Running": 2}


def _deletion_rank(pod: dict) -> tuple:
    """The deterministic head of `ActivePodsWithRanks.Less`: smaller is deleted first."""
    cost_raw = (meta_of(pod).get("annotations") or {}).get("controller.kubernetes.io/pod-deletion-cost")
    try:
        cost = int(cost_raw) if cost_raw is not None else 0
    except ValueError:
        cost = 0
    return (
        1 if (pod.get("spec") or {}).get("nodeName") else 0,
        _PHASE_RANK.get((pod.get("status") or {}).get("phase"), 3),
        1 if pod_ready(pod) else 0,
        cost,
    )


def _describe_pod(pod: dict) -> str:
    phase = (pod.get("status") or {}).get("phase")
    node = "scheduled" if (pod.get("spec") or {}).get("nodeName") else "unscheduled"
    return f"{name_of(pod)} ({node}, {phase}, {'ready' if pod_ready(pod) else 'not ready'})"


def _replicaset_deleted_pod(event: dict) -> bool:
    return event.get("reason") == "SuccessfulDelete" and (event.get("involvedObject") or {}).get("kind") == "ReplicaSet"


@invariant("step", reads=("Event",))
def replicaset_deletes_least_ready_pods_first(prev: Observation, cur: Observation) -> list[Violation]:
    """A ReplicaSet scaling down deletes unscheduled, then pending, then not-ready pods first.

    Upstream (`replica_set.go` `getPodsToDelete`, `controller_utils.go`
    `ActivePodsWithRanks.Less`): rules 1-4 are deterministic: unassigned before assigned;
    Pending < Unknown < Running; not Ready before Ready; lower pod-deletion-cost first.
    (Later rules compare log2 age buckets and break ties by UID, so they are not checked.)
    The pods a ReplicaSet deleted in a step are the ones named by its new
    ``SuccessfulDelete`` events (a recorder's correlator may fold several into one combined
    event or drop some, so this checks the ones named); they are compared, as the controller
    saw them, with the pods it kept.
    """
    events = new_events_where(prev, cur, _replicaset_deleted_pod)
    if not events:
        return []
    pv, cv = view(prev), view(cur)
    out = []
    by_rs: dict[str, set] = {}
    for e in events:
        msg = event_message(e)
        if msg.startswith("Deleted pod: "):
            by_rs.setdefault((e["involvedObject"].get("uid"), e["involvedObject"].get("name")), set()).add(msg[len("Deleted pod: ") :])
    for (rs_uid, rs_name), deleted in by_rs.items():
        kept = [p for p in cv.pods_of.get(rs_uid, ()) if pod_active(p) and name_of(p) not in deleted]
        gone = [pv.pod_by_name[n] for n in sorted(deleted) if n in pv.pod_by_name]
        for k in kept:
            before = pv.pod_by_name.get(name_of(k))
            if before is None or not pod_active(before):
                continue
            kr = _deletion_rank(before)
            for g in gone:
                if kr < _deletion_rank(g):
                    out.append(
                        Violation(
                            "replicaset_deletes_least_ready_pods_first",
                            f"ReplicaSet/{rs_name}",
                            cur.time,
                            f"deleted pod {_describe_pod(g)} but kept pod {_describe_pod(before)}",
                        )
                    )
    return out


@invariant("step", reads=("Endpoints",))
def endpoints_list_ready_serving_pods(prev: Observation, cur: Observation) -> list[Violation]:
    """When a Service's Endpoints are written, they list exactly its ready, non-terminating pods.

    Upstream (`endpoints_controller.go` `syncService`, `ShouldPodBeInEndpoints`,
    `addEndpointSubset`): a pod matching the selector takes part unless it is terminal,
    has no IP, or is terminating (unless ``publishNotReadyAddresses``); Ready pods (or all,
    with ``publishNotReadyAddresses``) go to ``addresses``, the others to
    ``notReadyAddresses``. Checked on the observation in which the Endpoints changed; a
    pod counts as ready if it was in this or the previous observation (one step of lag).
    """
    pv, cv = view(prev), view(cur)
    prev_eps = {name_of(e): e for e in prev.of("Endpoints")}
    out = []
    for svc in cur.of("Service"):
        sel = (svc.get("spec") or {}).get("selector")
        if not sel:
            continue
        ep = cur.get("Endpoints", name_of(svc))
        if ep is None or not object_changed(prev_eps.get(name_of(svc)), ep):
            continue
        publish = (svc.get("spec") or {}).get("publishNotReadyAddresses", False)
        ready, not_ready = endpoint_pods(ep)

        def eligible(p, ready_needed):
            if p is None or not service_selects(sel, meta_of(p).get("labels")) or not (p.get("status") or {}).get("podIP"):
                return False
            if (p.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
                return False
            if is_terminating(p) and not publish:
                return False
            return not ready_needed or publish or pod_ready(p)

        subject = f"Endpoints/{name_of(svc)}"
        for pod_name in ready:
            ok = eligible(cv.pod_by_name.get(pod_name), True) or eligible(pv.pod_by_name.get(pod_name), True)
            if not ok:
                p = cv.pod_by_name.get(pod_name)
                why = "does not exist" if p is None else ("is terminating" if is_terminating(p) else ("is not ready" if not pod_ready(p) else "is not selected"))
                out.append(Violation("endpoints_list_ready_serving_pods", subject, cur.time, f"ready address of pod {pod_name}, which {why}"))
        for pod_name in not_ready:
            if not (eligible(cv.pod_by_name.get(pod_name), False) or eligible(pv.pod_by_name.get(pod_name), False)):
                out.append(Violation("endpoints_list_ready_serving_pods", subject, cur.time, f"not-ready address of pod {pod_name}, which should not be listed"))
        for p in cv.pods:
            n = name_of(p)
            if n in ready:
                continue
            before = pv.pod_by_name.get(n)
            if eligible(p, True) and before is not None and eligible(before, True) and uid_of(before) == uid_of(p):
                out.append(Violation("endpoints_list_ready_serving_pods", subject, cur.time, f"ready pod {n} is missing from the addresses"))
    return out


@invariant("step", reads=("Deployment", "ReplicaSet"))
def revision_never_decreases(prev: Observation, cur: Observation) -> list[Violation]:
    """A ReplicaSet's revision never decreases; a Deployment's only when its history is gone.

    Upstream (`SetNewReplicaSetAnnotations`): a ReplicaSet's revision is only replaced by a
    larger one (``if oldRevisionInt < newRevisionInt``). The Deployment copies its new
    ReplicaSet's (`SetDeploymentRevision`, unconditionally) and `rollout undo` keeps it.
    Exception, as upstream: `cleanupDeployment` while paused may delete every old
    ReplicaSet (a low revisionHistoryLimit) including the one with the top number; the
    next new ReplicaSet then restarts at ``MaxRevision(remaining) + 1`` and the
    Deployment copies that lower number. So a Deployment's revision may drop only to a
    number that no remaining ReplicaSet of it exceeds.
    """
    pv, cv = view(prev), view(cur)
    out = []
    for kind in ("Deployment", "ReplicaSet"):
        before = pv.by_uid(kind)
        for o in cv.written_since(pv, kind):  # the others are their own `old`: skipped below
            old = before.get(uid_of(o))
            if old is None or old is o:
                continue
            a, b = revision_of(old), revision_of(o)
            if b >= a:
                continue
            if kind == "ReplicaSet":
                out.append(Violation("revision_never_decreases", f"{kind}/{name_of(o)}", cur.time, f"revision went from {a} to {b}"))
                continue
            top = max((revision_of(rs) for rs in cv.rss_of.get(uid_of(o), ())), default=0)
            if top > b:
                out.append(Violation("revision_never_decreases", f"{kind}/{name_of(o)}", cur.time, f"revision went from {a} to {b} while a ReplicaSet still has revision {top}"))
    return out


@invariant("step", reads=("ReplicaSet",))
def revision_bumps_to_next_number(prev: Observation, cur: Observation) -> list[Violation]:
    """A ReplicaSet that gets a (new) revision gets the next number: max of its siblings + 1.

    Upstream (`getNewReplicaSet`, `MaxRevision`): ``newRevision = MaxRevision(oldRSs) + 1``
    for a new ReplicaSet and for an old one re-used by a rollout or rollback, so
    `rollout undo` makes the old template current under the next revision number.
    """
    pv, cv = view(prev), view(cur)
    out = []
    for d in cv.deployments:
        before = _rs_map(pv, d)
        for u, rs in _rs_map(cv, d).items():
            r = revision_of(rs)
            old = before.get(u)
            if r == 0 or (old is not None and revision_of(old) == r):
                continue
            others = [revision_of(x) for x in before.values() if uid_of(x) != u]
            want = max(others, default=0) + 1
            if r != want:
                was = f"from {revision_of(old)} " if old is not None else ""
                out.append(
                    Violation(
                        "revision_bumps_to_next_number",
                        f"ReplicaSet/{name_of(rs)}",
                        cur.time,
                        f"revision set {was}to {r}; the other ReplicaSets of Deployment/{name_of(d)} go up to {want - 1}, so it should be {want}",
                    )
                )
    return out
