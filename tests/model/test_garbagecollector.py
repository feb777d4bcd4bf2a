"""Tests for model/garbagecollector.py: what happens to dependents when their owner is deleted.

Expectations from upstream `pkg/controller/garbagecollector`: background propagation deletes
dependents (and theirs); `orphan` keeps the owner with the `orphan` finalizer until
`orphanDependents` has removed the ownerReferences, then `removeFinalizer`; `foreground`
keeps the owner with the `foregroundDeletion` finalizer while a dependent with
`blockOwnerDeletion` remains (`processDeletingDependentsItem`), deleting dependents that have
dependents in the foreground too (`attemptToDeleteItem`).
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


def _alive(s, kind):
    return [o["metadata"]["name"] for o in s.list(kind, NS)]


def test_foreground_keeps_each_owner_until_its_dependents_are_gone():
    """On `--cascade=foreground`, the Deployment is marked (deletionTimestamp, finalizer
    foregroundDeletion) and stays; its RS (which has pods) is deleted in the foreground too; the
    pods are deleted (gracefully); the RS goes only after its last pod, the Deployment only after
    its RS (both hold `blockOwnerDeletion` references)."""
    st = run(m.Apply(deployment(replicas=2)))
    st, line = m.perform(st, m.Delete("Deployment", "web", cascade="foreground"))
    assert line == 'deployment.apps "web" deleted from default namespace'
    md = st.get("Deployment", NS, "web")["metadata"]
    assert md["finalizers"] == ["foregroundDeletion"] and md["deletionTimestamp"]
    saw_rs_marked = False
    for s in m.history(st):
        rss, pods, ds = s.list("ReplicaSet", NS), _alive(s, "Pod"), _alive(s, "Deployment")
        if pods:
            assert rss, "a ReplicaSet went before its pods"
        if rss:
            assert ds, "the Deployment went before its ReplicaSet"
            saw_rs_marked |= rss[0]["metadata"].get("finalizers") == ["foregroundDeletion"]
    assert saw_rs_marked
    st = m.settle(st)
    assert (_alive(st, "Deployment"), _alive(st, "ReplicaSet"), _alive(st, "Pod")) == ([], [], [])


def test_orphan_keeps_the_owner_with_the_orphan_finalizer_until_references_are_stripped():
    """On `--cascade=orphan`, the Deployment first stays marked with the `orphan` finalizer while
    its RS still points at it; the collector's work strips the reference, then the finalizer, and
    the Deployment goes."""
    st = run(m.Apply(deployment(replicas=2)))
    st = m.step(st, m.Delete("Deployment", "web", cascade="orphan"))
    md = st.get("Deployment", NS, "web")["metadata"]
    assert md["finalizers"] == ["orphan"] and md["deletionTimestamp"]
    (rs,) = st.list("ReplicaSet", NS)
    assert rs["metadata"]["ownerReferences"][0]["uid"] == md["uid"]
    gc_work = next(w for w in st.pending_work() if w[0] == "gc")
    st = m.step(st, m.RunWork(gc_work))
    assert st.get("Deployment", NS, "web") is None
    (rs,) = st.list("ReplicaSet", NS)
    assert not rs["metadata"].get("ownerReferences")


def test_foreground_owner_without_blocking_dependents_goes_at_once():
    """A ReplicaSet with no pods: no dependent blocks it, so the collector removes the finalizer and it goes."""
    st = run(m.Apply(replicaset(replicas=0)))
    st = run(m.Delete("ReplicaSet", "rs", cascade="foreground"), st=st)
    assert st.list("ReplicaSet", NS) == []
