"""The scheduler: bind each new pod to a node.

The model's scheduler binds a pod to the node with the fewest active pods (ties: the
first by name) through the binding subresource (`store.bind`), and records the
`Scheduled` event as `default-scheduler` does. It watches pods that have no node yet.
With more than one node, the load of each is an index kept in step with pod writes
(`ClusterState.node_pods`, see `podindex.node_slot`), so a binding costs the same however
many pods exist.

Upstream's scheduler sees only non-terminal pods (`newPodInformer` in
pkg/scheduler/scheduler.go lists with ``status.phase!=Succeeded,status.phase!=Failed``);
the model also leaves out terminating pods, as the default topology spreading does when it
counts a node's pods (`countPodsMatchSelector`, plugins/podtopologyspread/common.go), though
upstream's resource scoring still counts them (a node's NodeInfo holds a pod until it is
deleted). Ties go to the first node by name; upstream's `selectHost` picks among them at random.

Abstracts: filtering and scoring plugins (resources, affinity, taints), preemption, and
the scheduling queue's back-off: every node fits every pod.
"""

from __future__ import annotations

from functools import lru_cache

from .clock import rfc3339
from .events import record_event
from .informers import Controller, Handlers
from .state import ClusterState
from .store import bind


def schedule_pod(st: ClusterState, ns: str, name: str) -> ClusterState:
    """Bind an unscheduled pod to the node with the fewest active pods (ties: first by name)."""
    pod = st.get("Pod", ns, name)
    if pod is None or pod["spec"].get("nodeName") or pod["metadata"].get("deletionTimestamp"):
        return st
    nodes = st.config.nodes
    if len(nodes) == 1:
        node = nodes[0]
    else:
        load = st.node_pods
        node = min(nodes, key=lambda n: (load.get(n, 0), n))
    stamp = rfc3339(st.config.epoch, st.now)
    status = {**pod["status"], "conditions": [_scheduled_condition(stamp)]}
    st, pod = bind(st, pod, node, _bound_spec(pod["spec"], node), status)
    return record_event(st, pod, "Normal", "Scheduled", f"Successfully assigned {ns}/{name} to {node}", "default-scheduler")


@lru_cache(maxsize=1024)
def _scheduled_condition(stamp: str) -> dict:
    """The PodScheduled condition (shared by the pods bound at one instant; never mutated)."""
    return {"type": "PodScheduled", "status": "True", "lastProbeTime": None, "lastTransitionTime": stamp}


def _bound_spec(spec: dict, node: str) -> dict:
    """`spec` with `nodeName`; pods bound from one shared spec to one node share the result."""
    hit = _BOUND.get((id(spec), node))
    if hit is not None and hit[0] is spec:
        return hit[1]
    out = {**spec, "nodeName": node}
    if len(_BOUND) >= 1024:
        _BOUND.clear()
    _BOUND[(id(spec), node)] = (spec, out)  # keeps `spec` alive: its id is not reused meanwhile
    return out


#: (id(spec), node) -> (spec, spec bound to node).
_BOUND: dict[tuple, tuple] = {}


def add_pod(queue: list, st: ClusterState, pod: dict, ref: dict | None) -> None:
    """`addPodToSchedulingQueue` (for pods without a node): enqueue the pod."""
    if not pod["spec"].get("nodeName"):
        md = pod["metadata"]
        queue.append(("scheduler", md.get("namespace", ""), md["name"]))


def update_pod(queue: list, st: ClusterState, old: dict, cur: dict, ref: dict | None, status_only: bool) -> None:
    """`updatePodInSchedulingQueue`: enqueue a pod still without a node, unless only its status changed."""
    if not status_only:
        add_pod(queue, st, cur, ref)


CONTROLLER = Controller("scheduler", schedule_pod, {"Pod": Handlers(add_pod, update_pod)})
