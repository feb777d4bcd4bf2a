"""Tests for model/gc.py: what happens to dependents when their owner is deleted.

Expectations from upstream `pkg/controller/garbagecollector`: background propagation deletes
dependents (and theirs); `orphan` removes the ownerReference and leaves them.
"""

from __future__ import annotations

from kubesim import model as m
from simkit import NS, deployment, pods_of, replicaset, run


def test_deleting_a_deployment_cascades_to_rs_and_pods():
    """On `kubectl delete deployment` (background), its ReplicaSet and then its pods go (e2e "deployment reaping")."""
    st = run(m.Apply(deployment(replicas=2)))
    st, line = m.perform(st, m.Delete("Deployment", "web"))
    assert line == 'deployment.apps "web" deleted from default namespace'
    st = m.settle(st)
    assert st.list("ReplicaSet", NS) == [] and st.list("Pod", NS) == []


def test_orphan_cascade_keeps_dependents_without_owner():
    """On `--cascade=orphan`, the RS and its pods stay; the RS loses its ownerReference, the pods keep theirs (to the RS)."""
    st = run(m.Apply(deployment(replicas=2)))
    st = run(m.Delete("Deployment", "web", cascade="orphan"), st=st)
    (rs,) = st.list("ReplicaSet", NS)
    assert not rs["metadata"].get("ownerReferences")
    assert len(pods_of(st)) == 2
    assert all(p["metadata"]["ownerReferences"][0]["uid"] == rs["metadata"]["uid"] for p in pods_of(st))


def test_deleting_a_replicaset_deletes_its_pods_only():
    """On deleting an RS, its pods go; a bare pod with the same labels but no ownerReference stays."""
    bare = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "bare", "namespace": NS, "labels": {"x": "y"}}, "spec": {"containers": [{"name": "app", "image": "nginx:1"}]}}
    st = run(m.Apply(replicaset(replicas=2)), m.Apply(bare))
    st = run(m.Delete("ReplicaSet", "rs"), st=st)
    assert [p["metadata"]["name"] for p in st.list("Pod", NS)] == ["bare"]
