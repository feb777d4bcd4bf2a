"""Tests for model/endpoints.py: a Service's v1.Endpoints.

Expectations come from upstream `pkg/controller/endpoint/endpoints_controller.go` (`syncService`,
`addEndpointSubset`) and `endpointslice/util#ShouldPodBeInEndpoints`: selector match, not terminal,
has an IP, not terminating unless publishNotReadyAddresses; ready -> addresses, else notReadyAddresses;
at most 1000 addresses (`truncateEndpoints`, `capacityAnnotationSetCorrectly`).
"""

from __future__ import annotations

import ipaddress

from kubesim import model as m
from kubesim.model.endpoints import OVER_CAPACITY, truncate_subsets
from simkit import NS, deployment, pods_of, run, service


def _counts(st, name="web"):
    ep = st.get("Endpoints", NS, name)
    subsets = (ep or {}).get("subsets") or ()
    return (sum(len(s.get("addresses") or ()) for s in subsets), sum(len(s.get("notReadyAddresses") or ()) for s in subsets))


def test_ready_pods_are_addresses():
    """On a Service over 3 ready pods, Endpoints has 3 addresses with the resolved targetPort."""
    st = run(m.Apply(deployment(replicas=3)), m.Apply(service(target_port=8080)))
    assert _counts(st) == (3, 0)
    (subset,) = st.get("Endpoints", NS, "web")["subsets"]
    assert subset["ports"] == [{"port": 8080, "protocol": "TCP"}]
    ips = sorted(p["status"]["podIP"] for p in pods_of(st))
    assert sorted(a["ip"] for a in subset["addresses"]) == ips
    assert all(a["targetRef"]["kind"] == "Pod" for a in subset["addresses"])


def test_not_ready_pod_moves_to_not_ready_addresses():
    """On a pod failing readiness, it moves to notReadyAddresses; back when ready again."""
    st = run(m.Apply(deployment(replicas=2)), m.Apply(service()))
    victim = pods_of(st)[0]["metadata"]["name"]
    st = run(m.SetReadiness(victim, False), st=st)
    assert _counts(st) == (1, 1)
    st = run(m.SetReadiness(victim, None), st=st)
    assert _counts(st) == (2, 0)


def test_terminating_pod_leaves_at_once_unless_publish_not_ready():
    """On deleting a pod, it leaves Endpoints immediately; with publishNotReadyAddresses it stays in addresses until gone."""
    st = run(m.Apply(deployment(replicas=2)), m.Apply(service()), m.Apply(service("pub", selector={"app": "web"}, publish_not_ready=True)))
    victim = pods_of(st)[0]["metadata"]["name"]
    st = m.step(st, m.Delete("Pod", victim))
    st = m.run_queue(st)
    # The replacement is bound and has an IP but is not ready yet.
    assert _counts(st, "web") == (1, 1)
    assert _counts(st, "pub") == (3, 0)  # survivor, terminating victim, not-ready replacement: all addresses
    st = m.settle(st)
    assert _counts(st, "web") == (2, 0) and _counts(st, "pub") == (2, 0)


def test_pod_without_ip_is_not_listed():
    """On a pod not yet bound (no podIP), it is in neither list."""
    st = run(m.Apply(service()))
    st = m.step(st, m.Apply(deployment(replicas=1)))
    st = m.step(st, m.RunWork(("deployment", NS, "web")))
    st = m.step(st, m.RunWork(("replicaset", NS, next(iter(st.list("ReplicaSet", NS)))["metadata"]["name"])))
    st = m.step(st, m.RunWork(("endpoints", NS, "web")))
    assert len(st.list("Pod", NS)) == 1 and _counts(st) == (0, 0)


def test_selector_picks_any_owner_and_service_without_selector_is_left_alone():
    """On a bare pod with matching labels it is an endpoint too; a Service without selector gets no managed Endpoints."""
    bare = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "bare", "namespace": NS, "labels": {"app": "web", "x": "y"}}, "spec": {"containers": [{"name": "app", "image": "nginx:1"}]}}
    manual = service("manual")
    manual["spec"].pop("selector")
    st = run(m.Apply(deployment(replicas=1)), m.Apply(service()), m.Apply(bare), m.Apply(manual))
    assert _counts(st) == (2, 0)
    assert st.get("Endpoints", NS, "manual") is None


