"""Tests for model/store.py: server-side metadata, NodePort allocation and the API's error messages.

Expectations from upstream `pkg/registry/core/service/portallocator` (`ErrNotInRange`,
`ErrAllocated`), `pkg/registry/apps/deployment/strategy.go` (`PrepareForUpdate`: generation bumps on
spec or annotation changes), and apimachinery `errors.NewAlreadyExists` / `NewNotFound` messages.
"""

from __future__ import annotations

import ipaddress

import pytest

from kubesim import model as m
from kubesim.model.store import remove
from simkit import NS, deployment, run, service


def _svc(name, node_port=None):
    return service(name, type_="NodePort", node_port=node_port)


def test_explicit_node_port_is_kept():
    """On a NodePort Service asking for 31000, it gets 31000."""
    st = run(m.Apply(_svc("a", 31000)))
    assert st.get("Service", NS, "a")["spec"]["ports"][0]["nodePort"] == 31000


def test_node_port_out_of_range():
    """On nodePort 80: Invalid, "provided port is not in the valid range. The range of valid ports is 30000-32767"."""
    with pytest.raises(m.ApiError) as info:
        m.step(m.new_cluster(), m.Apply(_svc("x", 80)))
    err = info.value
    assert err.reason == "Invalid" and err.code == 422
    assert err.kubectl_message() == 'The Service "x" is invalid: spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767'


def test_node_port_conflict():
    """On a second Service asking for a taken nodePort: Invalid, "provided port is already allocated"."""
    st = run(m.Apply(_svc("a", 31000)))
    with pytest.raises(m.ApiError) as info:
        m.step(st, m.Apply(_svc("b", 31000)))
    assert info.value.kubectl_message() == 'The Service "b" is invalid: spec.ports[0].nodePort: Invalid value: 31000: provided port is already allocated'


def _ports_svc(name, ports):
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
            "spec": {"type": "NodePort", "selector": {"app": "web"}, "ports": ports}}


@pytest.mark.parametrize("name, ports, expected", [
    # Two service ports asking for one node port: `initNodePorts` allocates it for the first, then refuses it.
    ("web-svc", [{"name": "a", "port": 80, "nodePort": 30080}, {"name": "b", "port": 81, "nodePort": 30080}],
     "spec.ports[1].nodePort: Invalid value: 30080: provided port is already allocated"),
    # The allocator (`BeginCreate`) runs before validation: the bad name is not reported.
    ("Bad_Name", [{"name": "a", "port": 80, "nodePort": 30081}, {"name": "b", "port": 81, "nodePort": 30081}],
     "spec.ports[1].nodePort: Invalid value: 30081: provided port is already allocated"),
    # The allocator stops at its first error.
    ("two-out", [{"name": "a", "port": 80, "nodePort": 80}, {"name": "b", "port": 81, "nodePort": 40000}],
     "spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767"),
], ids=["duplicate-in-service", "before-validation", "first-error"])
def test_node_port_allocator_runs_before_validation(name, ports, expected):
    """On create, the node-port allocator's error is the whole answer (outputs of kube-apiserver v1.36.3)."""
    with pytest.raises(m.ApiError) as info:
        m.step(m.new_cluster(), m.Apply(_ports_svc(name, ports)))
    assert info.value.kubectl_message() == f'The Service "{name}" is invalid: {expected}'


def test_one_node_port_for_one_service_port_number_is_validation_s_duplicate():
    """On two entries with the same port and nodePort, the allocator shares the node port (same port number), so
    validation reports both duplicates (kube-apiserver v1.36.3)."""
    ports = [{"name": "a", "port": 80, "nodePort": 30082}, {"name": "b", "port": 80, "nodePort": 30082}]
    with pytest.raises(m.ApiError) as info:
        m.step(m.new_cluster(), m.Apply(_ports_svc("same-port", ports)))
    assert [str(c) for c in info.value.causes] == [
        "spec.ports[1].nodePort: Duplicate value: 30082",
        'spec.ports[1]: Duplicate value: {"Name":"","Protocol":"TCP","AppProtocol":null,"Port":80,"TargetPort":0,"NodePort":0}']


def test_node_port_freed_on_delete_and_auto_allocated_in_range():
    """On deleting the holder, the port can be taken again; an unspecified nodePort is allocated within 30000-32767."""
    st = run(m.Apply(_svc("a", 31000)))
    st = run(m.Delete("Service", "a"), st=st)
    st = run(m.Apply(_svc("b", 31000)), m.Apply(_svc("c")), st=st)
    port = st.get("Service", NS, "c")["spec"]["ports"][0]["nodePort"]
    assert 30000 <= port <= 32767 and port != 31000


