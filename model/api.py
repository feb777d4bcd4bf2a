"""Observations: the cluster as the Kubernetes API shows it (`kubectl get -o json`)."""

from __future__ import annotations

import json

from .kinds import CLUSTER_SCOPED, KIND_NAMES
from .state import ClusterState

#: What an observation holds: every kind but the events.
OBSERVED_KINDS = tuple(k for k in KIND_NAMES if k != "Event")


def observe(st: ClusterState, namespace: str | None = None, kinds=OBSERVED_KINDS) -> dict:
    """Return one consistent snapshot: ``{"time": ms, "objects": {kind: [API JSON, ...]}}``.

    Objects are sorted by namespace and name; they are shared with the state, so treat
    them as read-only (or go through `to_json`).
    """
    return {"time": st.now, "objects": {k: st.list(k, None if k in CLUSTER_SCOPED else namespace) for k in kinds}}


def to_json(obj) -> str:
    """Serialise deterministically (sorted keys): the same state gives the same bytes."""
    return json.dumps(obj, sort_keys=True, indent=2)
