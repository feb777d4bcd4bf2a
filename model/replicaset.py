"""The ReplicaSet controller: keep `spec.replicas` active pods, and report status.

Mirrors `pkg/controller/replicaset/replica_set.go` (`syncReplicaSet`, `manageReplicas`,
`claimPods`, `getPodsToDelete`) and `replica_set_utils.go` (`calculateStatus`).

Abstracts: expectations (the model's cache is never stale, so they are always met) and
API failures (every create and delete succeeds, so slow-start never stops early; the
batch sizes 1, 2, 4, ... are still recorded in the creation events' order).
"""

from __future__ import annotations

from functools import cmp_to_key

from .labels import selector_matches
from .pods import available_at_ms, compare_for_deletion, is_active, is_available, is_ready, is_terminating
from .state import ClusterState, controller_ref
from .store import create, delete, record_event, set_status, update
from .workqueue import add_timer

BURST_REPLICAS = 500  # `BurstReplicas` in replica_set.go
SLOW_START_INITIAL_BATCH = 1  # `controller.SlowStartInitialBatchSize`
COMPONENT = "replicaset-controller"


def sync_replicaset(st: ClusterState, ns: str, name: str) -> ClusterState:
    """Reconcile one ReplicaSet (`syncReplicaSet`)."""
    rs = st.get("ReplicaSet", ns, name)
    if rs is None:
        return st
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
    if tmd.get("labels"):
        md["labels"] = dict(tmd["labels"])
    if tmd.get("annotations"):
        md["annotations"] = dict(tmd["annotations"])
    if tmd.get("finalizers"):
        md["finalizers"] = list(tmd["finalizers"])
    md["ownerReferences"] = [owner_reference(rs, "ReplicaSet")]
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": md, "spec": pod_spec_from_template(tmpl["spec"]), "status": {"phase": "Pending", "qosClass": qos_class(tmpl["spec"])}}
    st, pod = create(st, pod)
    return record_event(st, rs, "Normal", "SuccessfulCreate", f"Created pod: {pod['metadata']['name']}", COMPONENT)


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


def qos_class(spec: dict) -> str:
    """`qos.GetPodQOS`, reduced: BestEffort without requests or limits, else Burstable/Guaranteed."""
    res = [c.get("resources") or {} for c in spec.get("containers") or ()]
    if not any(r.get("requests") or r.get("limits") for r in res):
        return "BestEffort"
    if all(r.get("limits") and (not r.get("requests") or r["requests"] == r["limits"]) and {"cpu", "memory"} <= set(r["limits"]) for r in res):
        return "Guaranteed"
    return "Burstable"


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

    Upstream requeues after minReadySeconds when all pods are ready but not all available;
    the model wakes up exactly when the next pod crosses its availability instant.
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