@pytest.mark.parametrize(
    "change, bumps",
    [
        (lambda d: d["spec"].update(replicas=5), True),
        (lambda d: d["metadata"].setdefault("annotations", {}).update({"kubernetes.io/change-cause": "x"}), True),
        # kubectl apply records the manifest in last-applied-configuration: that annotation changes too.
        (lambda d: d["metadata"].setdefault("labels", {}).update({"tier": "web"}), True),
    ],
    ids=["spec", "annotation", "label-through-apply"],
)
def test_deployment_generation_bumps(change, bumps):
    """On an update of spec or annotations, metadata.generation goes 1 -> 2; a label-only change keeps 1 (`PrepareForUpdate`)."""
    st = run(m.Apply(deployment(replicas=2)))
    assert st.get("Deployment", NS, "web")["metadata"]["generation"] == 1
    d = deployment(replicas=2)
    change(d)
    st = run(m.Apply(d), st=st)
    got = st.get("Deployment", NS, "web")
    assert got["metadata"]["generation"] == (2 if bumps else 1)
    assert got["status"]["observedGeneration"] == got["metadata"]["generation"]


def test_label_only_update_keeps_generation():
    """On an update that changes only labels (no annotation, no spec), generation stays 1 (`PrepareForUpdate`)."""
    from kubesim.model.store import update

    st = run(m.Apply(deployment(replicas=2)))
    d = st.get("Deployment", NS, "web")
    st, out = update(st, {**d, "metadata": {**d["metadata"], "labels": {"tier": "web"}}})
    assert out["metadata"]["generation"] == 1


def test_status_writes_do_not_bump_generation():
    """On a whole rollout (many status writes), generation only counts the one spec change."""
    st = run(m.Apply(deployment(replicas=2)))
    st = run(m.SetImage("web", "app", "nginx:2"), st=st)
    assert st.get("Deployment", NS, "web")["metadata"]["generation"] == 2


def test_already_exists_and_not_found_messages():
    """On creating a duplicate name and deleting a missing object, the API's messages (`NewAlreadyExists`, `NewNotFound`)."""
    from kubesim.model.store import create

    st = run(m.Apply(deployment()))
    with pytest.raises(m.ApiError) as info:
        create(st, deployment())
    assert (info.value.reason, info.value.code) == ("AlreadyExists", 409)
    assert info.value.kubectl_message() == 'Error from server (AlreadyExists): deployments.apps "web" already exists'
    with pytest.raises(m.ApiError) as info:
        m.step(st, m.Delete("Deployment", "nope"))
    assert info.value.kubectl_message() == 'Error from server (NotFound): deployments.apps "nope" not found'
    with pytest.raises(m.ApiError) as info:
        m.step(st, m.Delete("Pod", "nope"))
    assert info.value.kubectl_message() == 'Error from server (NotFound): pods "nope" not found'


def test_uids_and_creation_metadata():
    """On create, the server fills uid, resourceVersion, creationTimestamp (logical time) and generation 1."""
    st = m.step(m.new_cluster(), m.Apply(deployment()))
    md = st.get("Deployment", NS, "web")["metadata"]
    assert md["creationTimestamp"] == "2026-01-01T00:00:00Z" and md["generation"] == 1
    assert len(md["uid"]) == 36 and md["resourceVersion"].isdigit()


def test_recreate_deployment_is_enqueued_only_when_its_last_pod_goes():
    """On the removal of a Recreate Deployment's pod, `DeploymentController.deletePod` enqueues the Deployment
    only when `getPodMapForDeployment` finds no pod left (numPods == 0); a RollingUpdate one never."""
    st = run(m.Apply(deployment(replicas=2, strategy="Recreate")))
    first, last = st.list("Pod", NS)
    st = remove(st, "Pod", NS, first["metadata"]["name"])
    assert ("deployment", NS, "web") not in set(st.pending_work())
    st = remove(st, "Pod", NS, last["metadata"]["name"])
    assert ("deployment", NS, "web") in set(st.pending_work())
    rolling = run(m.Apply(deployment(replicas=1)))
    (pod,) = rolling.list("Pod", NS)
    assert ("deployment", NS, "web") not in set(remove(rolling, "Pod", NS, pod["metadata"]["name"]).pending_work())


