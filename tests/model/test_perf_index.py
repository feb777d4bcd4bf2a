"""The ReplicaSet sync reading the pod index (`OwnedPods`) gives exactly the states of walking the pods."""

from __future__ import annotations

import pytest

from kubesim import model as m
import kubesim.model.replicaset as rs_mod
from kubesim.statefile import decode_state, dumps, encode_state
from kubesim.model.actions import Apply, Delete, Scale, SetImage, SetReadiness
from kubesim.model.podindex import ranked
from kubesim.model.state import Config


def _deploy(n, *, surge1=False, min_ready=0, image="web:v1"):
    spec = {
        "replicas": n,
        "selector": {"matchLabels": {"app": "web"}},
        "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "web", "image": image}]}},
    }
    if surge1:
        spec["strategy"] = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}
    if min_ready:
        spec["minReadySeconds"] = min_ready
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "default"}, "spec": spec}


def _scenario(kind: str, config: Config | None = None) -> list[str]:
    st = m.new_cluster(config)
    seen = []

    def snap(s):
        seen.append((s.now, s.seq, s.objects, s.runtime, s.queue, s.timers))

    if kind == "surge1":
        st = m.settle(m.step(st, Apply(_deploy(4, surge1=True))))
        st = m.settle(m.step(st, SetImage("web", "web", "web:v2")), observe=snap)
        st = m.settle(m.step(st, Scale("Deployment", "web", 2)), observe=snap)
    elif kind == "mixed-ages":
        st = m.settle(m.step(st, Apply(_deploy(3))))
        st = m.advance(st, 100_000)
        st = m.advance(m.step(st, Scale("Deployment", "web", 9)), 2000)
        st = m.advance(m.step(st, Scale("Deployment", "web", 14)), 1500)
        st = m.step(st, SetReadiness(sorted(k[1] for k in st.table("Pod").keys())[3], False))
        st = m.settle(m.step(st, Scale("Deployment", "web", 4)), observe=snap)
    elif kind == "default":
        st = m.settle(m.step(st, Apply(_deploy(8))))
        st = m.advance(m.step(st, SetImage("web", "web", "web:v2")), 1500, observe=snap)
        st = m.settle(m.step(st, SetImage("web", "web", "web:v3")), observe=snap)
    elif kind == "self-heal":
        st = m.settle(m.step(st, Apply(_deploy(6))))
        for name in sorted(k[1] for k in st.table("Pod").keys())[::2]:
            st = m.step(st, Delete("Pod", name))
        st = m.settle(st, observe=snap)
        st = m.settle(m.step(st, Scale("Deployment", "web", 0)), observe=snap)
    elif kind == "min-ready":
        st = m.settle(m.step(st, Apply(_deploy(5, min_ready=3))))
        st = m.settle(m.step(st, SetImage("web", "web", "web:v2")), observe=snap)
    seen.append(dumps(st))
    return seen


KINDS = ["surge1", "mixed-ages", "default", "self-heal", "min-ready"]
CONFIGS = {"one-node": None, "three-nodes": Config(nodes=("n1", "n2", "n3"))}


@pytest.mark.parametrize(("kind", "config"), [(k, "one-node") for k in KINDS] + [("mixed-ages", "three-nodes"), ("default", "three-nodes")])
def test_index_sync_matches_full_walk(kind, config, monkeypatch):
    real, used = rs_mod._victims, []
    monkeypatch.setattr(rs_mod, "_victims", lambda *a: used.append(real(*a)) or used[-1])
    fast = _scenario(kind, CONFIGS[config])
    if kind in ("surge1", "mixed-ages"):
        assert any(v is not None for v in used), "the ranking groups were never used"
    monkeypatch.setattr(rs_mod, "_owned_counts", lambda st, rs: None)  # every sync walks its pods
    slow = _scenario(kind, CONFIGS[config])
    assert len(fast) == len(slow)
    for i, (a, b) in enumerate(zip(fast, slow)):
        assert a == b, f"state {i} differs"


