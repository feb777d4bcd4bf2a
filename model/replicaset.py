"""The ReplicaSet controller: keep `spec.replicas` active pods, and report status.

Mirrors `pkg/controller/replicaset/replica_set.go` (`syncReplicaSet`, `manageReplicas`,
`getPodsToDelete`, the informer handlers), `replica_set_utils.go` (`calculateStatus`) and,
for claiming, `controller_ref_manager.go` (`controllerref.py`).

The sync reads the pods it owns from the per-owner pod index (`podindex.py`) when it can:
when claiming changes nothing, `claim_pods` returns them as `OwnedPods`, which counts them
by signature instead of walking them, so a sync costs O(distinct pod shapes) instead of
O(pods); the deletion ranking compares groups of interchangeable pods (`_victims`). Every
case the index cannot answer (a pod to adopt or release, minReadySeconds, rankings that
need uid tie-breaks between groups) walks the pods, with the same result.

Abstracts: expectations (the model's cache is never stale, so they are always met) and
API failures (every create and delete succeeds, so slow-start never stops early; the
batch sizes 1, 2, 4, ... are still recorded in the creation events' order).
"""

from __future__ import annotations

import heapq
from functools import cmp_to_key
from typing import Iterator

from .clock import parse_ms
from .controllerref import claim, owner_reference
from .events import record_event
from .informers import Controller, Handlers
from .labels import selector_matches
from .pmap import EMPTY, Map
from .podindex import ranked, smallest
from .pods import _log_rank, available_at_ms, compare_for_deletion, is_active, is_available, is_ready, is_terminating
from .qos import qos_class
from .state import ClusterState, controller_ref
from .store import create, delete, set_status
from .workqueue import add_timer

BURST_REPLICAS = 500  # `BurstReplicas` in replica_set.go
SLOW_START_INITIAL_BATCH = 1  # `controller.SlowStartInitialBatchSize`
COMPONENT = "replicaset-controller"
#: Above this many distinct ranking groups, pick victims by the full sort.
MAX_RANK_GROUPS = 32


def sync_replicaset(st: ClusterState, ns: str, name: str) -> ClusterState:
    """Reconcile one ReplicaSet (`syncReplicaSet`)."""
    rs = st.get("ReplicaSet", ns, name)
    if rs is None:
        return st
    st, pods = claim_pods(st, rs)
    rs = st.get("ReplicaSet", ns, name)
    # With as many pods as wanted, `manage_replicas` writes nothing, so the pods stay as claimed (most syncs).
    if not rs["metadata"].get("deletionTimestamp") and len(pods) != rs["spec"].get("replicas", 1):
        st = manage_replicas(st, rs, pods)
        rs = st.get("ReplicaSet", ns, name)
        pods = reread(st, rs, pods)
    return update_status(st, rs, pods)


class OwnedPods:
    """The active pods a ReplicaSet controls, as the pod index counts them (all match its selector), and
    how many of its pods are terminating.

    Iterating gives the pods, sorted by name, as they are in the state `st` they were counted in
    (a snapshot: within a sync the state changes in place, and the pods `manage_replicas` then
    creates must not be among them, as upstream's `calculateStatus` is given the pods listed
    before `manageReplicas`).
    """

    __slots__ = ("view", "rs", "owned", "ready", "labeled", "terminating")

    def __init__(self, st: ClusterState | tuple, rs: dict, counts: tuple[int, int, int, int]) -> None:
        # What iterating reads, as it is now (both immutable maps): the ReplicaSet's dependents and the
        # Pod table (a transient's table builder is finished for it); or such a view, passed on.
        self.view = st if type(st) is tuple else (st.dependents.get(rs["metadata"]["uid"], EMPTY), st.table("Pod"))
        self.rs = rs
        self.owned, self.ready, self.labeled, self.terminating = counts

    def __len__(self) -> int:
        return self.owned

    def __iter__(self) -> Iterator[dict]:
        """`ClusterState.dependents_of(uid, "Pod")`, the active ones, sorted by name."""
        dependents, table = self.view
        pods = []
        for k, ns, name in dependents.keys():
            if k == "Pod":
                p = table.get((ns, name))
                if p is not None and is_active(p):
                    pods.append(p)
        pods.sort(key=lambda p: p["metadata"]["name"])
        return iter(pods)