def test_rolling_update_keeps_ready_endpoints():
    """On a 3-replica rollout with defaults (surge 1, unavailable 0), at every intermediate state at least 3 addresses are ready."""
    st = run(m.Apply(deployment(replicas=3)), m.Apply(service()))
    st = m.step(st, m.SetImage("web", "app", "nginx:2"))
    ready = [_counts(s)[0] for s in m.history(st)]
    assert min(ready) == 3


# ----- capacity (`truncateEndpoints`, `capacityAnnotationSetCorrectly`) ---------------------------

def _addrs(prefix: str, n: int) -> list[dict]:
    return [{"ip": f"10.{prefix}.{i // 250}.{i % 250}"} for i in range(n)]


def test_over_capacity_keeps_1000_ready_addresses_and_annotates():
    """1003 ready pods: the Endpoints keep 1000 addresses and `over-capacity: truncated`; scaled to
    1000, the annotation goes (`syncService`: the stored object is rewritten while it is not "set correctly")."""
    st = run(m.Apply(deployment(replicas=1003)), m.Apply(service()))
    ep = st.get("Endpoints", NS, "web")
    assert ep["metadata"]["annotations"] == {OVER_CAPACITY: "truncated"}
    assert _counts(st) == (1000, 0)
    st = run(m.Scale("Deployment", "web", 1000), st=st)
    assert "annotations" not in st.get("Endpoints", NS, "web")["metadata"]
    assert _counts(st) == (1000, 0)


def test_addresses_in_upstream_order_and_truncation_keeps_the_first_1000():
    """`RepackSubsets` sorts each list by `LessEndpointAddress` (the IP compared as a string, byte by byte;
    pkg/api/v1/endpoints/util.go), and `truncateEndpoints` runs on the sorted lists (syncService): of 1001
    ready pods the address kept out is the greatest IP string, not the greatest address."""
    st = run(m.Apply(deployment(replicas=1001)), m.Apply(service()))
    (subset,) = st.get("Endpoints", NS, "web")["subsets"]
    ips = sorted(p["status"]["podIP"] for p in pods_of(st))
    assert [a["ip"] for a in subset["addresses"]] == ips[:1000]
    assert ips[:1000] != sorted(ips, key=ipaddress.ip_address)[:1000]  # the two orders differ here


def test_truncation_shares_not_ready_room_by_proportion_rounded_up():
    """990 ready (one subset) and two subsets of 15 and 5 not-ready: room 10 over 20 not-ready;
    ceil(15/20*10) = 8, then ceil(5/20*10) = 3 capped at the 2 left; ready ones untouched."""
    subsets = [
        {"addresses": _addrs("1", 990), "ports": [{"port": 80, "protocol": "TCP"}]},
        {"notReadyAddresses": _addrs("2", 15), "ports": [{"port": 81, "protocol": "TCP"}]},
        {"notReadyAddresses": _addrs("3", 5), "ports": [{"port": 82, "protocol": "TCP"}]},
    ]
    out, cut = truncate_subsets(subsets)
    assert cut
    assert [(len(s.get("addresses", [])), len(s.get("notReadyAddresses", []))) for s in out] == [(990, 0), (0, 8), (0, 2)]
    assert out[1]["notReadyAddresses"] == subsets[1]["notReadyAddresses"][:8]


def test_truncation_of_ready_addresses_drops_every_not_ready_one():
    """1200 ready (700 + 500) and 10 not-ready: ceil(700/1200*1000) = 584, ceil(500/1200*1000) = 417
    capped at the 416 left; not-ready addresses all go."""
    subsets = [
        {"addresses": _addrs("1", 700), "notReadyAddresses": _addrs("4", 10), "ports": [{"port": 80, "protocol": "TCP"}]},
        {"addresses": _addrs("2", 500), "ports": [{"port": 81, "protocol": "TCP"}]},
    ]
    out, cut = truncate_subsets(subsets)
    assert cut
    assert [(len(s.get("addresses", [])), len(s.get("notReadyAddresses", []))) for s in out] == [(584, 0), (416, 0)]


def test_within_capacity_is_untouched():
    subsets = [{"addresses": _addrs("1", 1000), "ports": [{"port": 80, "protocol": "TCP"}]}]
    assert truncate_subsets(subsets) == (subsets, False)
