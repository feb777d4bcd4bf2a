"""The API server's storage layer: create, update, delete, and the indices kept with the objects.

Every write returns a new state, in which the object, the indices (uid, controller
dependents, orphans, the pod index of `podindex.py`) and the work the controllers'
informer handlers enqueue for the change (`informers.fan_out`) are updated together.
Server-side behaviour that is not validation lives here: metadata (uid,
resourceVersion, generation, creationTimestamp, generateName), the Service allocators'
hooks (`allocator.py`), graceful pod deletion, and handing deletions to the garbage
collector.
"""

from __future__ import annotations

from typing import Any

from .allocator import allocate_service, release_service
from .clock import rfc3339
from .errors import ApiError
from .informers import fan_out
from .pmap import EMPTY, delete_in, set_in
from .podindex import move_node_load, node_slot, update_pod_index
from .kinds import CLUSTER_SCOPED, KIND_LIST, resource as resource_of
from .state import ClusterState, controller_ref, key_of, make_uid, mdelete, name_suffix, put_in, put_runtime, table_delete, table_put, writable
from .workqueue import enqueue, queue_changes

#: Kinds whose metadata.generation counts spec changes, whose create stores ``status: {}``, and
#: which a controller adopts while they have no owner (kept in the orphan index): `kinds.Kind`.
GENERATION_KINDS = frozenset(k.kind for k in KIND_LIST if k.generation)
EMPTY_STATUS_KINDS = frozenset(k.kind for k in KIND_LIST if k.empty_status)
ADOPTABLE_KINDS = frozenset(k.kind for k in KIND_LIST if k.controlled_by)


def _namespace_of(kind: str, obj: dict) -> str:
    return "" if kind in CLUSTER_SCOPED else obj["metadata"].get("namespace") or "default"


# ----- writes ----------------------------------------------------------------------------


def create(st: ClusterState, obj: dict) -> tuple[ClusterState, dict]:
    """Store a new object, filling in server-set metadata; return the state and the stored object.

    Raises `ApiError` AlreadyExists, NotFound (namespace) or Invalid (nodePort).
    """
    kind = obj["kind"]
    md = dict(obj["metadata"])
    ns = _namespace_of(kind, obj)
    if kind not in CLUSTER_SCOPED:
        md["namespace"] = ns
        if st.get("Namespace", "", ns) is None:
            raise ApiError.not_found("namespaces", ns)
    table = st.objects.get(kind, EMPTY)  # read by key only (a transient's builder answers as the map)
    seq = st.seq
    if not md.get("name") and md.get("generateName"):
        prefix = md["generateName"][:58]
        while True:
            seq += 1
            name = prefix + name_suffix(st.config.seed, seq)
            if (ns, name) not in table:
                break
        md["name"] = name
    name = md["name"]
    if (ns, name) in table:
        raise ApiError.already_exists(resource_of(kind), name, ns)
    seq += 1
    md["uid"] = make_uid(st.config.seed, seq)
    md["resourceVersion"] = str(seq)
    md["creationTimestamp"] = rfc3339(st.config.epoch, st.now)
    if kind in GENERATION_KINDS:
        md["generation"] = 1
    new = {**obj, "metadata": md}
    if kind == "Service":
        st, new = allocate_service(st.evolve(seq=seq), new, None)
    if kind in EMPTY_STATUS_KINDS and "status" not in new:
        new["status"] = {}
    return _put(st, kind, (ns, name), None, new, seq), new


def update(st: ClusterState, new: dict, *, status_only: bool = False, with_status: bool = False) -> tuple[ClusterState, dict]:
    """Replace a stored object; keep server-set metadata; bump resourceVersion and generation.

    A `status_only` write (the status subresource) keeps spec, labels and annotations
    from the stored object; any other write keeps the stored status.
    """
    kind = new["kind"]
    ns = _namespace_of(kind, new)
    name = new["metadata"]["name"]
    old = st.get(kind, ns, name)
    if old is None:
        raise ApiError.not_found(resource_of(kind), name, ns)
    seq = st.seq + 1
    omd = old["metadata"]
    if status_only:
        # The status strategies keep the stored spec and labels; annotations written
        # through /status persist (the controller sets the revision annotation that way).
        out = {**old, "status": new.get("status", {})}
        out["metadata"] = {**omd, "resourceVersion": str(seq)}
        ann = new["metadata"].get("annotations")
        if ann:
            out["metadata"]["annotations"] = ann
        else:
            out["metadata"].pop("annotations", None)
    else:
        md = dict(new["metadata"])
        for k in ("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation"):
            if k in omd:
                md[k] = omd[k]
            else:
                md.pop(k, None)
        md["namespace"] = omd.get("namespace", "") if kind not in CLUSTER_SCOPED else md.get("namespace")
        if kind not in CLUSTER_SCOPED:
            md["namespace"] = ns
        else:
            md.pop("namespace", None)
        md["resourceVersion"] = str(seq)
        if kind in GENERATION_KINDS:
            changed = new.get("spec") != old.get("spec")
            if kind == "Deployment":  # annotations reach the ReplicaSets, so they count (strategy.go)
                changed = changed or (md.get("annotations") or {}) != (omd.get("annotations") or {})
            md["generation"] = omd.get("generation", 1) + (1 if changed else 0)
        out = {**new, "metadata": md}
        if "status" in old and not with_status:
            out["status"] = old["status"]
    if kind == "Service" and not status_only:
        st, out = allocate_service(st.evolve(seq=seq), out, old)
    return _put(st, kind, (ns, name), old, out, seq, status_only=status_only), out


