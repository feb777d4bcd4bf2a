"""The cluster state: one immutable value holding every object, index, queue and timer.

Objects are stored as Kubernetes API JSON (plain dicts) and are never mutated after they
are stored: every change builds a new dict and a new `ClusterState` (see `store.py`).
`immutables.Map` keeps each change O(log n). The kubelet's private view of a pod (what
the container saw at start, timers) lives in `runtime`, outside the API objects, as it
does on a real node.

Abstracts: informer caches. Every controller reads the state as it is now, so the
"expectations" of the ReplicaSet controller are always satisfied at once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Iterator

from .clock import DEFAULT_EPOCH
from .pmap import EMPTY, Map, pmap

Key = tuple  # (namespace, name); ("", name) for cluster-scoped kinds
Work = tuple  # (controller, namespace, name) or ("gc", uid, propagation, ...)


@dataclass(frozen=True, slots=True)
class ImageBehaviour:
    """How the node simulator runs an image.

    `ready_after_ms`: readiness delay after the container starts. `never_ready`: it runs
    but never passes readiness. `crash_after_ms`: it exits with code 1 that long after each
    start. `pull_error`: the image cannot be pulled (ErrImagePull / ImagePullBackOff).
    """

    ready_after_ms: int = 0
    never_ready: bool = False
    crash_after_ms: int | None = None
    pull_error: bool = False


@dataclass(frozen=True, slots=True)
class Config:
    """Fixed settings of a simulated cluster; all durations are logical milliseconds."""

    epoch: int = DEFAULT_EPOCH
    seed: int = 0
    nodes: tuple[str, ...] = ("kubesim-worker",)
    #: Image pull and container creation, from binding to the container running.
    container_start_ms: int = 1000
    #: From SIGTERM to the container exiting, capped by the grace period.
    shutdown_ms: int = 1000
    #: kubelet `syncFrequency` (`--sync-frequency`, default 1m): each pod's periodic sync comes this long,
    #: plus up to half of it (jitter from the seed), after the last; a ConfigMap volume update lands at
    #: the next one. To match a real node run with `syncFrequency: 5s`: `Config(sync_frequency_ms=5_000)`
    #: (`ModelDriver(config=...)` in a driver, `m.new_cluster(Config(...))` in a test).
    sync_frequency_ms: int = 60_000
    crash_backoff_initial_ms: int = 10_000
    crash_backoff_max_ms: int = 300_000
    #: Images with special behaviour; others start and become ready normally.
    images: Map = EMPTY


@dataclass(frozen=True)
class ClusterState:
    """Everything a simulated cluster knows at logical time `now` (milliseconds)."""

    config: Config = field(default_factory=Config)
    now: int = 0
    #: Source of uids, generated names, IPs and resourceVersions.
    seq: int = 0
    objects: Map = EMPTY  # kind -> Map[(ns, name) -> dict]
    # Indices (derived from objects, kept in step by store.py).
    uids: Map = EMPTY  # uid -> (kind, ns, name)
    dependents: Map = EMPTY  # owner uid -> Map[(kind, ns, name) -> None]  (controller refs only)
    orphans: Map = EMPTY  # (kind, ns) -> Map[name -> None]  (no controller ref)
    # Per-owner pod summaries for the ReplicaSet controller (see podindex.py).
    pod_counts: Map = EMPTY  # owner uid -> Map[count signature -> int]
    #: owner uid -> Map[ranking signature -> (members, base, gone)] (active pods), for the owners
    #: ranked so far (`podindex.ranked`). Left out of equality: which owners are held, and how
    #: `base`/`gone` reached the members, depend on the path to the state, not on what it is.
    pod_groups: Map = field(default=EMPTY, compare=False)
    pod_sigs: Map = EMPTY  # (ns, name) -> (owner uid, signatures) of pods with a controller ref
    #: node name -> number of active pods bound to it (the scheduler's node load; see `podindex.node_slot`),
    #: kept when the cluster has more than one node (with one, the scheduler has no choice to make).
    node_pods: Map = EMPTY
    node_ports: Map = EMPTY  # nodePort -> (ns, service name)
    cluster_ips: Map = EMPTY  # ip -> (ns, service name)
    # The kubelet's private state per pod.
    runtime: Map = EMPTY  # (ns, name) -> PodRuntime
    # Work queue (FIFO with de-duplication, like client-go's workqueue).
    queue: Map = EMPTY  # position -> work
    queued: Map = EMPTY  # work -> position
    qhead: int = 0
    qtail: int = 0
    # Timers: time -> Map[seq -> work], and the sorted distinct times.
    timers: Map = EMPTY
    timer_times: tuple = ()
    event_count: int = 0
    #: The event recorders' correlator caches: involved object uid -> entries (see events.py).
    recorder: Map = EMPTY

    # ----- reads -------------------------------------------------------------------
    def table(self, kind: str) -> Map:
        """Return the map (namespace, name) -> object of one kind."""
        table = self.objects.get(kind, EMPTY)
        if type(table) is MapMutation:  # a transient's table builder (see `TransientState`)
            table = _finish_table(self, kind)
        if kind == "Event":
            return EventTable(table)
        return table

    def get(self, kind: str, namespace: str, name: str) -> dict | None:
        """Return one object as API JSON, or None."""
        obj = self.objects.get(kind, EMPTY).get((namespace, name))
        if type(obj) is tuple:
            return event_dict((namespace, name), obj)
        return obj

    def list(self, kind: str, namespace: str | None = None) -> list[dict]:
        """Return the objects of a kind (in one namespace, or all), sorted by namespace and name."""
        table = self.objects.get(kind, EMPTY)
        if type(table) is MapMutation:  # a transient's table builder (see `TransientState`)
            table = _finish_table(self, kind)
        hit = _LISTED.get((id(table), namespace))
        if hit is not None and hit[0] is table:
            return list(hit[1])
        keys = sorted(k for k in table.keys() if namespace is None or k[0] == namespace)
        out = [event_dict(k, table[k]) for k in keys] if kind == "Event" else [table[k] for k in keys]
        if len(_LISTED) >= 512:
            _LISTED.clear()
        _LISTED[(id(table), namespace)] = (table, tuple(out))
        return out

    def by_uid(self, uid: str) -> dict | None:
        """Return the object with `uid`, or None."""
        where = self.uids.get(uid)
        return None if where is None else self.get(*where)

    def dependents_of(self, uid: str, kind: str) -> list[dict]:
        """Return the objects of `kind` whose controller reference points at `uid`."""
        out = []
        for k, ns, name in self.dependents.get(uid, EMPTY).keys():
            if k == kind:
                obj = self.get(k, ns, name)
                if obj is not None:
                    out.append(obj)
        return out

    def dependent_keys(self, uid: str) -> Iterator[tuple]:
        """Yield (kind, ns, name) of every object controlled by `uid`."""
        return iter(self.dependents.get(uid, EMPTY).keys())

    def orphans_of(self, kind: str, namespace: str) -> list[dict]:
        """Return objects of `kind` in `namespace` that have no controller reference."""
        names = self.orphans.get((kind, namespace))
        if not names:  # the usual case; and the table is not read (in a transient, reading finishes its builder)
            return []
        table = self.table(kind)
        return [table[(namespace, n)] for n in sorted(names.keys())]

    @property
    def namespaces(self) -> list[str]:
        return sorted(k[1] for k in self.table("Namespace").keys())

    def pending_work(self) -> Iterator[Work]:
        """Yield the queued work items in FIFO order."""
        for pos in range(self.qhead, self.qtail):
            w = self.queue.get(pos)
            if w is not None:
                yield w

    def next_timer(self) -> int | None:
        """Return the time of the earliest timer, or None."""
        return self.timer_times[0] if self.timer_times else None

    @property
    def idle(self) -> bool:
        """True when no work is queued at this instant."""
        return not len(self.queued)

    @property
    def settled(self) -> bool:
        """True when nothing more can happen: no work and no timers."""
        return not len(self.queued) and not self.timer_times

    def evolve(self, **changes: Any) -> "ClusterState":
        """Return a copy with `changes` (a fast `dataclasses.replace`: the hot path of every step).

        The fields live in the instance dict (no slots), so a copy is one dict copy.
        """
        new = _new_state(ClusterState)
        fields = self.__dict__.copy()
        fields.update(changes)
        _set(new, "__dict__", fields)
        return new


class TransientState(ClusterState):
    """A `ClusterState` being built by one controller sync (see `transient`; in a run no one observes, by
    every sync of the run: `engine._drain`): `evolve` changes it in place.

    Within one sync every write returns the state it was given, changed (one object instead of a
    copy per write, like a Clojure transient); `freeze` ends the sync and makes it an ordinary
    immutable `ClusterState`. The engine keeps no other reference to it while the sync runs, so
    no one can see a half-done sync; code that runs inside a sync must not keep a state and read
    it again after a later write (it would see the write).

    The large maps go further: the flat maps of `BUILT` and the object tables of `BUILT_KINDS`
    become `immutables` mutation builders on their first write (`writable`, `put_in`, `table_put`),
    later writes change the builder in place (no path copy per write), and `freeze` finishes
    each builder into a `Map` once. Inside a sync the `BUILT` fields are read only by key (`get`,
    `[]`, `in`, `len`), which a builder answers as the map would; `ClusterState.get` reads a
    table builder by key, and `table` / `list` finish it first (a `Map` again, iterable).
    """

    __slots__ = ()

    def evolve(self, **changes: Any) -> "ClusterState":
        """Apply `changes` to this state and return it (the transient form of `ClusterState.evolve`)."""
        self.__dict__.update(changes)
        return self


#: `immutables.Map.mutate()`'s builder type.
MapMutation = type(EMPTY.mutate())
#: Fields a transient holds as a mutation builder once written (see `TransientState`): written only
#: by store.py, podindex.py, workqueue.py, events.py and kubelet.py, read inside a sync only by key.
#: `runtime` is written only through `put_runtime`, which leaves it as it is when the record is the
#: one stored (so a wake-up that changes nothing keeps the same map: `engine.settle` compares it).
BUILT = ("uids", "pod_sigs", "recorder", "queue", "queued", "runtime")
#: Object tables a transient holds as mutation builders once written (the large ones): written only
#: by store.py and events.py; `ClusterState.table` / `list` finish them before anyone iterates.
BUILT_KINDS = ("Pod", "Event")


def building(st: "TransientState", name: str):
    """The field `name` (one of `BUILT`) of the transient `st` as a mutation builder, started on first use."""
    d = st.__dict__
    m = d[name]
    if type(m) is not MapMutation:
        m = d[name] = m.mutate()
    return m


def writable(st: ClusterState, name: str):
    """The field `name` (one of `BUILT`) to write to: the sync's builder when `st` is transient, else the map."""
    return building(st, name) if type(st) is TransientState else st.__dict__[name]


