"""The shape layer: one object at a time is well formed."""

from __future__ import annotations

from kubesim.driver import Observation

from ..readers import name_of
from ..registry import Violation, invariant


@invariant("shape", reads=("Pod", "ReplicaSet"))
def objects_have_at_most_one_controller(obs: Observation) -> list[Violation]:
    """Every pod and ReplicaSet has at most one ownerReference with ``controller: true``.

    Upstream: `metav1.GetControllerOf` assumes one; the API server rejects a second
    controller reference (`ValidateOwnerReferences`: "Only one reference can have
    Controller set to true").
    """
    out = []
    for kind in ("Pod", "ReplicaSet"):
        for o in obs.of(kind):
            refs = (o.get("metadata") or {}).get("ownerReferences")
            if not refs or len(refs) == 1:  # one reference cannot make two controllers
                continue
            refs = [r for r in refs if r.get("controller")]
            if len(refs) > 1:
                names = ", ".join(f"{r.get('kind')}/{r.get('name')}" for r in refs)
                out.append(Violation("objects_have_at_most_one_controller", f"{kind}/{name_of(o)}", obs.time, f"{len(refs)} controller references: {names}"))
    return out
