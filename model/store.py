"""The API server's storage layer: create, update, delete, and the watch fan-out.

Every write returns a new state. A write also plays the part of the informers: it
enqueues the controllers whose event handlers would fire for that change
(`notify`). Server-side behaviour that is not validation lives here: metadata
(uid, resourceVersion, generation, creationTimestamp, generateName), ClusterIP and
NodePort allocation (`pkg/registry/core/service/portallocator`), graceful pod deletion,
and handing deletions to the garbage collector.
"""

from __future__ import annotations

import hashlib
import ipaddress
from typing import Any

from .clock import rfc3339
from .errors import ApiError, Cause
from .events import correlate
from .labels import map_selector_matches, selector_matches
from .pmap import EMPTY, delete_in, set_in
from .podindex import update_pod_index
from .state import KINDS, ClusterState, controller_ref, key_of, make_uid, name_suffix
from .workqueue import add_timer, enqueue, enqueue_many, queue_changes

NODE_PORT_RANGE = (30000, 32767)
#: Since v1.29 (ServiceNodePortStaticSubrange GA) dynamic allocation prefers the band above
#: min(max(16, size/32), 128) ports from the bottom, which stays free for static requests.
NODE_PORT_STATIC_BAND = min(max(16, (NODE_PORT_RANGE[1] - NODE_PORT_RANGE[0] + 1) // 32), 128)
#: The service CIDR (kubeadm's default `--service-cluster-ip-range`); 10.96.0.1 is the `kubernetes` Service.
SERVICE_CIDR = ipaddress.IPv4Network("10.96.0.0/12")
#: Allocatable ClusterIPs: the network and broadcast addresses are left out.
SERVICE_IPS = SERVICE_CIDR.num_addresses - 2
#: The ipallocator's `calculateRangeOffset`: min(max(16, size/16), 256) addresses at the bottom stay for static requests.
SERVICE_IP_STATIC_BAND = min(max(16, SERVICE_CIDR.num_addresses // 16), 256)
CLUSTER_SCOPED = {"Namespace"}
GENERATION_KINDS = {"Deployment", "ReplicaSet"}


def resource_of(kind: str) -> str:
    """Return the qualified resource (``deployments.apps``) of a kind."""
    return KINDS[kind][1]


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
    table = st.table(kind)
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
        st, new = _allocate_service(st.evolve(seq=seq), new, None)
    if kind in ("Deployment", "ReplicaSet") and "status" not in new:
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
        st, out = _allocate_service(st.evolve(seq=seq), out, old)
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
            return st if runtime is None else st.evolve(runtime=st.runtime.set(key_of(obj), runtime))
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
    extra = None if runtime is None else {"runtime": st.runtime.set((ns, name), runtime)}
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
        st = _release_service(st, obj)
    # An owner deleted in the foreground waits for its dependents: each removal re-checks it.
    ref = controller_ref(obj)
    owner = st.by_uid(ref["uid"]) if ref is not None else None
    waiting = (("gc", ref["uid"], "Foreground"),) if owner is not None and "foregroundDeletion" in (owner["metadata"].get("finalizers") or ()) else ()
    uid = obj["metadata"].get("uid")
    if uid in st.recorder:  # no event names a removed object again: its correlator entries go
        st = st.evolve(recorder=st.recorder.delete(uid))
    if kind == "Pod":
        key = (namespace, name)
        extra = {"runtime": st.runtime.delete(key)} if key in st.runtime else None
        uid = obj["metadata"]["uid"]
        first = (("gc", uid, "Background"),) if uid in st.dependents else ()
        return _put(st, kind, key, obj, None, first=first + waiting, extra=extra)
    return _put(st, kind, (namespace, name), obj, None, first=waiting)


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
    """Store `new` at `key` (None removes) in one state copy: the object, the uid/owner/orphan
    and pod indices, `seq` (if given), the work the watch handlers enqueue (after `first`, see
    `handlers`), and the `extra` fields."""
    table = st.objects.get(kind, EMPTY)
    table = table.delete(key) if new is None else table.set(key, new)
    changes = {"objects": st.objects.set(kind, table)}
    uids, dependents, orphans = st.uids, st.dependents, st.orphans
    oref = controller_ref(old) if old is not None else None
    nref = controller_ref(new) if new is not None else None
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
            elif kind in ("Pod", "ReplicaSet"):
                orphans = set_in(orphans, (kind, key[0]), key[1], None)
        if old is None:
            uids = uids.set(new["metadata"]["uid"], ikey)
        elif new is None:
            uids = uids.delete(old["metadata"]["uid"])
        changes["uids"], changes["dependents"], changes["orphans"] = uids, dependents, orphans
    if kind == "Pod":
        changes["pod_counts"], changes["pod_groups"], changes["pod_sigs"] = update_pod_index((st.pod_counts, st.pod_groups, st.pod_sigs), key, new, nref)
    if seq is not None:
        changes["seq"] = seq
    works = handlers(st, kind, old, new, nref if new is not None else oref, status_only=status_only)
    if first:
        works = [*first, *works]
    if works:
        changes.update(queue_changes(st, works))
    if extra:
        changes.update(extra)
    return st.evolve(**changes)


# ----- services: ClusterIP and NodePort allocation --------------------------------------


def _allocate_service(st: ClusterState, svc: dict, old: dict | None) -> tuple[ClusterState, dict]:
    ns, name = svc["metadata"]["namespace"], svc["metadata"]["name"]
    spec = dict(svc.get("spec") or {})
    owner = (ns, name)
    node_ports = st.node_ports
    if old is not None:  # release what the old object held; re-take below what is kept
        for p in (old.get("spec") or {}).get("ports") or ():
            if p.get("nodePort") and node_ports.get(p["nodePort"]) == owner:
                node_ports = node_ports.delete(p["nodePort"])
    stype = spec.get("type", "ClusterIP")
    cluster_ips = st.cluster_ips
    if not spec.get("clusterIP"):
        if old is not None and (old.get("spec") or {}).get("clusterIP"):
            spec["clusterIP"] = old["spec"]["clusterIP"]
        else:
            at = _random_scan_with_offset(lambda i: str(SERVICE_CIDR[1 + i]) in cluster_ips, SERVICE_IPS, SERVICE_IP_STATIC_BAND, st, "ip")
            if at is None:
                raise ApiError("InternalError", "Internal error occurred: failed to allocate a serviceIP: range is full", kind="Service", resource="services", name=name, namespace=ns)
            spec["clusterIP"] = ip = str(SERVICE_CIDR[1 + at])
            cluster_ips = cluster_ips.set(ip, owner)
        spec.setdefault("clusterIPs", [spec["clusterIP"]])
    elif spec["clusterIP"] not in cluster_ips:
        cluster_ips = cluster_ips.set(spec["clusterIP"], owner)
    causes: list[Cause] = []
    if stype in ("NodePort", "LoadBalancer"):
        ports = []
        old_ports = {(p.get("port"), p.get("protocol", "TCP")): p.get("nodePort") for p in ((old or {}).get("spec") or {}).get("ports") or ()}
        here: dict = {}  # node port -> the service port number it was allocated for in this request
        for i, p in enumerate(spec.get("ports") or ()):
            p = dict(p)
            want = p.get("nodePort")
            if not want:
                want = old_ports.get((p.get("port"), p.get("protocol", "TCP")))
                if want and node_ports.get(want) not in (None, owner):
                    want = None
                if not want:
                    want = _free_node_port(node_ports, st, i)
                    if want is None:
                        causes.append(Cause(f"spec.ports[{i}].nodePort", "Invalid value", "range is full", 0, True))
                        ports.append(p)
                        continue
            elif not NODE_PORT_RANGE[0] <= want <= NODE_PORT_RANGE[1]:
                causes.append(
                    Cause(
                        f"spec.ports[{i}].nodePort",
                        "Invalid value",
                        f"provided port is not in the valid range. The range of valid ports is {NODE_PORT_RANGE[0]}-{NODE_PORT_RANGE[1]}",
                        want,
                        True,
                    )
                )
                ports.append(p)
                continue
            elif node_ports.get(want) not in (None, owner) or (old is None and here.get(want, p.get("port")) != p.get("port")):
                # On create, `initNodePorts` allocates a requested port once per service port number, so a
                # second service port asking for the same node port is refused by the allocator.
                causes.append(Cause(f"spec.ports[{i}].nodePort", "Invalid value", "provided port is already allocated", want, True))
                ports.append(p)
                continue
            p["nodePort"] = want
            node_ports = node_ports.set(want, owner)
            here.setdefault(want, p.get("port"))
            ports.append(p)
        spec["ports"] = ports
    if causes:  # the allocator returns its first error
        raise ApiError.invalid("Service", name, causes[:1], resource="services", namespace=ns)
    return st.evolve(node_ports=node_ports, cluster_ips=cluster_ips), {**svc, "spec": spec}


def begin_create(st: ClusterState, obj: dict, namespace: str) -> None:
    """The registry's `BeginCreate` hook, which `Store.Create` (apiserver pkg/registry/generic/registry/store.go)
    runs before `rest.BeforeCreate` validates: for a Service, `Allocators.allocateCreate` / `initNodePorts`
    (pkg/registry/core/service/storage/alloc.go) reserves the node ports, so its error ("provided port is already
    allocated", "... not in the valid range") is reported instead of any validation error. Nothing is kept."""
    if obj.get("kind") == "Service" and isinstance(obj.get("metadata"), dict):
        _allocate_service(st, {**obj, "metadata": {**obj["metadata"], "namespace": namespace}}, None)


def _free_node_port(node_ports, st: ClusterState, index: int) -> int | None:
    """Pick a free node port for service port `index` as the port allocator's `AllocateNext` does, or None."""
    lo, hi = NODE_PORT_RANGE
    at = _random_scan_with_offset(lambda i: lo + i in node_ports, hi - lo + 1, NODE_PORT_STATIC_BAND, st, f"port{index}")
    return None if at is None else lo + at


def _random_scan_with_offset(taken, size: int, offset: int, st: ClusterState, what: str) -> int | None:
    """Return a free offset in [0, size), or None (`randomScanStrategyWithOffset.AllocateBit`, allocator/bitmap.go;
    the ClusterIP allocator's `allocateNextService` scans alike).

    From a random start it scans the upper band [offset, size) forward with wrap-around, then, if that is
    full, the lower band [0, offset) (kept for static requests) from another random start. The random
    numbers come from the cluster's seed and the write's sequence number.
    """
    upper = size - offset
    start = _draw(st, what, 0, upper)
    for i in range(upper):
        at = offset + (start + i) % upper
        if not taken(at):
            return at
    if offset:
        start = _draw(st, what, 1, offset)
        for i in range(offset):
            at = (start + i) % offset
            if not taken(at):
                return at
    return None


def _draw(st: ClusterState, what: str, k: int, n: int) -> int:
    """A number in [0, n) derived from the seed and `st.seq` (`rand.Intn`, without hidden randomness)."""
    h = hashlib.blake2b(f"{what}:{k}:{st.config.seed}:{st.seq}".encode(), digest_size=8).digest()
    return int.from_bytes(h, "big") % n


def _release_service(st: ClusterState, svc: dict) -> ClusterState:
    owner = (svc["metadata"]["namespace"], svc["metadata"]["name"])
    node_ports, cluster_ips = st.node_ports, st.cluster_ips
    for p in (svc.get("spec") or {}).get("ports") or ():
        if p.get("nodePort") and node_ports.get(p["nodePort"]) == owner:
            node_ports = node_ports.delete(p["nodePort"])
    ip = (svc.get("spec") or {}).get("clusterIP")
    if ip and cluster_ips.get(ip) == owner:
        cluster_ips = cluster_ips.delete(ip)
    return st.evolve(node_ports=node_ports, cluster_ips=cluster_ips)


# ----- events ----------------------------------------------------------------------------


def record_event(st: ClusterState, obj: dict, etype: str, reason: str, message: str, component: str) -> ClusterState:
    """Record a `v1.Event` about `obj` as `record.EventRecorder.Eventf` would: through the correlator
    (`events.correlate`), which counts repeats, combines similar events and rate-limits each source.

    The event is kept as a compact record (`state.event_record`); every read through
    `ClusterState.get/list/table` sees its API JSON (`state.event_dict`).
    """
    when = (st.config.epoch, st.now)
    if _STAMP[0] != when:  # events of one instant share their timestamp string
        _STAMP[0], _STAMP[1] = when, rfc3339(st.config.epoch, st.now)
    return correlate(st, obj, etype, reason, message, component, _STAMP[1])


#: (epoch, now) of the last event and its rfc3339 timestamp.
_STAMP: list = [None, ""]


# ----- watch fan-out ---------------------------------------------------------------------


def _labels(obj: dict | None) -> dict:
    return (obj or {}).get("metadata", {}).get("labels") or {}


def notify(st: ClusterState, kind: str, old: dict | None, new: dict | None, *, status_only: bool = False) -> ClusterState:
    """Enqueue the controllers whose informer handlers react to this change."""
    works = handlers(st, kind, old, new, controller_ref(new if new is not None else old), status_only=status_only)
    return enqueue_many(st, works) if works else st


def _selecting_services(st: ClusterState, ns: str) -> tuple:
    """The Services of `ns` with a selector (an empty one selects nothing), memoised per Service table."""
    table = st.objects.get("Service", EMPTY)
    hit = _SELECTING.get((id(table), ns))
    if hit is not None and hit[0] is table:
        return hit[1]
    out = tuple(svc for svc in table.values() if svc["metadata"]["namespace"] == ns and svc["spec"].get("selector"))
    if len(_SELECTING) >= 256:
        _SELECTING.clear()
    _SELECTING[(id(table), ns)] = (table, out)  # keeps `table` alive: its id is not reused meanwhile
    return out


#: (id(Service table), namespace) -> (that table, its Services with a selector).
_SELECTING: dict[tuple, tuple] = {}


def handlers(st: ClusterState, kind: str, old: dict | None, new: dict | None, ref: dict | None, *, status_only: bool = False) -> list:
    """The work the informers' event handlers enqueue for this change (`ref`: the changed
    object's controller reference), read from the state before or after the write alike:
    a write never changes what its own handlers look up."""
    obj = new if new is not None else old
    md = obj["metadata"]
    ns = md.get("namespace", "")
    name = md["name"]
    works: list[tuple] = []
    if kind == "Pod":
        if ref is not None:
            owner = st.uids.get(ref["uid"])
            if owner is not None and owner[0] == "ReplicaSet":
                works.append(("replicaset", owner[1], owner[2]))
                if new is None:
                    d = _recreate_deployment_left_without_pods(st, owner, (ns, name))
                    if d is not None:
                        works.append(("deployment", ns, d["metadata"]["name"]))
        elif new is not None:  # an orphan: every ReplicaSet that might adopt it
            for rs in st.list("ReplicaSet", ns):
                if selector_matches(rs["spec"].get("selector"), _labels(new)):
                    works.append(("replicaset", ns, rs["metadata"]["name"]))
        services = _selecting_services(st, ns)
        if services and (old is None or new is None or _labels(old) != _labels(new) or _endpoint_relevant(old) != _endpoint_relevant(new)):
            for svc in services:
                sel = svc["spec"].get("selector")
                if map_selector_matches(sel, _labels(old)) or map_selector_matches(sel, _labels(new)):
                    works.append(("endpoints", ns, svc["metadata"]["name"]))
        if new is not None and not status_only:
            works.append(("kubelet" if new["spec"].get("nodeName") else "scheduler", ns, name))
    elif kind == "ReplicaSet":
        if new is not None and not status_only:
            works.append(("replicaset", ns, name))
        if ref is not None:
            owner = st.uids.get(ref["uid"])
            if owner is not None and owner[0] == "Deployment":
                works.append(("deployment", owner[1], owner[2]))
        elif new is not None:
            for d in st.list("Deployment", ns):
                if selector_matches(d["spec"].get("selector"), _labels(new)):
                    works.append(("deployment", ns, d["metadata"]["name"]))
    elif kind == "Deployment":
        if new is not None:  # `updateDeployment` enqueues on every update, status writes included
            works.append(("deployment", ns, name))
    elif kind == "Service":
        works.append(("endpoints", ns, name))
    elif kind == "ConfigMap":
        for pod in st.list("Pod", ns):
            if name in configmaps_used_by(pod) and pod["spec"].get("nodeName"):
                works.append(("kubelet", ns, pod["metadata"]["name"]))
    return works


def _recreate_deployment_left_without_pods(st: ClusterState, rs_key: tuple, gone: tuple) -> dict | None:
    """The Recreate Deployment that the deletion of pod `gone` (controlled by ReplicaSet `rs_key`) leaves
    without pods, or None (`DeploymentController.deletePod`).

    Upstream enqueues a Recreate Deployment only when `getPodMapForDeployment` finds no pod left: no pod
    matching its selector is controlled by any of its ReplicaSets (`ListReplicaSets`). The informer has
    already dropped the deleted pod, so `gone` is not counted.
    """
    rs = st.get(*rs_key)
    dref = controller_ref(rs) if rs else None
    if dref is None:
        return None
    d = st.by_uid(dref["uid"])
    if d is None or d["kind"] != "Deployment" or d["spec"].get("strategy", {}).get("type") != "Recreate":
        return None
    selector = d["spec"].get("selector")
    for kind, ns, rs_name in st.dependent_keys(dref["uid"]):
        if kind != "ReplicaSet":
            continue
        owned = st.get(kind, ns, rs_name)
        if owned is None or not selector_matches(selector, _labels(owned)):
            continue
        for pkind, pns, pname in st.dependent_keys(owned["metadata"]["uid"]):
            if pkind == "Pod" and (pns, pname) != gone:
                pod = st.get(pkind, pns, pname)
                if pod is not None and selector_matches(selector, _labels(pod)):
                    return None
    return d


def _endpoint_relevant(pod: dict | None) -> Any:
    """The parts of a pod the endpoints controller looks at."""
    if pod is None:
        return None
    status = pod.get("status") or {}
    ready = any(c.get("type") == "Ready" and c.get("status") == "True" for c in status.get("conditions") or ())
    return (status.get("podIP"), ready, status.get("phase"), pod["metadata"].get("deletionTimestamp") is not None, pod["spec"].get("nodeName"))


def configmaps_used_by(pod: dict) -> set[str]:
    """Return the names of the ConfigMaps a pod's containers or volumes reference."""
    names: set[str] = set()
    spec = pod["spec"]
    for c in list(spec.get("containers") or ()) + list(spec.get("initContainers") or ()):
        for src in c.get("envFrom") or ():
            if src.get("configMapRef"):
                names.add(src["configMapRef"].get("name", ""))
        for e in c.get("env") or ():
            ref = (e.get("valueFrom") or {}).get("configMapKeyRef")
            if ref:
                names.add(ref.get("name", ""))
    for v in spec.get("volumes") or ():
        if v.get("configMap"):
            names.add(v["configMap"].get("name", ""))
        for src in (v.get("projected") or {}).get("sources") or ():
            if src.get("configMap"):
                names.add(src["configMap"].get("name", ""))
    return names


__all__ = ["create", "update", "set_status", "delete", "remove", "record_event", "notify", "add_timer", "resource_of"]