def mset(m, key: Any, value: Any):
    """`m` (a map or a builder, from `writable`) with `key` set: a new map, or the builder changed in place."""
    if type(m) is MapMutation:
        m[key] = value
        return m
    return m.set(key, value)


def mdelete(m, key: Any):
    """`m` (a map or a builder, from `writable`) without `key` (which it holds), as `mset` does it."""
    if type(m) is MapMutation:
        del m[key]
        return m
    return m.delete(key)


def put_in(st: ClusterState, name: str, key: Any, value: Any):
    """`mset(writable(st, name), key, value)` in one call (the hot paths' form)."""
    if type(st) is TransientState:
        d = st.__dict__
        m = d[name]
        if type(m) is not MapMutation:
            m = d[name] = m.mutate()
        m[key] = value
        return m
    return st.__dict__[name].set(key, value)


def put_runtime(st: ClusterState, key: Any, rt: Any) -> Map:
    """The `runtime` map with the kubelet record `rt` at `key` (`put_in`; unchanged when `rt` is the one stored)."""
    m = st.__dict__["runtime"]
    if m.get(key) is rt:
        return m
    return put_in(st, "runtime", key, rt)


def table_put(st: ClusterState, kind: str, key: Any, value: Any) -> Map:
    """The `objects` map with `value` at `key` of `kind`'s table (in a transient, for `BUILT_KINDS`,
    written in place in the table's builder, and `objects` as it now is)."""
    objects = st.objects
    table = objects.get(kind, EMPTY)
    if type(table) is MapMutation:
        table[key] = value
        return objects
    if type(st) is TransientState and kind in BUILT_KINDS:
        table = table.mutate()
        table[key] = value
        objects = st.__dict__["objects"] = objects.set(kind, table)
        return objects
    return objects.set(kind, table.set(key, value))


