"""Per-owner pod summaries, kept in step with pod writes (a derived index, like `dependents`).

The ReplicaSet controller reads these instead of walking every pod it owns on each sync:

- `pod_counts`: owner uid -> Map[csig -> number of pods], where ``csig = (namespace,
  labels as sorted items, active, ready, terminating, nodeName)``: what `claim_pods`,
  `update_status` and the deletion rank need, as counts (a few signatures per owner).
- `pod_groups`: owner uid -> Map[fsig -> (members, base, gone)] over the owner's *active*
  pods (members: Map[(namespace, name) -> None]; see `smallest`),
  where ``fsig = (nodeName, phase rank, ready, deletion cost, Ready lastTransitionTime,
  restarts, creationTimestamp)``: everything `compare_for_deletion` looks at except the
  uid and the per-sync rank, so pods of one group are interchangeable for ranking.
- `pod_sigs`: (namespace, name) -> (owner uid, (csig, fsig)) of every pod with a controller
  ref, so a write moves the pod's old contribution without recomputing it.

`pod_groups` is lazy: only the deletion ranking (`getPodsToDelete`) reads it, and most owners
are never scaled down (in a rolling update the new ReplicaSet only grows), so an owner's groups
are built from `pod_sigs` when it is first ranked (`ranked`) and kept in step from then on; it
holds an entry, possibly empty, exactly for those owners, until the owner is removed.

One index is not per owner: `node_pods`, node name -> number of active pods bound to it, the load
the scheduler compares (`node_slot`, `move_node_load`), so a binding does not walk every pod; kept
only when the cluster has more than one node.

A pod whose shape the fast paths do not handle (no status, unsortable labels) gets the
signature None, which sends its owner back to the full walk.
"""

from __future__ import annotations

from .pmap import EMPTY, Map
from .state import ClusterState, mdelete, mset, put_in, writable
from .pods import _PHASE_RANK, deletion_cost, max_restarts

_TERMINAL = ("Succeeded", "Failed")


def signatures(pod: dict) -> tuple:
    """Return (csig, fsig or None when the pod is not active); (None, None) for odd shapes."""
    try:
        return _signatures(pod)
    except (AttributeError, KeyError, TypeError, ValueError):
        return None, None


def _signatures(pod: dict) -> tuple:
    md = pod["metadata"]
    status = pod.get("status")
    if not isinstance(status, dict):
        return None, None
    labels = md.get("labels")
    if not labels:
        lk = ()
    else:
        hit = _LABEL_KEYS.get(id(labels))
        if hit is not None and hit[0] is labels:
            lk = hit[1]
        else:
            try:
                lk = tuple(sorted(labels.items()))
            except (TypeError, AttributeError):
                return None, None
            if len(_LABEL_KEYS) >= 1024:
                _LABEL_KEYS.clear()
            _LABEL_KEYS[id(labels)] = (labels, lk)  # keeps `labels` alive: its id is not reused meanwhile
    phase = status.get("phase")
    terminal = phase in _TERMINAL
    deleting = bool(md.get("deletionTimestamp"))
    active = not terminal and not deleting
    c = None
    for cond in status.get("conditions") or ():  # `ready_condition`, inlined: this runs on every pod write
        if cond.get("type") == "Ready":
            c = cond
            break
    ready = c is not None and c.get("status") == "True"
    node = pod["spec"].get("nodeName", "")
    csig = (md.get("namespace", ""), lk, active, ready, deleting and not terminal, node)
    if not active:
        return _intern((csig, None))
    statuses = status.get("containerStatuses")
    if not statuses:
        restarts = 0
    elif len(statuses) == 1:
        restarts = statuses[0].get("restartCount", 0)
    else:
        restarts = max_restarts(pod)
    ann = md.get("annotations")
    fsig = (
        node,
        _PHASE_RANK.get(phase, 3),
        ready,
        deletion_cost(pod) if ann else 0,
        c.get("lastTransitionTime") if ready else None,
        restarts,
        md.get("creationTimestamp"),
    )
    return _intern((csig, fsig))


