"""Tests for model/qos.py: the QoS class the API server stores in a new pod's status.

Expectations come from upstream `ComputePodQOS` (pkg/apis/core/helper/qos/qos.go, which `GetPodQOS`
returns for a pod without a class) on the pod as `SetDefaults_Pod` (pkg/apis/core/v1/defaults.go)
leaves it: a missing request defaults to the container's limit. The cases follow the ones in
upstream's pkg/apis/core/helper/qos/qos_test.go.
"""

from __future__ import annotations

from fractions import Fraction

import pytest

from kubesim import model as m
from kubesim.model.qos import parse_quantity, qos_class
from kubesim.model.validation import admit
from simkit import NS, deployment


def _c(requests=None, limits=None) -> dict:
    resources = {}
    if requests is not None:
        resources["requests"] = requests
    if limits is not None:
        resources["limits"] = limits
    return {"name": "c", "image": "nginx", "resources": resources}


BOTH = {"cpu": "100m", "memory": "100Mi"}


@pytest.mark.parametrize("containers, init, expected", [
    ([_c()], [], "BestEffort"),  # no requests or limits anywhere
    ([_c({"cpu": "0"}, {"memory": "0"})], [], "BestEffort"),  # zero quantities are skipped
    ([_c({"nvidia.com/gpu": "1"}, {"nvidia.com/gpu": "1"})], [], "BestEffort"),  # only cpu and memory count
    ([_c(BOTH, BOTH)], [], "Guaranteed"),
    ([_c(None, BOTH)], [], "Guaranteed"),  # requests default to limits
    ([_c({"cpu": "100m"}, BOTH)], [], "Guaranteed"),  # the case: memory request defaults to its limit
    ([_c({"cpu": "0.1"}, BOTH)], [], "Guaranteed"),  # 0.1 and 100m are the same quantity
    ([_c({"cpu": "50m"}, BOTH)], [], "Burstable"),  # request below limit
    ([_c(None, {"cpu": "100m"})], [], "Burstable"),  # memory not limited
    ([_c(BOTH, BOTH), _c()], [], "Burstable"),  # one container without limits
    ([_c(BOTH, BOTH)], [_c()], "Burstable"),  # init containers count too
    ([_c(BOTH, BOTH)], [_c(BOTH, BOTH)], "Guaranteed"),
    ([_c()], [_c({"memory": "1Gi"})], "Burstable"),
])
def test_compute_pod_qos(containers, init, expected):
    """`ComputePodQOS` over containers and init containers (cpu and memory, quantities above zero)."""
    spec = {"containers": containers}
    if init:
        spec["initContainers"] = init
    assert qos_class(spec) == expected


@pytest.mark.parametrize("text, value", [
    ("100m", Fraction(1, 10)), ("0.1", Fraction(1, 10)), ("1Gi", 2**30), ("1G", 10**9), ("1e3", 1000), (2, 2), ("x", None),
])
def test_parse_quantity(text, value):
    """`resource.ParseQuantity` suffixes: binary (Ki..Ei), decimal SI (n..E) and exponents."""
    assert parse_quantity(text) == value


def test_bare_pod_and_deployment_pod_get_the_same_class():
    """cpu+memory limits with only a cpu request (equal to its limit): Guaranteed for a bare Pod and for a
    Deployment's pod alike (both created through `ComputePodQOS`; the model once disagreed)."""
    resources = {"requests": {"cpu": "100m"}, "limits": BOTH}
    bare = admit({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
                  "spec": {"containers": [{"name": "c", "image": "nginx", "resources": resources}]}})
    assert bare["status"]["qosClass"] == "Guaranteed"
    d = deployment(replicas=1)
    d["spec"]["template"]["spec"]["containers"][0]["resources"] = resources
    st = m.settle(m.step(m.new_cluster(), m.Apply(d)))
    (pod,) = st.list("Pod", NS)
    assert pod["status"]["qosClass"] == "Guaranteed"
