"""The endpoints controller: a Service's `v1.Endpoints` are the pods its selector picks.

Mirrors `pkg/controller/endpoint/endpoints_controller.go` (`syncService`,
`addEndpointSubset`) and `ShouldPodBeInEndpoints`: a pod takes part if it matches the
selector, is not terminal, has an IP and (unless `publishNotReadyAddresses`) is not
terminating; ready pods go to `addresses`, the others to `notReadyAddresses`. Past 1000
addresses the object is truncated and annotated `endpoints.kubernetes.io/over-capacity:
truncated` (`truncateEndpoints`).

Abstracts: EndpointSlices (the same pods, with serving/terminating flags) are not modelled,
nor the `endpoints.kubernetes.io/last-change-trigger-time` annotation: it comes from the
controller's in-memory `TriggerTimeTracker` (the pods' Ready transition times it saw at its
previous sync), which the cluster state does not hold.
"""

from __future__ import annotations

import math
from typing import Any

from .informers import Controller, Handlers
from .labels import map_selector_matches
from .pmap import EMPTY
from .pods import is_ready
from .state import ClusterState
from .store import create, remove, update

#: `maxCapacity` and `v1.EndpointsOverCapacity` in `endpoints_controller.go`.
MAX_CAPACITY = 1000
OVER_CAPACITY = "endpoints.kubernetes.io/over-capacity"


def sync_endpoints(st: ClusterState, ns: str, name: str) -> ClusterState:
    """Reconcile the Endpoints of one Service (`syncService`)."""
    svc = st.get("Service", ns, name)
    existing = st.get("Endpoints", ns, name)
    if svc is None:
        return remove(st, "Endpoints", ns, name) if existing is not None else st
    selector = svc["spec"].get("selector")
    if not selector:
        return st  # user-managed endpoints
    publish_not_ready = svc["spec"].get("publishNotReadyAddresses", False)
    ready, not_ready = [], []
    for (pns, _), pod in st.table("Pod").items():
        if pns != ns or not map_selector_matches(selector, pod["metadata"].get("labels")):
            continue
        status = pod["status"]
        if status.get("phase") in ("Succeeded", "Failed") or not status.get("podIP"):
            continue
        if pod["metadata"].get("deletionTimestamp") and not publish_not_ready:
            continue
        addr = {
            "ip": status["podIP"],
            "nodeName": pod["spec"].get("nodeName"),
            "targetRef": {"kind": "Pod", "name": pod["metadata"]["name"], "namespace": ns, "uid": pod["metadata"]["uid"]},
        }
        (ready if publish_not_ready or is_ready(pod) else not_ready).append((pod, addr))
    subsets = _subsets(svc, ready, not_ready)
    labels = dict(svc["metadata"].get("labels") or {})
    labels["endpoints.kubernetes.io/managed-by"] = "endpoint-controller"
    if labels.get("service.kubernetes.io/headless") is None and svc["spec"].get("clusterIP") == "None":
        labels["service.kubernetes.io/headless"] = ""
    if existing is not None and existing.get("subsets", []) == subsets and existing["metadata"].get("labels") == labels and _capacity_annotation_set_correctly(existing):
        return st
    stored, truncated = truncate_subsets(subsets)
    annotations = dict((existing or {}).get("metadata", {}).get("annotations") or {})
    if truncated:
        annotations[OVER_CAPACITY] = "truncated"
    else:
        annotations.pop(OVER_CAPACITY, None)
    md = {**(existing or {}).get("metadata", {}), "name": name, "namespace": ns, "labels": labels, "annotations": annotations}
    if not annotations:
        del md["annotations"]
    new = {**(existing or {"apiVersion": "v1", "kind": "Endpoints"}), "metadata": md}
    if stored:
        new["subsets"] = stored
    else:
        new.pop("subsets", None)
    st, _ = create(st, new) if existing is None else update(st, new)
    return st


def _capacity_annotation_set_correctly(endpoints: dict) -> bool:
    """`capacityAnnotationSetCorrectly`: within capacity and without the over-capacity annotation."""
    count = sum(len(s.get("addresses") or ()) + len(s.get("notReadyAddresses") or ()) for s in endpoints.get("subsets") or ())
    return count <= MAX_CAPACITY and OVER_CAPACITY not in (endpoints["metadata"].get("annotations") or {})


def truncate_subsets(subsets: list[dict]) -> tuple[list[dict], bool]:
    """`truncateEndpoints`: at most `MAX_CAPACITY` addresses, ready ones first.

    Over capacity, each subset keeps its share (rounded up, within what is left) of the
    not-ready addresses, or, when the ready ones alone are too many, of the ready ones
    (and no not-ready address at all). Returns the subsets and whether any were cut.
    """
    total_ready = sum(len(s.get("addresses") or ()) for s in subsets)
    total_not_ready = sum(len(s.get("notReadyAddresses") or ()) for s in subsets)
    if total_ready + total_not_ready <= MAX_CAPACITY:
        return subsets, False
    cut_ready = total_ready > MAX_CAPACITY
    bucket = "addresses" if cut_ready else "notReadyAddresses"
    room = MAX_CAPACITY if cut_ready else MAX_CAPACITY - total_ready
    total = total_ready if cut_ready else total_not_ready
    left = room
    out = []
    for subset in subsets:
        mine = subset.get(bucket) or []
        kept = mine[: min(math.ceil(len(mine) / total * room), left)]
        left -= len(kept)
        new = {k: kept if k == bucket else v for k, v in subset.items() if not (cut_ready and k == "notReadyAddresses")}
        out.append({k: v for k, v in new.items() if v})
    return out, True