def set_status(st: ClusterState, obj: dict, status: dict, annotations: dict | None = None, *, runtime: Any = None) -> ClusterState:
    """Write `status` (and `annotations`, if given) through the status subresource, unless unchanged.

    The status strategies keep the stored spec and labels; annotations written through
    /status persist (the deployment controller sets the revision annotation that way).
    `runtime` (a pod's kubelet record) is stored in the same state copy, written or not.
    """
    md = obj["metadata"]
    if annotations is None or annotations == (md.get("annotations") or {}):
        if obj.get("status") == status:
            return st if runtime is None else st.evolve(runtime=put_runtime(st, key_of(obj), runtime))
        annotations = md.get("annotations")
    kind = obj["kind"]
    ns = _namespace_of(kind, obj)
    name = md["name"]
    old = st.get(kind, ns, name)
    if old is None:
        raise ApiError.not_found(resource_of(kind), name, ns)
    seq = st.seq + 1
    nmd = {**old["metadata"], "resourceVersion": str(seq)}
    if annotations:
        nmd["annotations"] = annotations
    else:
        nmd.pop("annotations", None)
    out = {**old, "metadata": nmd, "status": status}
    extra = None if runtime is None else {"runtime": put_runtime(st, (ns, name), runtime)}
    return _put(st, kind, (ns, name), old, out, seq, status_only=True, extra=extra)


def bind(st: ClusterState, pod: dict, node: str, spec: dict, status: dict) -> tuple[ClusterState, dict]:
    """The pods/binding subresource (`BindingREST.Create` / `assignPod`): set `spec.nodeName` and the status the scheduler gives.

    `spec` is the stored spec with `nodeName` set (shared between pods bound alike).
    """
    md = pod["metadata"]
    ns, name = md["namespace"], md["name"]
    old = st.get("Pod", ns, name)
    if old is None:
        raise ApiError.not_found("pods", name, ns)
    seq = st.seq + 1
    out = {**old, "metadata": {**old["metadata"], "resourceVersion": str(seq)}, "spec": spec, "status": status}
    return _put(st, "Pod", (ns, name), old, out, seq), out


def delete(st: ClusterState, kind: str, namespace: str, name: str, *, propagation: str = "Background", grace_seconds: int | None = None) -> ClusterState:
    """Delete an object as `DELETE` does.

    A pod bound to a node is only marked (deletionTimestamp + grace period); the kubelet
    removes it when its containers have stopped. A pod not bound to a node, or a grace
    period of 0, goes at once. Any other object goes at once and its dependents are handed
    to the garbage collector with `propagation` "Background"; with "Orphan" or "Foreground"
    it stays, marked (deletionTimestamp) and holding the `orphan` or `foregroundDeletion`
    finalizer, until the garbage collector has dealt with its dependents (`gc.collect`).
    """
    ns = "" if kind in CLUSTER_SCOPED else namespace
    obj = st.get(kind, ns, name)
    if obj is None:
        raise ApiError.not_found(resource_of(kind), name, ns)
    md = obj["metadata"]
    if kind == "Pod":
        grace = obj["spec"].get("terminationGracePeriodSeconds", 30) if grace_seconds is None else grace_seconds
        if md.get("deletionTimestamp"):
            return st  # already terminating
        if not obj["spec"].get("nodeName") or grace == 0:
            return remove(st, kind, ns, name)
        seq = st.seq + 1
        newmd = {**md, "deletionTimestamp": rfc3339(st.config.epoch, st.now), "deletionGracePeriodSeconds": grace, "resourceVersion": str(seq)}
        return _put(st, kind, (ns, name), obj, {**obj, "metadata": newmd}, seq)
    if propagation != "Background":
        # `Orphan` and `Foreground` keep the object, marked, with the finalizer the garbage
        # collector removes once it has orphaned or deleted the dependents (the registry's
        # `deletionFinalizersForGarbageCollection`).
        if md.get("deletionTimestamp"):
            return st
        finalizer = "orphan" if propagation == "Orphan" else "foregroundDeletion"
        seq = st.seq + 1
        stamp = rfc3339(st.config.epoch, st.now)
        newmd = {**md, "deletionTimestamp": stamp, "deletionGracePeriodSeconds": 0, "finalizers": [*(md.get("finalizers") or ()), finalizer], "resourceVersion": str(seq)}
        st = _put(st, kind, (ns, name), obj, {**obj, "metadata": newmd}, seq)
        return enqueue(st, ("gc", md["uid"], propagation))
    st = remove(st, kind, ns, name)
    if any(True for _ in st.dependent_keys(md["uid"])):
        st = enqueue(st, ("gc", md["uid"], propagation))
    return st