#: id(labels dict) -> (that dict, its sorted items): pods of one ReplicaSet share their labels.
_LABEL_KEYS: dict[int, tuple] = {}
#: Equal signature tuples are kept once (many pods share them); pure values, so sharing is safe.
_INTERNED: dict = {}


def _intern(value: tuple) -> tuple:
    hit = _INTERNED.get(value)
    if hit is not None:
        return hit
    if len(_INTERNED) >= 16384:
        _INTERNED.clear()
    _INTERNED[value] = value
    return value


def _count(counts: Map, uid: str, csig, delta: int) -> Map:
    inner = counts.get(uid, EMPTY)
    n = inner.get(csig, 0) + delta
    inner = inner.set(csig, n) if n else inner.delete(csig)
    return counts.set(uid, inner) if len(inner) else counts.delete(uid)


def _group(groups: Map, uid: str, name: tuple, fsig, delta: int) -> Map:
    """`groups` with `name` added to (delta 1) or removed from (-1) owner `uid`'s group `fsig`, if `uid` is ranked."""
    if fsig is None:
        return groups
    g = groups.get(uid)
    if g is None:  # never ranked: `ranked` builds its groups when it is
        return groups
    return groups.set(uid, _group_in(g, name, fsig, delta))


def _group_in(g: Map, name: tuple, fsig, delta: int) -> Map:
    """One owner's groups with `name` added to (delta 1) or removed from (-1) group `fsig`."""
    if fsig is None:
        return g
    entry = g.get(fsig)
    if delta > 0:
        members = (EMPTY if entry is None else entry[0]).set(name, None)
        return g.set(fsig, (members, members, 0))
    members, base, gone = entry
    members = members.delete(name)
    if not len(members):
        return g.delete(fsig)
    order = _SORTED.get(id(base))
    if order is not None and order[0] is base:
        order = order[1]
        while gone < len(order) and order[gone] not in members:
            gone += 1
    return g.set(fsig, (members, base, gone))


def _move_group(groups: Map, uid: str, name: tuple, old, new) -> Map:
    """`_group(_group(groups, uid, name, old, -1), uid, name, new, 1)` with one read and one write of `groups`."""
    g = groups.get(uid)
    if g is None:  # never ranked
        return groups
    return groups.set(uid, _group_in(_group_in(g, name, old, -1), name, new, 1))


def ranked(st: ClusterState, uid: str) -> ClusterState:
    """`st` with owner `uid`'s ranking groups in `pod_groups`, built from `pod_sigs` if it was never ranked.

    The ReplicaSet controller calls this in the sync that first ranks the owner's pods for
    deletion (`getPodsToDelete`, by `ActivePodsWithRanks`); every later pod write keeps the
    groups in step. A fresh group is (members, members, 0): `base` and `gone` only record how
    the members were reached.
    """
    groups = st.pod_groups
    if uid in groups:
        return st
    sigs = st.pod_sigs
    found: dict = {}
    for kind, ns, name in st.dependents.get(uid, EMPTY).keys():  # the pods `pod_sigs` holds for `uid`
        if kind == "Pod":
            key = (ns, name)
            fsig = sigs[key][1][1]
            if fsig is not None:
                found.setdefault(fsig, []).append(key)
    g = Map({fsig: _fresh(keys) for fsig, keys in found.items()}) if found else EMPTY
    return st.evolve(pod_groups=groups.set(uid, g))


def _fresh(keys: list) -> tuple:
    """A group of the pods `keys`, as if added at once."""
    members = Map(dict.fromkeys(keys))
    return members, members, 0


# A group is (members, base, gone): `base` is the members map right after its latest
# addition (so members ⊆ base), and the first `gone` keys of sorted(base) are no longer
# members. sorted(base) is a pure function of an immutable map, memoised by identity
# (the entry keeps the map alive, so the id cannot be reused while cached).
_SORTED: dict[int, tuple[Map, list]] = {}


def sorted_keys(base: Map) -> list:
    hit = _SORTED.get(id(base))
    if hit is not None and hit[0] is base:
        return hit[1]
    if len(_SORTED) >= 64:
        _SORTED.clear()
    order = sorted(base.keys())
    _SORTED[id(base)] = (base, order)
    return order