@pytest.mark.parametrize("kind", ["default", "surge1"])
def test_index_equals_rebuilt_index(kind):
    st = m.new_cluster(CONFIGS["three-nodes"])
    st = m.settle(m.step(st, Apply(_deploy(9, surge1=kind == "surge1"))))
    st = m.advance(m.step(st, SetImage("web", "web", "web:v2")), 1500)
    rebuilt = decode_state(encode_state(st))
    assert st.pod_counts == rebuilt.pod_counts
    assert not len(rebuilt.pod_groups)  # built when an owner is first ranked
    for uid in st.pod_groups.keys():
        rebuilt = ranked(rebuilt, uid)
    members = lambda groups: {uid: {f: e[0] for f, e in g.items()} for uid, g in groups.items()}  # noqa: E731
    assert members(st.pod_groups) == members(rebuilt.pod_groups)
    for g in st.pod_groups.values():
        for fsig, (mem, base, gone) in g.items():
            assert set(mem.keys()) <= set(base.keys())
            assert not set(sorted(base.keys())[:gone]) & set(mem.keys())


def test_groups_only_for_ranked_owners():
    """Only a ReplicaSet that scales down gets ranking groups, and they go when it does."""
    st = m.settle(m.step(m.new_cluster(), Apply(_deploy(6))))
    st = m.settle(m.step(st, SetImage("web", "web", "web:v2")))
    uids = {rs["spec"]["template"]["spec"]["containers"][0]["image"]: rs["metadata"]["uid"] for rs in st.list("ReplicaSet")}
    assert set(st.pod_groups.keys()) == {uids["web:v1"]}
    assert not len(st.pod_groups[uids["web:v1"]])  # ranked, no active pods left
    st = m.settle(m.step(st, Scale("Deployment", "web", 2)))
    assert set(st.pod_groups.keys()) == {uids["web:v1"], uids["web:v2"]}
    st = m.settle(m.step(st, Delete("Deployment", "web")))
    assert not st.list("ReplicaSet") and not len(st.pod_groups)


def _node_load(st) -> dict:
    """The scheduler's node load recomputed from the pod table: bound pods neither terminating nor terminal."""
    load: dict = {}
    for p in st.table("Pod").values():
        node = p["spec"].get("nodeName")
        if node and not p["metadata"].get("deletionTimestamp") and p["status"].get("phase") not in ("Succeeded", "Failed"):
            load[node] = load.get(node, 0) + 1
    return load


def test_node_load_index_and_bindings_on_three_nodes():
    """At every state of binds, rollouts, deletions (terminating pods) and scale-downs on three nodes, the node-load
    index equals a recount of the pods, and every new binding went to a least-loaded node, the first by name."""
    nodes = ("n1", "n2", "n3")
    states = []
    st = m.new_cluster(Config(nodes=nodes))
    st = m.settle(m.step(st, Apply(_deploy(7))), observe=states.append)
    st = m.settle(m.step(st, SetImage("web", "web", "web:v2")), observe=states.append)
    for name in sorted(k[1] for k in st.table("Pod").keys())[:3]:
        st = m.step(st, Delete("Pod", name))
        states.append(st)
    st = m.settle(st, observe=states.append)
    st = m.settle(m.step(st, Scale("Deployment", "web", 2)), observe=states.append)
    st = m.settle(m.step(st, Scale("Deployment", "web", 11)), observe=states.append)
    bindings = 0
    for prev, cur in zip(states, states[1:]):
        assert dict(cur.node_pods) == _node_load(cur)
        load = _node_load(prev)
        for key, pod in cur.table("Pod").items():
            before = prev.table("Pod").get(key)
            if before is not None and not before["spec"].get("nodeName") and pod["spec"].get("nodeName"):
                bindings += 1
                assert pod["spec"]["nodeName"] == min(nodes, key=lambda n: (load.get(n, 0), n))
    assert bindings >= 7 + 7 + 3 + 9  # each pod of the first apply, the rollout, the self-heal and the scale-up
    assert sorted(_node_load(st).values()) == [3, 4, 4]  # 11 pods spread evenly
    assert dict(decode_state(encode_state(st)).node_pods) == dict(st.node_pods)


def test_node_load_not_kept_with_one_node():
    st = m.settle(m.step(m.new_cluster(), Apply(_deploy(3))))
    assert len(st.table("Pod")) == 3 and not len(st.node_pods)
