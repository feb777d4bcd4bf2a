"""The garbage collector: what happens to the dependents of a deleted owner.

Mirrors `pkg/controller/garbagecollector` for controller references, one work item
``("gc", owner uid, propagation)`` per owner:

- ``Background`` (the default): the owner is already gone; its dependents are deleted
  (and theirs, in turn, by the same rule) (`attemptToDeleteItem`, no solid owner left).
- ``Orphan``: the owner is still there, marked, with the ``orphan`` finalizer; the
  collector removes the owner references from its dependents (`orphanDependents`), then
  the finalizer (`removeFinalizer`), and the owner goes.
- ``Foreground``: the owner is still there, marked, with the ``foregroundDeletion``
  finalizer; every dependent not yet being deleted is deleted, in the foreground when it
  has dependents of its own, else in the background (`attemptToDeleteItem` with an owner
  "waiting for dependents deletion"); the owner keeps its finalizer while a dependent
  with ``blockOwnerDeletion`` remains (`processDeletingDependentsItem`). Each removal of
  such a dependent queues the owner again (`store.remove`).

The API server's deletion path queues these items (`store.delete`, `store.remove`), in the
place of the collector's graph builder, which watches every kind; the collector has no
handlers of its own here.

Abstracts: non-controller owner references, and pods deleted with ``Orphan`` or
``Foreground`` (pods own nothing in the model, so they are deleted as in the background).
"""

from __future__ import annotations

from .controllerref import release
from .errors import ApiError
from .informers import Controller
from .state import ClusterState
from .store import delete, remove, update

#: The finalizer each propagation policy leaves on the owner.
FINALIZERS = {"Orphan": "orphan", "Foreground": "foregroundDeletion"}


def collect(st: ClusterState, uid: str, propagation: str) -> ClusterState:
    """Handle the dependents of the owner `uid` deleted with `propagation`."""
    owner = st.by_uid(uid)
    if propagation == "Background":
        return st if owner is not None else _delete_dependents(st, uid)
    if owner is None or FINALIZERS[propagation] not in (owner["metadata"].get("finalizers") or ()):
        return st
    if propagation == "Orphan":
        st = _orphan_dependents(st, uid)
    else:
        st = _delete_dependents(st, uid, foreground=True)
        if any(_blocks(st.get(*key), uid) for key in st.dependent_keys(uid)):
            return st
    return _remove_finalizer(st, st.by_uid(uid), FINALIZERS[propagation])


def _delete_dependents(st: ClusterState, uid: str, *, foreground: bool = False) -> ClusterState:
    for kind, ns, name in list(st.dependent_keys(uid)):
        obj = st.get(kind, ns, name)
        if obj is None or obj["metadata"].get("deletionTimestamp"):
            continue
        has_dependents = any(True for _ in st.dependent_keys(obj["metadata"]["uid"]))
        try:
            st = delete(st, kind, ns, name, propagation="Foreground" if foreground and has_dependents else "Background")
        except ApiError:
            pass
    return st


def _orphan_dependents(st: ClusterState, uid: str) -> ClusterState:
    for kind, ns, name in list(st.dependent_keys(uid)):
        st = release(st, st.get(kind, ns, name), uid)
    return st


def _blocks(dependent: dict | None, uid: str) -> bool:
    """Whether `dependent` still holds its owner `uid` back (`blockOwnerDeletion`)."""
    refs = (dependent or {}).get("metadata", {}).get("ownerReferences") or ()
    return any(r.get("uid") == uid and r.get("blockOwnerDeletion") for r in refs)


def _remove_finalizer(st: ClusterState, owner: dict, finalizer: str) -> ClusterState:
    """Drop `finalizer`; an object being deleted with no finalizer left goes at once."""
    md = owner["metadata"]
    rest = [f for f in md.get("finalizers") or () if f != finalizer]
    if not rest:
        return remove(st, owner["kind"], md.get("namespace", ""), md["name"])
    st, _ = update(st, {**owner, "metadata": {**md, "finalizers": rest}})
    return st


CONTROLLER = Controller("gc", collect)