def claim_pods(st: ClusterState, rs: dict) -> tuple[ClusterState, list[dict] | OwnedPods]:
    """Adopt matching orphans and release owned pods that no longer match (`ClaimPods`).

    Only active pods take part (the controller filters before claiming). Pods controlled
    by another controller are never taken. Returns the owned active pods: from the pod
    index (`OwnedPods`) when there is nothing to adopt or release, else as a list sorted
    by name.
    """
    md = rs["metadata"]
    ns = md["namespace"]
    if md.get("deletionTimestamp") or not len(st.orphans.get(("Pod", ns), EMPTY)):
        counts = _owned_counts(st, rs)
        if counts is not None:
            return st, OwnedPods(st, rs, counts)
    owned = (p for p in st.dependents_of(md["uid"], "Pod") if is_active(p))
    st, pods = claim(st, rs, "ReplicaSet", owned, lambda st: (p for p in st.orphans_of("Pod", ns) if is_active(p)))
    pods.sort(key=lambda p: p["metadata"]["name"])
    return st, pods


def reread(st: ClusterState, rs: dict, pods: list[dict] | OwnedPods) -> list[dict] | OwnedPods:
    """The claimed `pods` as they are in `st`, after `manage_replicas`, leaving out those no longer active.

    The pods `manage_replicas` created are not among them. For `OwnedPods`: that sync either
    created pods, which leaves the claimed ones as they were, or deleted some, and the index
    then counts what is left of them.
    """
    if isinstance(pods, OwnedPods):
        counts = _owned_counts(st, rs)
        if counts is not None:
            if counts[0] > pods.owned:  # created: the claimed pods are as they were, in the state they were counted in
                return OwnedPods(pods.view, rs, (pods.owned, pods.ready, pods.labeled, counts[3]))
            return OwnedPods(st, rs, counts)
    ns = rs["metadata"]["namespace"]
    return [p for p in (st.get("Pod", ns, p["metadata"]["name"]) for p in pods) if p is not None and is_active(p)]


def _owned_counts(st: ClusterState, rs: dict) -> tuple[int, int, int, int] | None:
    """(owned active pods, ready, fully labeled, terminating dependents) from the pod index, or None if a
    pod needs the walk (one the index has no signature for, or an active one the selector no longer matches).

    A pure function of the owner's (immutable) count map, the (stored, never mutated) selector and
    template labels, and the namespace, memoised by identity (`_COUNTS`): a sync asks twice, syncs
    between two writes of the owner's pods ask again, and scaling keeps the selector and template."""
    md = rs["metadata"]
    ns = md["namespace"]
    spec = rs["spec"]
    selector = spec.get("selector")
    tmpl_labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or _NO_LABELS
    counts = st.pod_counts.get(md["uid"], EMPTY)
    memo = (id(counts), id(selector), id(tmpl_labels))
    hit = _COUNTS.get(memo)
    if hit is not None and hit[0] is counts and hit[1] is selector and hit[2] is tmpl_labels and hit[3] == ns:
        return hit[4]
    out = _count_owned(counts, selector, tmpl_labels, ns)
    if len(_COUNTS) >= 256:
        _COUNTS.clear()
    _COUNTS[memo] = (counts, selector, tmpl_labels, ns, out)  # keeps all three alive: their ids are not reused meanwhile
    return out


#: (id(count map), id(selector), id(template labels)) -> (those three, namespace, `_owned_counts`).
_COUNTS: dict[tuple, tuple] = {}


def _count_owned(counts: Map, selector: dict | None, tmpl_labels: dict, ns: str) -> tuple[int, int, int, int] | None:
    """`_owned_counts` of one owner's count map."""
    owned = ready = labeled = terminating = 0
    for csig, count in counts.items():
        if csig is None or csig[0] != ns:
            return None
        _, lk, active, is_rdy, term, _ = csig
        if term:
            terminating += count
        if not active:
            continue
        matches, full = _label_fit(selector, tmpl_labels, lk)
        if not matches:
            return None  # to be released: the walk does that
        owned += count
        if is_rdy:
            ready += count
        if full:
            labeled += count
    return owned, ready, labeled, terminating


def _label_fit(selector: dict | None, tmpl_labels: dict, lk: tuple) -> tuple[bool, bool]:
    """(does `selector` match the labels `lk` (sorted items), do they hold every template label): a pure
    function of the (stored, never mutated) selector and template labels and of `lk`, memoised (`_FIT`)."""
    memo = (id(selector), id(tmpl_labels), lk)
    hit = _FIT.get(memo)
    if hit is not None and hit[0] is selector and hit[1] is tmpl_labels:
        return hit[2]
    labels = dict(lk)
    fit = (selector_matches(selector, labels), all(labels.get(k) == v for k, v in tmpl_labels.items()))
    if len(_FIT) >= 1024:
        _FIT.clear()
    _FIT[memo] = (selector, tmpl_labels, fit)  # keeps both dicts alive: their ids are not reused meanwhile
    return fit


#: (id(selector), id(template labels), label items) -> (selector, template labels, `_label_fit` of them).
_FIT: dict[tuple, tuple] = {}
_NO_LABELS: dict = {}