def table_delete(st: ClusterState, kind: str, key: Any) -> Map:
    """`table_put` removing `key` (which the table holds)."""
    objects = st.objects
    table = objects[kind]
    if type(table) is MapMutation:
        del table[key]
        return objects
    if type(st) is TransientState and kind in BUILT_KINDS:
        table = table.mutate()
        del table[key]
        objects = st.__dict__["objects"] = objects.set(kind, table)
        return objects
    return objects.set(kind, table.delete(key))


def _finish_table(st: ClusterState, kind: str) -> Map:
    """Finish the builder of `kind`'s table in the transient `st` (a `Map` again) and return it."""
    table = st.objects[kind].finish()
    st.__dict__["objects"] = st.objects.set(kind, table)
    return table


def _finish(d: dict) -> None:
    for name in BUILT:
        m = d[name]
        if type(m) is MapMutation:
            d[name] = m.finish()
    objects = d["objects"]
    for kind in BUILT_KINDS:
        table = objects.get(kind)
        if type(table) is MapMutation:
            objects = objects.set(kind, table.finish())
    d["objects"] = objects


def transient(st: ClusterState) -> TransientState:
    """A transient copy of `st` for one controller sync: `st` itself is left as it is."""
    if type(st) is TransientState:
        _finish(st.__dict__)  # the copy must not share a builder with `st`
    new = _new_state(TransientState)
    _set(new, "__dict__", st.__dict__.copy())
    return new