def _port_for(pod: dict, svc_port: dict) -> int | None:
    """`podutil.FindPort`: a numeric targetPort as is; a named one looked up in containerPorts."""
    target = svc_port.get("targetPort", svc_port["port"])
    if isinstance(target, int):
        return target
    for c in pod["spec"].get("containers") or ():
        for p in c.get("ports") or ():
            if p.get("name") == target and p.get("protocol", "TCP") == svc_port.get("protocol", "TCP"):
                return p["containerPort"]
    return None


def _subsets(svc: dict, ready: list, not_ready: list) -> list[dict]:
    """Group addresses by their resolved port list, as `endpoints.RepackSubsets` does; each list in
    `LessEndpointAddress` order: the IP as a string, byte by byte ("10.244.0.10" before "10.244.0.2"),
    then the pod's uid."""
    groups: dict[tuple, dict] = {}
    for bucket, pods in (("addresses", ready), ("notReadyAddresses", not_ready)):
        for pod, addr in pods:
            ports = []
            for sp in svc["spec"].get("ports") or ():
                port = _port_for(pod, sp)
                if port is None:
                    continue
                entry = {"port": port, "protocol": sp.get("protocol", "TCP")}
                if sp.get("name"):
                    entry = {"name": sp["name"], **entry}
                ports.append(entry)
            if not ports:
                continue
            key = tuple(sorted((p.get("name", ""), p["port"], p["protocol"]) for p in ports))
            g = groups.setdefault(key, {"ports": sorted(ports, key=lambda p: (p.get("name", ""), p["port"]))})
            g.setdefault(bucket, []).append(addr)
    out = []
    for key in sorted(groups):
        g = groups[key]
        subset = {}
        for bucket in ("addresses", "notReadyAddresses"):
            if g.get(bucket):
                subset[bucket] = sorted(g[bucket], key=lambda a: (a["ip"], a["targetRef"]["uid"]))
        subset["ports"] = g["ports"]
        out.append(subset)
    return out


# ----- informer handlers (`onServiceUpdate`, `onServiceDelete`, `addPod`, `updatePod`, `deletePod`) ---------


def on_service_update(queue: list, st: ClusterState, svc: dict, ref: dict | None) -> None:
    """`onServiceUpdate` (the handler for added Services, and of the new object for updated ones): enqueue the Service."""
    md = svc["metadata"]
    queue.append(("endpoints", md.get("namespace", ""), md["name"]))


def update_service(queue: list, st: ClusterState, old: dict, cur: dict, ref: dict | None, status_only: bool) -> None:
    """The update handler: `onServiceUpdate` of the Service as it is now."""
    on_service_update(queue, st, cur, ref)


def on_service_delete(queue: list, st: ClusterState, svc: dict, ref: dict | None) -> None:
    """`onServiceDelete`: enqueue the Service (its sync removes the Endpoints)."""
    on_service_update(queue, st, svc, ref)


def add_pod(queue: list, st: ClusterState, pod: dict, ref: dict | None) -> None:
    """`addPod`: enqueue every Service of the pod's namespace whose selector picks it."""
    _enqueue_services(queue, st, pod, None, pod)


def update_pod(queue: list, st: ClusterState, old: dict, cur: dict, ref: dict | None, status_only: bool) -> None:
    """`updatePod`: when the labels or what the endpoints show of the pod changed (`podEndpointsChanged`),
    enqueue every Service that picked the pod before or picks it now (none to pick: nothing to compare)."""
    if not _selecting_services(st, cur["metadata"].get("namespace", "")):
        return
    if _labels(old) != _labels(cur) or _endpoint_relevant(old) != _endpoint_relevant(cur):
        _enqueue_services(queue, st, cur, old, cur)


def delete_pod(queue: list, st: ClusterState, pod: dict, ref: dict | None) -> None:
    """`deletePod`: enqueue every Service whose selector picked the pod."""
    _enqueue_services(queue, st, pod, pod, None)


def _labels(obj: dict | None) -> dict:
    return (obj or {}).get("metadata", {}).get("labels") or {}


def _enqueue_services(queue: list, st: ClusterState, pod: dict, old: dict | None, new: dict | None) -> None:
    """Enqueue the Services of the pod's namespace that select `old` or `new` (`getPodServiceMemberships`)."""
    for svc in _selecting_services(st, pod["metadata"].get("namespace", "")):
        sel = svc["spec"].get("selector")
        if map_selector_matches(sel, _labels(old)) or map_selector_matches(sel, _labels(new)):
            queue.append(("endpoints", svc["metadata"]["namespace"], svc["metadata"]["name"]))


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


def _endpoint_relevant(pod: dict) -> Any:
    """The parts of a pod the endpoints controller looks at."""
    status = pod.get("status") or {}
    ready = any(c.get("type") == "Ready" and c.get("status") == "True" for c in status.get("conditions") or ())
    return (status.get("podIP"), ready, status.get("phase"), pod["metadata"].get("deletionTimestamp") is not None, pod["spec"].get("nodeName"))


CONTROLLER = Controller(
    "endpoints",
    sync_endpoints,
    {"Service": Handlers(on_service_update, update_service, on_service_delete), "Pod": Handlers(add_pod, update_pod, delete_pod)},
)
