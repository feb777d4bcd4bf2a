"""The ReplicaSet controller: keep `spec.replicas` active pods, and report status.

Mirrors `pkg/controller/replicaset/replica_set.go` (`syncReplicaSet`, `manageReplicas`,
`claimPods`, `getPodsToDelete`) and `replica_set_utils.go` (`calculateStatus`).

Abstracts: expectations (the model's cache is never stale, so they are always met) and
API failures (every create and delete succeeds, so slow-start never stops early; the
batch sizes 1, 2, 4, ... are still recorded in the creation events' order).
"""

from __future__ import annotations

import heapq
from functools import cmp_to_key

from .clock import parse_ms
from .labels import selector_matches
from .pmap import EMPTY
from .podindex import smallest
from .qos import qos_class
from .pods import _log_rank, available_at_ms, compare_for_deletion, is_active, is_available, is_ready, is_terminating
from .state import ClusterState, controller_ref
from .events import record_event
from .informers import Controller, Handlers
from .store import create, delete, set_status, update
from .workqueue import add_timer

BURST_REPLICAS = 500  # `BurstReplicas` in replica_set.go
SLOW_START_INITIAL_BATCH = 1  # `controller.SlowStartInitialBatchSize`
COMPONENT = "replicaset-controller"


def sync_replicaset(st: ClusterState, ns: str, name: str) -> ClusterState:
    """Reconcile one ReplicaSet (`syncReplicaSet`)."""
    rs = st.get("ReplicaSet", ns, name)
    if rs is None:
        return st
    if claim_pods is _CLAIM and manage_replicas is _MANAGE and pods_to_delete is _TO_DELETE and is_available is _IS_AVAILABLE:
        out = _sync_from_index(st, rs)
        if out is not None:
            return out
    st, pods = claim_pods(st, rs)
    rs = st.get("ReplicaSet", ns, name)
    if not rs["metadata"].get("deletionTimestamp"):
        st = manage_replicas(st, rs, pods)
        rs = st.get("ReplicaSet", ns, name)
        pods = [p for p in (st.get("Pod", ns, p["metadata"]["name"]) for p in pods) if p is not None and is_active(p)]
    return update_status(st, rs, pods)


def claim_pods(st: ClusterState, rs: dict) -> tuple[ClusterState, list[dict]]:
    """Adopt matching orphans and release owned pods that no longer match (`ClaimPods`).

    Only active pods take part (the controller filters before claiming). Pods controlled
    by another controller are never taken. Returns the owned active pods.
    """
    md = rs["metadata"]
    ns, uid = md["namespace"], md["uid"]
    selector = rs["spec"].get("selector")
    owned: list[dict] = []
    for pod in st.dependents_of(uid, "Pod"):
        if not is_active(pod):
            continue
        if selector_matches(selector, pod["metadata"].get("labels")):
            owned.append(pod)
        elif not md.get("deletionTimestamp"):
            refs = [r for r in pod["metadata"].get("ownerReferences") or () if r.get("uid") != uid]
            pmd = {k: v for k, v in pod["metadata"].items() if k != "ownerReferences"}
            if refs:
                pmd["ownerReferences"] = refs
            st, _ = update(st, {**pod, "metadata": pmd})
    if not md.get("deletionTimestamp"):
        for pod in st.orphans_of("Pod", ns):
            if is_active(pod) and selector_matches(selector, pod["metadata"].get("labels")):
                ref = owner_reference(rs, "ReplicaSet")
                pmd = {**pod["metadata"], "ownerReferences": list(pod["metadata"].get("ownerReferences") or ()) + [ref]}
                st, adopted = update(st, {**pod, "metadata": pmd})
                owned.append(adopted)
    owned.sort(key=lambda p: p["metadata"]["name"])
    return st, owned