def freeze(st: ClusterState) -> ClusterState:
    """The immutable state a sync's transient ends as (`st` itself when it is not transient):
    O(1) but for finishing the mutation builders of the fields written (`BUILT`)."""
    if type(st) is TransientState:
        _finish(st.__dict__)
        _set(st, "__class__", ClusterState)
    return st


def snapshot(st: ClusterState) -> ClusterState:
    """`st` as it is now, immutable, for code inside a sync that reads it again after later writes
    (a transient state would show them); O(number of fields), the maps themselves are shared."""
    return freeze(transient(st)) if type(st) is TransientState else st


_new_state = object.__new__
_set = object.__setattr__
#: (id(table), namespace) -> (table, its objects in order) for `ClusterState.list`: tables
#: are immutable maps, and the entry keeps its table alive so the id is not reused meanwhile.
_LISTED: dict[tuple, tuple] = {}


# ----- events --------------------------------------------------------------------------
#
# An Event written by a controller (`events.record_event`) is stored as a tuple of the
# fields that vary (`event_record`), a few hundred bytes instead of a nested dict; reads
# rebuild its API JSON (`event_dict`). An Event stored in any other shape (a dict that
# `event_record` cannot express) is kept and returned as is.


def event_record(
    stamp: str,
    api_version: str,
    kind: str,
    name: str,
    uid: str,
    reason: str,
    message: str,
    etype: str,
    component: str,
    count: int = 1,
    last: str | None = None,
    namespace: str | None = None,
) -> tuple:
    """Return the compact form of an Event about object `kind`/`name` (see `event_dict`).

    (first stamp, object name, object uid, message, shared part), plus (count, last stamp) for an
    event seen more than once: the fields one recorder repeats on every event of a reason
    (apiVersion, kind, reason, type, component) are one shared tuple, and messages repeated
    word for word ("Container started") are one string; a message that names the object itself is
    kept without it (`compact_message`).
    """
    cls = (api_version, kind, reason, etype, component)
    hit = _CLASSES.get(cls)
    if hit is None:
        if len(_CLASSES) >= 4096:
            _CLASSES.clear()
        hit = _CLASSES[cls] = cls
    shared = compact_message(message, reason, namespace, name)
    if shared is message:
        shared = _MESSAGES.get(message)
        if shared is None:
            if len(_MESSAGES) >= 4096:
                _MESSAGES.clear()
            _MESSAGES[message] = shared = message
    if count == 1 and (last is None or last == stamp):
        return (stamp, name, uid, shared, hit)
    return (stamp, name, uid, shared, hit, count, stamp if last is None else last)


def compact_message(message: str, reason: str, namespace: str | None, name: str) -> Any:
    """`message` as an event record keeps it: the scheduler's ``Successfully assigned <namespace>/<name> to
    <node>`` about pod `name` in `namespace` as the shared 1-tuple ``(node,)`` (`full_message` writes it out
    again), any other message as it is."""
    if reason == "Scheduled" and namespace is not None and type(message) is str:
        head = f"Successfully assigned {namespace}/{name} to "
        if message.startswith(head):
            node = message[len(head) :]
            hit = _NODES.get(node)
            if hit is None:
                if len(_NODES) >= 4096:
                    _NODES.clear()
                hit = _NODES[node] = (node,)
            return hit
    return message


def full_message(message: Any, namespace: str, name: str) -> str:
    """The message `compact_message` kept as `message`, written out (about `name` in `namespace`)."""
    if type(message) is tuple:
        return f"Successfully assigned {namespace}/{name} to {message[0]}"
    return message


#: Interned event parts (pure values, so sharing them is safe).
_CLASSES: dict[tuple, tuple] = {}
_MESSAGES: dict[str, str] = {}
_NODES: dict[str, tuple] = {}


