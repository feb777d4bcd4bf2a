"""Controller references: claiming, adopting and releasing dependents.

Mirrors `pkg/controller/controller_ref_manager.go`: `ClaimObject` (the rule behind
`PodControllerRefManager.ClaimPods` and `ReplicaSetControllerRefManager.ClaimReplicaSets`),
`AdoptPod` / `AdoptReplicaSet` and `ReleasePod` / `ReleaseReplicaSet`, and the owner
reference a controller sets on what it creates (`metav1.NewControllerRef`, with
`blockOwnerDeletion`).

Abstracts: upstream adopts and releases with patches that re-check the owner's uid
(`RecheckDeletionTimestamp`); the model's writes see the current state, so they need not.
"""

from __future__ import annotations

from typing import Callable, Iterable

from .labels import selector_matches
from .state import ClusterState
from .store import update


def owner_reference(owner: dict, kind: str) -> dict:
    """The controller reference a controller puts on what it creates or adopts (`NewControllerRef`)."""
    return {
        "apiVersion": "apps/v1",
        "kind": kind,
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


def claim(
    st: ClusterState, owner: dict, kind: str, owned: Iterable[dict], orphans: Callable[[ClusterState], Iterable[dict]]
) -> tuple[ClusterState, list[dict]]:
    """`ClaimObject` for every object `owner` (of `kind`) controls (`owned`), then every candidate
    without a controller (`orphans`, read after the releases): keep what the owner's selector
    matches, release what it no longer matches, adopt matching orphans not being deleted. An
    owner being deleted neither releases nor adopts. Returns the state and the claimed objects
    (kept, then adopted)."""
    md = owner["metadata"]
    uid, deleting = md["uid"], bool(md.get("deletionTimestamp"))
    selector = owner["spec"].get("selector")
    out: list[dict] = []
    for obj in owned:
        if selector_matches(selector, obj["metadata"].get("labels")):
            out.append(obj)
        elif not deleting:
            st = release(st, obj, uid)
    if not deleting:
        for obj in orphans(st):
            if not obj["metadata"].get("deletionTimestamp") and selector_matches(selector, obj["metadata"].get("labels")):
                st, adopted = adopt(st, owner, kind, obj)
                out.append(adopted)
    return st, out


def adopt(st: ClusterState, owner: dict, kind: str, obj: dict) -> tuple[ClusterState, dict]:
    """`AdoptPod` / `AdoptReplicaSet`: add `owner`'s controller reference to `obj`."""
    refs = list(obj["metadata"].get("ownerReferences") or ()) + [owner_reference(owner, kind)]
    return update(st, {**obj, "metadata": {**obj["metadata"], "ownerReferences": refs}})


def release(st: ClusterState, obj: dict, uid: str) -> ClusterState:
    """`ReleasePod` / `ReleaseReplicaSet` (and the garbage collector's `orphanDependents`): drop the
    owner reference to `uid` from `obj`."""
    refs = [r for r in obj["metadata"].get("ownerReferences") or () if r.get("uid") != uid]
    md = {k: v for k, v in obj["metadata"].items() if k != "ownerReferences"}
    if refs:
        md["ownerReferences"] = refs
    st, _ = update(st, {**obj, "metadata": md})
    return st
