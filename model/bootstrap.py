"""A new cluster as the API server bootstraps it: the system namespaces and the `kubernetes` Service.

Upstream's control plane creates these at start (`pkg/controlplane/controller/systemnamespaces`
and `kubernetesservice`). Importing this module registers the controllers (`controllers.py`),
so the writes below already reach their informer handlers.
"""

from __future__ import annotations

from . import controllers  # noqa: F401 - registers the controllers' handlers before the first write
from . import store
from .state import ClusterState, Config


def initial_state(config: Config | None = None) -> ClusterState:
    """Return a fresh cluster: namespaces default/kube-system and the `kubernetes` Service."""
    st = ClusterState(config=config or Config())
    for ns in ("default", "kube-node-lease", "kube-public", "kube-system"):
        st, _ = store.create(st, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}, "spec": {}})
    st, _ = store.create(
        st,
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "kubernetes", "namespace": "default", "labels": {"component": "apiserver", "provider": "kubernetes"}},
            "spec": {
                "type": "ClusterIP",
                "clusterIP": "10.96.0.1",
                "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}],
                "sessionAffinity": "None",
            },
        },
    )
    return st