def remove(st: ClusterState, kind: str, namespace: str, name: str) -> ClusterState:
    """Remove an object from storage for good (the end of a deletion)."""
    obj = st.get(kind, namespace, name)
    if obj is None:
        return st
    if kind == "Service":
        st = release_service(st, obj)
    # An owner deleted in the foreground waits for its dependents: each removal re-checks it.
    ref = controller_ref(obj)
    owner = st.by_uid(ref["uid"]) if ref is not None else None
    waiting = (("gc", ref["uid"], "Foreground"),) if owner is not None and "foregroundDeletion" in (owner["metadata"].get("finalizers") or ()) else ()
    uid = obj["metadata"].get("uid")
    if uid in st.recorder:  # no event names a removed object again: its correlator entries go
        st = st.evolve(recorder=mdelete(writable(st, "recorder"), uid))
    if kind == "Pod":
        key = (namespace, name)
        extra = {"runtime": mdelete(writable(st, "runtime"), key)} if key in st.runtime else None
        uid = obj["metadata"]["uid"]
        first = (("gc", uid, "Background"),) if uid in st.dependents else ()
        return _put(st, kind, key, obj, None, first=first + waiting, extra=extra)
    return _put(st, kind, (namespace, name), obj, None, first=waiting)


def begin_create(st: ClusterState, obj: dict, namespace: str) -> None:
    """The registry's `BeginCreate` hook, which `Store.Create` (apiserver pkg/registry/generic/registry/store.go)
    runs before `rest.BeforeCreate` validates: for a Service, `Allocators.allocateCreate` / `initNodePorts`
    (pkg/registry/core/service/storage/alloc.go) reserves the node ports, so its error ("provided port is already
    allocated", "... not in the valid range") is reported instead of any validation error. Nothing is kept."""
    if obj.get("kind") == "Service" and isinstance(obj.get("metadata"), dict):
        allocate_service(st, {**obj, "metadata": {**obj["metadata"], "namespace": namespace}}, None)



def _put(
    st: ClusterState,
    kind: str,
    key: tuple,
    old: dict | None,
    new: dict | None,
    seq: int | None = None,
    *,
    status_only: bool = False,
    first: tuple = (),
    extra: dict | None = None,
) -> ClusterState:
    """Store `new` at `key` (None removes) in one state copy: the object, the uid/owner/orphan,
    pod and node-load indices, `seq` (if given), the work the informer handlers enqueue (`informers.fan_out`,
    after the garbage collector's items `first`), and the `extra` fields."""
    oref = controller_ref(old) if old is not None else None
    nref = controller_ref(new) if new is not None else None
    # The handlers see the state before this write (a transient's builders below change it in place).
    works = fan_out(st, kind, old, new, nref if new is not None else oref, status_only)
    changes = {"objects": table_delete(st, kind, key) if new is None else table_put(st, kind, key, new)}
    dependents, orphans = st.dependents, st.orphans
    if oref != nref or old is None or new is None:
        ikey = (kind, key[0], key[1])
        if old is not None:
            if oref is not None:
                dependents = delete_in(dependents, oref["uid"], ikey)
            else:
                orphans = delete_in(orphans, (kind, key[0]), key[1])
        if new is not None:
            if nref is not None:
                dependents = set_in(dependents, nref["uid"], ikey, None)
            elif kind in ADOPTABLE_KINDS:
                orphans = set_in(orphans, (kind, key[0]), key[1], None)
        if old is None:
            changes["uids"] = put_in(st, "uids", new["metadata"]["uid"], ikey)
        elif new is None:
            uid = old["metadata"]["uid"]
            changes["uids"] = mdelete(writable(st, "uids"), uid)
            if uid in st.pod_groups:  # a ranked owner is gone: its groups go too (`podindex.ranked`)
                changes["pod_groups"] = st.pod_groups.delete(uid)
        changes["dependents"], changes["orphans"] = dependents, orphans
    if kind == "Pod":
        index = (st.pod_counts, st.pod_groups, st.pod_sigs)
        changes["pod_counts"], changes["pod_groups"], changes["pod_sigs"] = update_pod_index(index, key, new, nref, st)
        if len(st.config.nodes) > 1:  # with one node the scheduler has no choice to make
            onode, nnode = node_slot(old), node_slot(new)
            if onode != nnode:
                changes["node_pods"] = move_node_load(st.node_pods, onode, nnode)
    if seq is not None:
        changes["seq"] = seq
    if first:
        works = [*first, *works]
    if works:
        changes.update(queue_changes(st, works))
    if extra:
        changes.update(extra)
    return st.evolve(**changes)


__all__ = ["create", "update", "set_status", "bind", "delete", "remove", "begin_create", "resource_of"]
