"""The Service registry's allocators: ClusterIPs from the service CIDR and NodePorts from their range.

Mirrors `pkg/registry/core/service/storage/alloc.go` (`allocateCreate`, `initNodePorts`,
`updateNodePorts`, `releaseAllocatedResources`), `ipallocator` and `portallocator`: a
Service keeps its ClusterIP and the node ports it asked for or was given; an update
releases the ports it no longer uses; removing the Service releases everything. The
allocations live in the cluster state (`ClusterState.cluster_ips`, `node_ports`), and the
"random" picks come from the cluster's seed.
"""

from __future__ import annotations

import hashlib
import ipaddress

from .errors import ApiError, Cause
from .state import ClusterState

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


def allocate_service(st: ClusterState, svc: dict, old: dict | None) -> tuple[ClusterState, dict]:
    """Give Service `svc` (replacing `old`, or new if None) its ClusterIP and node ports; return the
    state holding them and the Service with them set. Raises `ApiError` when a port cannot be had."""
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


def release_service(st: ClusterState, svc: dict) -> ClusterState:
    """Free the ClusterIP and node ports Service `svc` holds (`releaseAllocatedResources`)."""
    owner = (svc["metadata"]["namespace"], svc["metadata"]["name"])
    node_ports, cluster_ips = st.node_ports, st.cluster_ips
    for p in (svc.get("spec") or {}).get("ports") or ():
        if p.get("nodePort") and node_ports.get(p["nodePort"]) == owner:
            node_ports = node_ports.delete(p["nodePort"])
    ip = (svc.get("spec") or {}).get("clusterIP")
    if ip and cluster_ips.get(ip) == owner:
        cluster_ips = cluster_ips.delete(ip)
    return st.evolve(node_ports=node_ports, cluster_ips=cluster_ips)