def event_dict(key: Key, rec: Any) -> dict:
    """Return the API JSON of the Event stored at `key` (`rec` as stored: a record or a dict)."""
    if type(rec) is not tuple:
        return rec
    ns, name = key
    stamp, oname, uid, message, (api_version, kind, reason, etype, component) = rec[:5]
    count, last = rec[5:] if len(rec) > 5 else (1, stamp)
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": name, "namespace": ns, "creationTimestamp": stamp},
        "involvedObject": {"apiVersion": api_version, "kind": kind, "name": oname, "namespace": ns, "uid": uid},
        "reason": reason,
        "message": message if type(message) is str else full_message(message, ns, oname),
        "type": etype,
        "source": {"component": component},
        "firstTimestamp": stamp,
        "lastTimestamp": last,
        "count": count,
        "reportingComponent": component,
    }


def compact_event(key: Key, ev: dict) -> Any:
    """Return the record `event_dict` turns back into exactly `ev` at `key`, or `ev` itself."""
    try:
        md, io, src = ev["metadata"], ev["involvedObject"], ev["source"]
        rec = event_record(
            md["creationTimestamp"], io["apiVersion"], io["kind"], io["name"], io["uid"], ev["reason"], ev["message"], ev["type"], src["component"],
            ev["count"], ev["lastTimestamp"], key[0],
        )
    except (KeyError, TypeError):
        return ev
    if all(type(v) is str for v in (*rec[:3], *rec[4], *rec[6:])) and type(rec[3]) in (str, tuple) and type((rec[5:6] or (1,))[0]) is int and event_dict(key, rec) == ev:
        return rec
    return ev


class EventTable:
    """The read side of the Event table: a `Map` (namespace, name) -> Event whose values are API JSON."""

    __slots__ = ("_map",)

    def __init__(self, events: Map) -> None:
        self._map = events

    def __len__(self) -> int:
        return len(self._map)

    def __contains__(self, key: object) -> bool:
        return key in self._map

    def __iter__(self) -> Iterator[Key]:
        return iter(self._map)

    def __getitem__(self, key: Key) -> dict:
        return event_dict(key, self._map[key])

    def __eq__(self, other: object) -> bool:
        if isinstance(other, EventTable):
            return self._map == other._map
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._map)

    def get(self, key: Key, default: Any = None) -> Any:
        rec = self._map.get(key)
        return default if rec is None else event_dict(key, rec)

    def keys(self):
        return self._map.keys()

    def values(self) -> Iterator[dict]:
        return (event_dict(k, v) for k, v in self._map.items())

    def items(self) -> Iterator[tuple[Key, dict]]:
        return ((k, event_dict(k, v)) for k, v in self._map.items())

    def set(self, key: Key, value: Any) -> Map:
        """Return the stored map with `value` (API JSON, kept compact when it can be) at `key`."""
        return self._map.set(key, compact_event(key, value) if isinstance(value, dict) else value)

    def delete(self, key: Key) -> Map:
        return self._map.delete(key)


def controller_ref(obj: dict) -> dict | None:
    """Return the ownerReference with `controller: true`, if any (`metav1.GetControllerOf`)."""
    for ref in obj["metadata"].get("ownerReferences") or ():
        if ref.get("controller"):
            return ref
    return None


def key_of(obj: dict) -> Key:
    md = obj["metadata"]
    return (md.get("namespace", ""), md["name"])


def make_uid(seed: int, n: int) -> str:
    """Return a UUID-shaped id derived from the state's seed and counter (no randomness)."""
    h = hashlib.blake2b(f"{seed}:{n}".encode(), digest_size=16).hexdigest()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) % 4]}{h[17:20]}-{h[20:32]}"


#: The alphabet of `rand.String` / `SafeEncodeString` (no vowels, no confusable digits).
ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789"


def name_suffix(seed: int, n: int) -> str:
    """Return 5 characters from the apiserver's generateName alphabet, derived from the counter."""
    h = hashlib.blake2b(f"name:{seed}:{n}".encode(), digest_size=8).digest()
    return h[:5].translate(_SUFFIX_BYTES).decode()


#: byte b -> ALPHANUMS[b % 27], for `bytes.translate`.
_SUFFIX_BYTES = bytes(ord(ALPHANUMS[b % len(ALPHANUMS)]) for b in range(256))


__all__ = [
    "ClusterState",
    "TransientState",
    "BUILT",
    "BUILT_KINDS",
    "MapMutation",
    "building",
    "mdelete",
    "mset",
    "writable",
    "put_in",
    "put_runtime",
    "table_delete",
    "table_put",
    "Config",
    "ImageBehaviour",
    "EventTable",
    "compact_event",
    "controller_ref",
    "event_dict",
    "event_record",
    "compact_message",
    "full_message",
    "freeze",
    "snapshot",
    "key_of",
    "make_uid",
    "name_suffix",
    "pmap",
    "transient",
]
