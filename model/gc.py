"""The garbage collector: what happens to the dependents of a deleted owner.

Mirrors `pkg/controller/garbagecollector` for controller references: with background
propagation (the default) the dependents are deleted (and theirs, in turn); with
`Orphan` the owner reference is removed and they stay.

Abstracts: foreground deletion (owner kept until dependents are gone) and
non-controller owner references.
"""

from __future__ import annotations

from .errors import ApiError
from .state import ClusterState
from .store import delete, update


def collect(st: ClusterState, uid: str, propagation: str) -> ClusterState:
    """Handle the dependents of the deleted owner `uid`."""
    if st.by_uid(uid) is not None:
        return st  # the owner still exists
    for kind, ns, name in list(st.dependent_keys(uid)):
        obj = st.get(kind, ns, name)
        if obj is None:
            continue
        if propagation == "Orphan":
            refs = [r for r in obj["metadata"].get("ownerReferences") or () if r.get("uid") != uid]
            md = {k: v for k, v in obj["metadata"].items() if k != "ownerReferences"}
            if refs:
                md["ownerReferences"] = refs
            st, _ = update(st, {**obj, "metadata": md})
        else:
            try:
                st = delete(st, kind, ns, name)
            except ApiError:
                pass
    return st
