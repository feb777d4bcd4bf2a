"""The model workloads the benchmark times, each as `setup(n) -> state` and `run(state) -> state`.

Only `run` is timed; `setup` builds the starting point (e.g. N settled v1 pods) and is
not. Every workload runs to completion: `settle` until nothing more can happen.
"""

from __future__ import annotations

from kubesim import model as m
from kubesim.model.actions import Apply, Delete, Scale, SetImage

NAME = "web"


def deployment(replicas: int, image: str = "web:v1", *, surge1: bool = False, min_ready: int = 0) -> dict:
    """A one-container Deployment; `surge1` sets maxSurge 1 / maxUnavailable 0 (the most steps)."""
    spec: dict = {
        "replicas": replicas,
        "selector": {"matchLabels": {"app": NAME}},
        "template": {"metadata": {"labels": {"app": NAME}}, "spec": {"containers": [{"name": NAME, "image": image}]}},
    }
    if min_ready:
        spec["minReadySeconds"] = min_ready
    if surge1:
        spec["strategy"] = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": NAME, "namespace": "default"}, "spec": spec}


def settled_deployment(n: int, *, surge1: bool = False, nodes: int = 1) -> m.ClusterState:
    config = m.Config(nodes=tuple(f"node-{i + 1}" for i in range(nodes))) if nodes > 1 else None
    st = m.step(m.new_cluster(config), Apply(deployment(n, surge1=surge1)))
    return m.settle(st, max_ms=None)


def check_rollout(st: m.ClusterState, n: int, image: str) -> None:
    pods = st.table("Pod")
    assert len(pods) == n, f"{len(pods)} pods, expected {n}"
    assert all(p["spec"]["containers"][0]["image"] == image for p in pods.values())
    status = st.get("Deployment", "default", NAME)["status"]
    assert status.get("availableReplicas", 0) == n and status.get("updatedReplicas", 0) == n, status


def check_spread(st: m.ClusterState, n: int, nodes: int) -> None:
    """`check_rollout` at web:v1, and the pods spread evenly: node loads differ by at most one."""
    check_rollout(st, n, "web:v1")
    load: dict = {}
    for p in st.table("Pod").values():
        load[p["spec"]["nodeName"]] = load.get(p["spec"]["nodeName"], 0) + 1
    assert len(load) == min(n, nodes) and max(load.values()) - min(load.values()) <= 1, load


# ----- workloads -------------------------------------------------------------------------
#
# A run takes its starting state out of a one-element list (`box`) and keeps no name bound
# to it or to any state before the last one, so once the caller lets go of the start
# (`bench.run` does above 1,000 replicas) the pods the run deletes can be freed while it
# runs, as they would be in `kubesim` or a test. `settle` keeps no reference to its input.


def rollout_setup(n: int, surge1: bool = False) -> m.ClusterState:
    return settled_deployment(n, surge1=surge1)


def rollout_run(box: list) -> m.ClusterState:
    return m.settle(m.step(box.pop(), SetImage(NAME, NAME, "web:v2")), max_ms=None)


def scale_up_setup(n: int, nodes: int = 1) -> m.ClusterState:
    return settled_deployment(0, nodes=nodes)


def scale_to(box: list, n: int) -> m.ClusterState:
    return m.settle(m.step(box.pop(), Scale("Deployment", NAME, n)), max_ms=None)


def self_heal_run(box: list) -> m.ClusterState:
    """Delete every other pod (by name), then let the ReplicaSet replace them."""
    st = box.pop()
    names = sorted(k[1] for k in st.table("Pod").keys())
    for name in names[::2]:
        st = m.step(st, Delete("Pod", name))
    box.append(st)
    del st
    return m.settle(box.pop(), max_ms=None)


#: name -> (setup(n), run([state], n), check(state, n)); check raises if the run went wrong.
WORKLOADS = {
    "rollout": (lambda n: rollout_setup(n), lambda box, n: rollout_run(box), lambda st, n: check_rollout(st, n, "web:v2")),
    "rollout-surge1": (lambda n: rollout_setup(n, True), lambda box, n: rollout_run(box), lambda st, n: check_rollout(st, n, "web:v2")),
    "scale-up": (scale_up_setup, lambda box, n: scale_to(box, n), lambda st, n: check_rollout(st, n, "web:v1")),
    "scale-up-3-nodes": (lambda n: scale_up_setup(n, 3), lambda box, n: scale_to(box, n), lambda st, n: check_spread(st, n, 3)),
    "scale-down": (settled_deployment, lambda box, n: scale_to(box, 0), lambda st, n: check_rollout(st, 0, "web:v1")),
    "self-heal": (settled_deployment, lambda box, n: self_heal_run(box), lambda st, n: check_rollout(st, n, "web:v1")),
}