def manage_replicas(st: ClusterState, rs: dict, pods: list[dict] | OwnedPods) -> ClusterState:
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
        if isinstance(pods, OwnedPods) and n < len(pods):
            st = ranked(st, rs["metadata"]["uid"])  # `_victims` ranks them by the owner's groups
        for pod in pods_to_delete(st, rs, pods, n):
            pmd = pod["metadata"]
            st = delete(st, "Pod", pmd["namespace"], pmd["name"])
            st = record_event(st, rs, "Normal", "SuccessfulDelete", f"Deleted pod: {pmd['name']}", COMPONENT)
    return st


def create_pod(st: ClusterState, rs: dict) -> ClusterState:
    """Create one pod from the ReplicaSet's template (`podControl.CreatePods`)."""
    tmpl = rs["spec"]["template"]
    tmd = tmpl.get("metadata") or {}
    shared = _from_template(rs)
    md: dict = {"generateName": shared[5], "namespace": rs["metadata"]["namespace"]}
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
    """What every pod of `rs` gets from it: (labels, annotations, ownerReferences, spec, qosClass, generateName).

    Stored objects are never mutated, so the pods of one ReplicaSet share these values;
    remembered per
    ReplicaSet object (which keeps its identity until it is written again).
    """
    hit = _TEMPLATE_MEMO.get(id(rs))
    if hit is not None and hit[0] is rs:
        return hit[1]
    tmpl = rs["spec"]["template"]
    tmd = tmpl.get("metadata") or {}
    out = (dict(tmd.get("labels") or {}), dict(tmd.get("annotations") or {}), [owner_reference(rs, "ReplicaSet")], pod_spec_from_template(tmpl["spec"]), qos_class(tmpl["spec"]), f"{rs['metadata']['name']}-")
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


def pods_to_delete(st: ClusterState, rs: dict, pods: list[dict] | OwnedPods, n: int) -> list[dict]:
    """Pick the `n` pods to delete first (`getPodsToDelete` with `ActivePodsWithRanks`).

    Rank = number of active pods related to this ReplicaSet (those of every ReplicaSet
    with the same controller) on the same node. `OwnedPods` are ranked by their index
    groups when those tell (`_victims`).
    """
    if n >= len(pods):
        return list(pods)
    if isinstance(pods, OwnedPods):
        keys = _victims(st, rs, n)
        if keys is not None:
            return [st.get("Pod", *key) for key in keys]
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


def update_status(st: ClusterState, rs: dict, pods: list[dict] | OwnedPods) -> ClusterState:
    """Compute and write status (`calculateStatus`); set a timer for the next pod to become available.

    As `syncReplicaSet` (v1.33+) does when ready != available, the timer is
    `FindMinNextPodAvailabilityCheck`'s: the earliest instant a ready pod crosses
    minReadySeconds (here the first logical millisecond it counts as available).
    """
    min_ready = rs["spec"].get("minReadySeconds", 0)
    next_available = None
    if isinstance(pods, OwnedPods) and not min_ready:
        # With minReadySeconds 0 every ready pod is available (`IsPodAvailable`): the counts tell it all.
        replicas, ready, available, labeled, terminating = pods.owned, pods.ready, pods.ready, pods.labeled, pods.terminating
    else:
        tmpl_labels = ((rs["spec"].get("template") or {}).get("metadata") or {}).get("labels") or {}
        now, epoch = st.now, st.config.epoch
        replicas = ready = available = labeled = 0
        for p in pods:
            replicas += 1
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
        if isinstance(pods, OwnedPods):
            terminating = pods.terminating
        else:
            terminating = sum(1 for p in st.dependents_of(rs["metadata"]["uid"], "Pod") if is_terminating(p))
    status = {"replicas": replicas}
    for k, v in (("fullyLabeledReplicas", labeled), ("readyReplicas", ready), ("availableReplicas", available)):
        if v:
            status[k] = v
    status["observedGeneration"] = rs["metadata"].get("generation", 1)
    status["terminatingReplicas"] = terminating
    for c in rs.get("status", {}).get("conditions") or ():
        status.setdefault("conditions", []).append(c)
    st = set_status(st, rs, status)  # writes nothing when the status is as stored
    if next_available is not None:
        st = add_timer(st, next_available, ("replicaset", rs["metadata"]["namespace"], rs["metadata"]["name"]))
    return st


# ----- the deletion ranking from the pod index (podindex.py) -------------------------------


def _victims(st: ClusterState, rs: dict, n: int) -> list[tuple] | None:
    """The keys of the `n` pods (fewer than it owns) `pods_to_delete` picks, from the ranking groups, or None
    when only the full sort can tell."""
    uid = rs["metadata"]["uid"]
    groups = st.pod_groups.get(uid)
    if groups is None or len(groups) > MAX_RANK_GROUPS:  # None: not `ranked` (groups are built only for those)
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
