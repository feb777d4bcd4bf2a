"""Tests for model/endpoints.py: a Service's v1.Endpoints.

Expectations come from upstream `pkg/controller/endpoint/endpoints_controller.go` (`syncService`,
`addEndpointSubset`) and `endpointslice/util#ShouldPodBeInEndpoints`: selector match, not terminal,
has an IP, not terminating unless publishNotReadyAddresses; ready -> addresses, else notReadyAddresses.
"""

from __future__ import annotations

from kubesim import model as m
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