def smallest(entry: tuple, n: int) -> list:
    """The `n` smallest member keys of a group (n <= number of members), in order."""
    members, base, gone = entry
    order = sorted_keys(base)
    out: list = []
    i = gone
    while len(out) < n:
        k = order[i]
        if k in members:
            out.append(k)
        i += 1
    return out


def _move_count(counts: Map, uid: str, old, new) -> Map:
    """`_count(_count(counts, uid, old, -1), uid, new, 1)` with one read and one write of `counts`."""
    inner = counts.get(uid, EMPTY)
    n = inner.get(old, 0) - 1
    inner = inner.set(old, n) if n else inner.delete(old)
    inner = inner.set(new, inner.get(new, 0) + 1)
    return counts.set(uid, inner)


def update_pod_index(index: tuple, key: tuple, new: dict | None, nref: dict | None, st=None) -> tuple:
    """Move one pod's contribution to (new, nref) (nref: its controller ref; new None: removed).

    `index` is (counts, groups, sigs), where sigs maps (namespace, name) -> (owner uid,
    signatures) of every pod with a controller ref, so the old contribution is not recomputed.
    Given the state `st` the index is `st`'s, and sigs is written as `state.writable` says
    (in place in a sync's builder when `st` is transient).
    """
    counts, groups, sigs = index
    prev = sigs.get(key)
    nuid = nref["uid"] if nref is not None and new is not None else None
    if prev is None and nuid is None:
        return index
    nsig = signatures(new) if nuid is not None else None
    if prev is not None and prev[0] == nuid:  # same owner: move only what changed
        osig = prev[1]
        if osig is nsig:  # signatures are interned: equal ones are the same tuple
            return index
        (oc, of), (nc, nf) = osig, nsig
        if oc != nc:
            counts = _move_count(counts, nuid, oc, nc)
        if of != nf:
            groups = _move_group(groups, nuid, key, of, nf)
        return counts, groups, sigs.set(key, _owned(nuid, nsig)) if st is None else put_in(st, "pod_sigs", key, _owned(nuid, nsig))
    if prev is not None:
        counts = _count(counts, prev[0], prev[1][0], -1)
        groups = _group(groups, prev[0], key, prev[1][1], -1)
    if st is not None:
        sigs = writable(st, "pod_sigs")
    if nuid is not None:
        counts = _count(counts, nuid, nsig[0], 1)
        groups = _group(groups, nuid, key, nsig[1], 1)
        sigs = mset(sigs, key, _owned(nuid, nsig))
    else:
        sigs = mdelete(sigs, key)
    return counts, groups, sigs


def _owned(uid: str, sig: tuple) -> tuple:
    """The shared (uid, sig) pair (`sig` interned, so its identity stands for its value)."""
    hit = _OWNED.get((uid, id(sig)))
    if hit is not None and hit[1] is sig:
        return hit
    if len(_OWNED) >= 16384:
        _OWNED.clear()
    pair = _OWNED[(uid, id(sig))] = (uid, sig)  # keeps `sig` alive: its id is not reused meanwhile
    return pair


#: (owner uid, id(signatures)) -> (owner uid, signatures): the pairs `pod_sigs` stores, shared.
_OWNED: dict[tuple, tuple] = {}


def node_slot(pod: dict | None) -> str | None:
    """The node whose load `pod` counts in: its `nodeName` while it is active (`pods.is_active`: not Succeeded
    or Failed, no deletionTimestamp), else None (unbound, gone, terminating or terminal)."""
    if pod is None:
        return None
    node = pod["spec"].get("nodeName")
    if not node or pod["metadata"].get("deletionTimestamp"):
        return None
    status = pod.get("status")
    if isinstance(status, dict) and status.get("phase") in _TERMINAL:
        return None
    return node


def move_node_load(load: Map, old: str | None, new: str | None) -> Map:
    """`load` (node -> active pods) with one pod moved from node `old` to node `new` (None: counted nowhere)."""
    if old is not None:
        n = load.get(old, 0) - 1
        load = load.set(old, n) if n else load.delete(old)
    if new is not None:
        load = load.set(new, load.get(new, 0) + 1)
    return load