def owner_reference(owner: dict, kind: str) -> dict:
    """The controller reference a controller puts on what it creates or adopts."""
    return {
        "apiVersion": "apps/v1",
        "kind": kind,
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


def manage_replicas(st: ClusterState, rs: dict, pods: list[dict]) -> ClusterState:
    """Create or delete pods so that `len(pods)` reaches `spec.replicas` (`manageReplicas`)."""
    diff = len(pods) - rs["spec"].get("replicas", 1)
    if diff < 0:
        n = min(-diff, BURST_REPLICAS)
        batch, done = SLOW_START_INITIAL_BATCH, 0
        while done < n:  # slowStartBatch: 1, 2, 4, ... (all succeed in the model)
            size = min(batch, n - done)
            for _ in range(size):
                st = create_pod(st, rs)
            done += size
            batch *= 2
        return st
    if diff > 0:
        n = min(diff, BURST_REPLICAS)
        for pod in pods_to_delete(st, rs, pods, n):
            pmd = pod["metadata"]
            st = delete(st, "Pod", pmd["namespace"], pmd["name"])
            st = record_event(st, rs, "Normal", "SuccessfulDelete", f"Deleted pod: {pmd['name']}", COMPONENT)
    return st


def create_pod(st: ClusterState, rs: dict) -> ClusterState:
    """Create one pod from the ReplicaSet's template (`podControl.CreatePods`)."""
    tmpl = rs["spec"]["template"]
    tmd = tmpl.get("metadata") or {}
    md: dict = {"generateName": f"{rs['metadata']['name']}-", "namespace": rs["metadata"]["namespace"]}
    shared = _from_template(rs)
    if tmd.get("labels"):
        md["labels"] = shared[0]
    if tmd.get("annotations"):
        md["annotations"] = shared[1]
    if tmd.get("finalizers"):
        md["finalizers"] = list(tmd["finalizers"])
    md["ownerReferences"] = shared[2]
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": md, "spec": shared[3], "status": {"phase": "Pending", "qosClass": shared[4]}}
    st, pod = create(st, pod)
    return record_event(st, rs, "Normal", "SuccessfulCreate", f"Created pod: {pod['metadata']['name']}", COMPONENT)


def _from_template(rs: dict) -> tuple:
    """What every pod of `rs` gets from it: (labels, annotations, ownerReferences, spec, qosClass).

    Stored objects are never mutated, so the pods of one ReplicaSet share these values;
    remembered per
    ReplicaSet object (which keeps its identity until it is written again).
    """
    hit = _TEMPLATE_MEMO.get(id(rs))
    if hit is not None and hit[0] is rs:
        return hit[1]
    tmpl = rs["spec"]["template"]
    tmd = tmpl.get("metadata") or {}
    out = (dict(tmd.get("labels") or {}), dict(tmd.get("annotations") or {}), [owner_reference(rs, "ReplicaSet")], pod_spec_from_template(tmpl["spec"]), qos_class(tmpl["spec"]))
    if len(_TEMPLATE_MEMO) >= 256:
        _TEMPLATE_MEMO.clear()
    _TEMPLATE_MEMO[id(rs)] = (rs, out)  # the entry keeps `rs` alive, so its id is not reused meanwhile
    return out


#: id(ReplicaSet object) -> (that object, `_from_template` of it).
_TEMPLATE_MEMO: dict[int, tuple] = {}


def pod_spec_from_template(spec: dict) -> dict:
    """Return a pod spec as admission leaves it: the template plus admission defaults.

    Adds what the ServiceAccount, DefaultTolerationSeconds and Priority admission plugins
    set on every pod (service account, not-ready/unreachable tolerations, priority).
    Abstracts: the projected service-account token volume is not added.
    """
    out = dict(spec)
    out.setdefault("serviceAccountName", "default")
    out.setdefault("serviceAccount", out["serviceAccountName"])
    out.setdefault("enableServiceLinks", True)
    out.setdefault("preemptionPolicy", "PreemptLowerPriority")
    out.setdefault("priority", 0)
    tolerations = list(out.get("tolerations") or ())
    for key in ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"):
        if not any(t.get("key") == key for t in tolerations):
            tolerations.append({"effect": "NoExecute", "key": key, "operator": "Exists", "tolerationSeconds": 300})
    out["tolerations"] = tolerations
    return out


def pods_to_delete(st: ClusterState, rs: dict, pods: list[dict], n: int) -> list[dict]:
    """Pick the `n` pods to delete first (`getPodsToDelete` with `ActivePodsWithRanks`).

    Rank = number of active pods related to this ReplicaSet (those of every ReplicaSet
    with the same controller) on the same node.
    """
    if n >= len(pods):
        return list(pods)
    related = related_pods(st, rs)
    on_node: dict[str, int] = {}
    for p in related:
        if is_active(p):
            node = p["spec"].get("nodeName", "")
            on_node[node] = on_node.get(node, 0) + 1
    ranked = [(p, on_node.get(p["spec"].get("nodeName", ""), 0)) for p in pods]
    now, epoch = st.now, st.config.epoch
    ranked.sort(key=cmp_to_key(lambda a, b: compare_for_deletion(a, b, now, epoch)))
    return [p for p, _ in ranked[:n]]


def related_pods(st: ClusterState, rs: dict) -> list[dict]:
    """Pods of every ReplicaSet controlled by the same owner as `rs` (`getIndirectlyRelatedPods`)."""
    ref = controller_ref(rs)
    if ref is None:
        return st.dependents_of(rs["metadata"]["uid"], "Pod")
    out: list[dict] = []
    for sibling in st.dependents_of(ref["uid"], "ReplicaSet"):
        out.extend(st.dependents_of(sibling["metadata"]["uid"], "Pod"))
    return out


def update_status(st: ClusterState, rs: dict, pods: list[dict]) -> ClusterState:
    """Compute and write status (`calculateStatus`); set a timer for the next pod to become available.

    As `syncReplicaSet` (v1.33+) does when ready != available, the timer is
    `FindMinNextPodAvailabilityCheck`'s: the earliest instant a ready pod crosses
    minReadySeconds (here the first logical millisecond it counts as available).
    """
    min_ready = rs["spec"].get("minReadySeconds", 0)
    tmpl_labels = ((rs["spec"].get("template") or {}).get("metadata") or {}).get("labels") or {}
    now, epoch = st.now, st.config.epoch
    ready = available = labeled = 0
    next_available = None
    for p in pods:
        labels = p["metadata"].get("labels") or {}
        if all(labels.get(k) == v for k, v in tmpl_labels.items()):
            labeled += 1
        if is_ready(p):
            ready += 1
            if is_available(p, min_ready, now, epoch):
                available += 1
            else:
                at = available_at_ms(p, min_ready, epoch)
                if at is not None and (next_available is None or at < next_available):
                    next_available = at
    terminating = sum(1 for p in st.dependents_of(rs["metadata"]["uid"], "Pod") if is_terminating(p))
    status = {"replicas": len(pods)}
    for k, v in (("fullyLabeledReplicas", labeled), ("readyReplicas", ready), ("availableReplicas", available)):
        if v:
            status[k] = v
    status["observedGeneration"] = rs["metadata"].get("generation", 1)
    status["terminatingReplicas"] = terminating
    for c in rs.get("status", {}).get("conditions") or ():
        status.setdefault("conditions", []).append(c)
    st = set_status(st, rs, status)
    if next_available is not None:
        st = add_timer(st, next_available, ("replicaset", rs["metadata"]["namespace"], rs["metadata"]["name"]))
    return st


# ----- informer handlers (`addPod`, `updatePod`, `deletePod`, `addRS`, `updateRS` in replica_set.go) ---------------


def _labels(obj: dict) -> dict:
    return obj["metadata"].get("labels") or {}


def add_pod(queue: list, st: ClusterState, pod: dict, ref: dict | None) -> None:
    """`addPod`: enqueue the ReplicaSet that controls the pod; for an orphan, every ReplicaSet whose selector matches it."""
    if ref is not None:
        owner = st.uids.get(ref["uid"])
        if owner is not None and owner[0] == "ReplicaSet":
            queue.append(("replicaset", owner[1], owner[2]))
        return
    ns = pod["metadata"].get("namespace", "")
    for rs in st.list("ReplicaSet", ns):
        if selector_matches(rs["spec"].get("selector"), _labels(pod)):
            queue.append(("replicaset", ns, rs["metadata"]["name"]))


def update_pod(queue: list, st: ClusterState, old: dict, cur: dict, ref: dict | None, status_only: bool) -> None:
    """`updatePod`, as `addPod` of the pod as it is now (the model re-reads every owner at its sync)."""
    add_pod(queue, st, cur, ref)


def delete_pod(queue: list, st: ClusterState, pod: dict, ref: dict | None) -> None:
    """`deletePod`: enqueue the ReplicaSet that controlled the pod (an orphan's deletion enqueues nothing)."""
    if ref is not None:
        owner = st.uids.get(ref["uid"])
        if owner is not None and owner[0] == "ReplicaSet":
            queue.append(("replicaset", owner[1], owner[2]))


def add_rs(queue: list, st: ClusterState, rs: dict, ref: dict | None) -> None:
    """`addRS`: enqueue the new ReplicaSet."""
    md = rs["metadata"]
    queue.append(("replicaset", md.get("namespace", ""), md["name"]))


def update_rs(queue: list, st: ClusterState, old: dict, cur: dict, ref: dict | None, status_only: bool) -> None:
    """`updateRS`: enqueue the ReplicaSet, except for status writes (upstream enqueues those too; the model
    leaves them out)."""
    if not status_only:
        add_rs(queue, st, cur, ref)


CONTROLLER = Controller(
    "replicaset",
    sync_replicaset,
    {"Pod": Handlers(add_pod, update_pod, delete_pod), "ReplicaSet": Handlers(add_rs, update_rs)},
)


# ----- the same sync from the per-owner pod index (podindex.py) ---------------------------
#
# `sync_replicaset` above walks every pod the ReplicaSet owns (claim, rank, count). When
# nothing needs claiming or releasing and minReadySeconds is 0, everything it computes
# follows from the per-owner counts and ranking groups that `store._put` keeps, so the
# sync costs O(distinct pod shapes) instead of O(pods). Any case outside that (orphans in
# the namespace, a pod that no longer matches, a terminating ReplicaSet, minReadySeconds,
# rankings that would need uid tie-breaks between groups) returns None before writing
# anything, and the full walk runs instead. The functions the mutation tests patch
# (claim_pods, manage_replicas, pods_to_delete, is_available) disable this path when patched.

_CLAIM, _MANAGE, _TO_DELETE, _IS_AVAILABLE = claim_pods, manage_replicas, pods_to_delete, is_available
#: Above this many distinct ranking groups, pick victims by the full sort.
MAX_RANK_GROUPS = 32


def _sync_from_index(st: ClusterState, rs: dict) -> ClusterState | None:
    md = rs["metadata"]
    spec = rs["spec"]
    if md.get("deletionTimestamp") or spec.get("minReadySeconds", 0):
        return None
    ns, uid = md["namespace"], md["uid"]
    if len(st.orphans.get(("Pod", ns), EMPTY)):
        return None
    counts = _owned_counts(st, rs)
    if counts is None:
        return None
    owned, ready, labeled, _ = counts
    diff = owned - spec.get("replicas", 1)
    if diff < 0:
        n = min(-diff, BURST_REPLICAS)
        batch, done = SLOW_START_INITIAL_BATCH, 0
        while done < n:
            size = min(batch, n - done)
            for _ in range(size):
                st = create_pod(st, rs)
            done += size
            batch *= 2
        # The status counts the pods claimed before the creations (as the full sync does).
        _, _, _, terminating = _owned_counts(st, rs)
    elif diff > 0:
        victims = _victims(st, rs, min(diff, BURST_REPLICAS), owned)
        if victims is None:
            return None
        for pns, pname in victims:
            st = delete(st, "Pod", pns, pname)
            st = record_event(st, rs, "Normal", "SuccessfulDelete", f"Deleted pod: {pname}", COMPONENT)
        owned, ready, labeled, terminating = _owned_counts(st, rs)
    else:
        terminating = counts[3]
    rs = st.get("ReplicaSet", ns, md["name"])
    status = {"replicas": owned}
    for k, v in (("fullyLabeledReplicas", labeled), ("readyReplicas", ready), ("availableReplicas", ready)):
        if v:
            status[k] = v
    status["observedGeneration"] = rs["metadata"].get("generation", 1)
    status["terminatingReplicas"] = terminating
    for c in rs.get("status", {}).get("conditions") or ():
        status.setdefault("conditions", []).append(c)
    return set_status(st, rs, status)


def _owned_counts(st: ClusterState, rs: dict) -> tuple[int, int, int, int] | None:
    """(owned active pods, ready, fully labeled, terminating dependents), or None if a pod needs the full walk."""
    ns = rs["metadata"]["namespace"]
    selector = rs["spec"].get("selector")
    tmpl_labels = ((rs["spec"].get("template") or {}).get("metadata") or {}).get("labels") or {}
    owned = ready = labeled = terminating = 0
    for csig, count in st.pod_counts.get(rs["metadata"]["uid"], EMPTY).items():
        if csig is None or csig[0] != ns:
            return None
        _, lk, active, is_rdy, term, _ = csig
        if term:
            terminating += count
        if not active:
            continue
        labels = dict(lk)
        if not selector_matches(selector, labels):
            return None  # would be released: the full sync does that
        owned += count
        if is_rdy:
            ready += count
        if all(labels.get(k) == v for k, v in tmpl_labels.items()):
            labeled += count
    return owned, ready, labeled, terminating


def _victims(st: ClusterState, rs: dict, n: int, owned: int) -> list[tuple] | None:
    """`pods_to_delete` from the ranking groups: the same pods, or None when only the full sort can tell."""
    uid = rs["metadata"]["uid"]
    groups = st.pod_groups.get(uid, EMPTY)
    if n >= owned:  # keys are (namespace, name) in one namespace: tuple order is name order
        return sorted(k for entry in groups.values() for k in entry[0].keys())
    if len(groups) > MAX_RANK_GROUPS:
        return None
    ref = controller_ref(rs)
    owners = [uid] if ref is None else [s["metadata"]["uid"] for s in st.dependents_of(ref["uid"], "ReplicaSet")]
    on_node: dict = {}
    for owner in owners:
        for csig, count in st.pod_counts.get(owner, EMPTY).items():
            if csig is None:
                return None  # a pod the full walk must look at
            if csig[2]:  # active
                on_node[csig[5]] = on_node.get(csig[5], 0) + count
    epoch, now = st.config.epoch, st.now
    merged: dict[tuple, list] = {}
    try:
        for fsig, entry in groups.items():
            node, phase, ready, cost, since_raw, restarts, ct_raw = fsig
            since = parse_ms(epoch, since_raw) if ready else None
            ct = parse_ms(epoch, ct_raw)
            if (ready and since is None) or ct is None:
                return None
            f = (bool(node), phase, ready, cost, on_node.get(node, 0), since, restarts, ct)
            merged.setdefault(f, []).append(entry)
    except (ValueError, TypeError):
        return None
    keys = list(merged)
    for i, a in enumerate(keys):
        for b in keys[i + 1 :]:
            if _compare_groups(a, b, now) is None:
                return None
    keys.sort(key=cmp_to_key(lambda a, b: _compare_groups(a, b, now)))
    out: list[tuple] = []
    for f in keys:  # keys are (namespace, name), one namespace: tuple order is name order
        left = n - len(out)
        if left <= 0:
            break
        parts = merged[f]
        size = sum(len(entry[0]) for entry in parts)
        if len(parts) == 1 and size > left:
            out.extend(smallest(parts[0], left))
            continue
        names = [k for entry in parts for k in entry[0].keys()]
        out.extend(sorted(names) if size <= left else heapq.nsmallest(left, names))
    return out


def _compare_groups(a: tuple, b: tuple, now: int) -> int | None:
    """`compare_for_deletion` between two ranking groups; None when it would compare uids."""
    if a[0] != b[0]:
        return -1 if not a[0] else 1
    if a[1] != b[1]:
        return -1 if a[1] < b[1] else 1
    if a[2] != b[2]:
        return -1 if not a[2] else 1
    if a[3] != b[3]:
        return -1 if a[3] < b[3] else 1
    if a[4] != b[4]:
        return -1 if a[4] > b[4] else 1
    if a[2] and b[2] and a[5] != b[5]:
        diff = _log_rank(a[5], now) - _log_rank(b[5], now)
        if diff == 0:
            return None
        return -1 if diff < 0 else 1
    if a[6] != b[6]:
        return -1 if a[6] > b[6] else 1
    if a[7] != b[7]:
        diff = _log_rank(a[7], now) - _log_rank(b[7], now)
        if diff == 0:
            return None
        return -1 if diff < 0 else 1
    return 0
