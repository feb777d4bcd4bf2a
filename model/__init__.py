"""kubesim's model: Kubernetes workloads as a pure, deterministic state machine.

A `ClusterState` is an immutable value; `step(state, action)` returns the next one.
Controllers (Deployment, ReplicaSet, endpoints, garbage collector), the scheduler and a
kubelet stand-in run as queued work; time is logical (milliseconds) and moves only
from timer to timer. Nothing here reads a clock, a file or a random source.

Typical use::

    from kubesim.model import new_cluster, apply_manifests, settle, observe
    st = new_cluster()
    st, lines = apply_manifests(st, open("deploy.yaml").read(), source="deploy.yaml")
    st = settle(st)
    snapshot = observe(st)
"""

from __future__ import annotations

from .actions import (
    AdvanceTime,
    Apply,
    CrashContainer,
    Delete,
    RolloutPause,
    RolloutRestart,
    RolloutResume,
    RolloutUndo,
    RunWork,
    Scale,
    SetImage,
    SetImageBehaviour,
    SetReadiness,
    Tick,
    enabled,
    perform,
    step,
)
from .api import observe, to_json
from .engine import NotSettled, advance, history, run_queue, settle
from .errors import ApiError, Cause, ControllerError, KubesimError, ManifestError
from .kubelet import container_env, container_files
from .manifest import Document, load_documents
from .bootstrap import initial_state
from .state import ClusterState, Config, ImageBehaviour


def new_cluster(config: Config | None = None) -> ClusterState:
    """Return a fresh simulated cluster (namespaces and the `kubernetes` Service)."""
    return initial_state(config)


def apply_manifests(st: ClusterState, text: str | bytes, source: str = "-") -> tuple[ClusterState, list[str]]:
    """`kubectl apply -f` of a YAML stream: every document, in order.

    Raises the first `ManifestError` / `ApiError` (with `source` and `document_index`
    set), leaving the state as it was before that document; use `apply_each` to apply
    the valid documents and collect the errors as kubectl does.
    """
    lines: list[str] = []
    for doc in load_documents(text, source):
        try:
            st, line = perform(st, Apply(doc.obj))
        except (ApiError, ManifestError) as err:
            err.source = source
            err.document_index = doc.index
            raise
        lines.append(line)
    return st, lines


__all__ = [
    "AdvanceTime",
    "ApiError",
    "Apply",
    "Cause",
    "ClusterState",
    "Config",
    "ControllerError",
    "CrashContainer",
    "Delete",
    "Document",
    "ImageBehaviour",
    "KubesimError",
    "ManifestError",
    "NotSettled",
    "RolloutPause",
    "RolloutRestart",
    "RolloutResume",
    "RolloutUndo",
    "RunWork",
    "Scale",
    "SetImage",
    "SetImageBehaviour",
    "SetReadiness",
    "Tick",
    "advance",
    "apply_manifests",
    "container_env",
    "container_files",
    "enabled",
    "history",
    "load_documents",
    "new_cluster",
    "observe",
    "perform",
    "run_queue",
    "settle",
    "step",
    "to_json",
]
