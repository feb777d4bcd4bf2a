"""The endpoints controller: a Service's `v1.Endpoints` are the pods its selector picks.

Mirrors `pkg/controller/endpoint/endpoints_controller.go` (`syncService`,
`addEndpointSubset`) and `ShouldPodBeInEndpoints`: a pod takes part if it matches the
selector, is not terminal, has an IP and (unless `publishNotReadyAddresses`) is not
terminating; ready pods go to `addresses`, the others to `notReadyAddresses`.

Abstracts: EndpointSlices (the same pods, with serving/terminating flags) are not modelled.
"""

from __future__ import annotations

import ipaddress

from .labels import map_selector_matches
from .pods import is_ready
from .state import ClusterState
from .store import create, remove, update


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
    obj = {"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": name, "namespace": ns, "labels": labels}}
    if subsets:
        obj["subsets"] = subsets
    if existing is None:
        st, _ = create(st, obj)
        return st
    if existing.get("subsets") == obj.get("subsets") and existing["metadata"].get("labels") == labels:
        return st
    new = {**existing, "metadata": {**existing["metadata"], "labels": labels}}
    if subsets:
        new["subsets"] = subsets
    else:
        new.pop("subsets", None)
    st, _ = update(st, new)
    return st


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
    """Group addresses by their resolved port list, as `endpoints.RepackSubsets` does."""
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
                subset[bucket] = sorted(g[bucket], key=lambda a: ipaddress.ip_address(a["ip"]))
        subset["ports"] = g["ports"]
        out.append(subset)
    return out