# ----- random allocation (allocator/bitmap.go `randomScanStrategyWithOffset`, ipallocator `allocateNextService`)


def _allocated(seed: int, n: int = 6):
    st = run(*[m.Apply(_svc(f"s{i}")) for i in range(n)], config=m.Config(seed=seed))
    svcs = [st.get("Service", NS, f"s{i}")["spec"] for i in range(n)]
    return [s["ports"][0]["nodePort"] for s in svcs], [s["clusterIP"] for s in svcs]


def test_dynamic_node_ports_and_cluster_ips_are_random_in_the_upper_band():
    """On Services without a nodePort or clusterIP: the allocators start at a random offset of the upper band
    (node ports: above `calculateRangeOffset` = min(max(16, 2768/32), 128) = 86 ports from 30000; ClusterIPs:
    above 256 addresses of 10.96.0.0/12), so the values are not consecutive; the same seed gives the same values."""
    ports, ips = _allocated(seed=0)
    assert all(30086 <= p <= 32767 for p in ports) and len(set(ports)) == len(ports)
    assert sorted(ports) != list(range(min(ports), min(ports) + len(ports)))
    assert all(ipaddress.ip_address(ip) in ipaddress.ip_network("10.96.0.0/12") for ip in ips)
    assert all(ipaddress.ip_address(ip) > ipaddress.ip_address("10.96.1.0") for ip in ips) and len(set(ips)) == len(ips)
    assert _allocated(seed=0) == (ports, ips)
    assert _allocated(seed=1) != (ports, ips)


def test_node_port_allocator_falls_back_to_the_static_band():
    """On an upper band that is full, `randomScanStrategyWithOffset.AllocateBit` takes a port of the lower
    (static) band 30000-30085; on a full range, the allocator reports "range is full"."""
    st = m.new_cluster()
    full_upper = st.node_ports
    for port in range(30086, 32768):
        full_upper = full_upper.set(port, ("other", "x"))
    st = run(m.Apply(_svc("a")), st=st.evolve(node_ports=full_upper))
    assert 30000 <= st.get("Service", NS, "a")["spec"]["ports"][0]["nodePort"] <= 30085
    full = full_upper
    for port in range(30000, 30086):
        full = full.set(port, ("other", "x"))
    with pytest.raises(m.ApiError) as info:
        m.step(m.new_cluster().evolve(node_ports=full), m.Apply(_svc("b")))
    assert str(info.value.causes[0]) == "spec.ports[0].nodePort: Invalid value: 0: range is full"


def test_apply_records_last_applied_and_leaves_the_manifest_alone():
    """`kubectl apply` records the manifest as sent (namespace filled in, annotations present, an old
    last-applied-configuration left out; Go's encoding/json sorts map keys) and does not change the caller's dict."""
    import copy
    import json

    key = "kubectl.kubernetes.io/last-applied-configuration"
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg", "annotations": {"team": "a", key: "stale"}}, "data": {"b": "2", "a": "1"}}
    sent = copy.deepcopy(cm)
    st = run(m.Apply(cm))
    assert cm == sent
    expected = '{"apiVersion":"v1","data":{"a":"1","b":"2"},"kind":"ConfigMap","metadata":{"annotations":{"team":"a"},"name":"cfg","namespace":"default"}}\n'
    assert st.get("ConfigMap", NS, "cfg")["metadata"]["annotations"] == {"team": "a", key: expected}
    cm["data"]["a"], cm["metadata"]["annotations"]["team"] = "changed", "b"  # the state shares nothing with the caller
    assert st.get("ConfigMap", NS, "cfg")["data"] == {"a": "1", "b": "2"}
    assert st.get("ConfigMap", NS, "cfg")["metadata"]["annotations"]["team"] == "a"
    cm["data"]["a"] = "3"  # and an update through the three-way merge shares nothing either
    st = run(m.Apply(cm), st=st)
    cm["data"]["a"] = "4"
    assert st.get("ConfigMap", NS, "cfg")["data"] == {"a": "3", "b": "2"}
    bare = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "bare"}}
    st = run(m.Apply(bare), st=st)
    assert bare == {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "bare"}}
    assert json.loads(st.get("ConfigMap", NS, "bare")["metadata"]["annotations"][key])["metadata"] == {"annotations": {}, "name": "bare", "namespace": "default"}
