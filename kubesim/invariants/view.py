"""A cached index of one observation (`View`), what changed between two observations, and the cached readers
of Endpoints, events and JSON the rules share."""

from __future__ import annotations

import json
from itertools import compress
from operator import is_, is_not, itemgetter, not_
from typing import Callable, Iterable

from kubesim.driver import Observation

from .caches import id_cache
from .readers import desired_replicas, meta_of, name_of, parse_time, spec_replicas, uid_of
from .registry import ENV_KIND


class _once:
    """`functools.cached_property` without its lock (Python 3.11 takes one on every first use). The value,
    a pure function of the observation, is stored in the instance, which then shadows this descriptor;
    two threads reading it first at once would both store the same value."""

    def __init__(self, func):
        self.func = func
        self.name = func.__name__
        self.__doc__ = func.__doc__

    def __get__(self, obj, cls=None):
        if obj is None:
            return self
        value = obj.__dict__[self.name] = self.func(obj)
        return value


class View:
    """Indices over one observation, each built on first use (observations are immutable)."""

    def __init__(self, obs: Observation):
        self.obs = obs
        objects = obs.objects
        self.pods = objects.get("Pod", [])
        self.rss = objects.get("ReplicaSet", [])
        self.deployments = objects.get("Deployment", [])
        self._by_uid: dict[str, dict] | None = None
        self._rs_maps: dict[str, dict] | None = None

    @_once
    def pod_by_name(self) -> dict[str, dict]:
        """``{p["metadata"]["name"]: p for p in pods}``."""
        return dict(zip(map(_get_name, map(_get_metadata, self.pods)), self.pods))

    @_once
    def rs_by_uid(self) -> dict[str, dict]:
        """``{r["metadata"]["uid"]: r for r in rss}``."""
        return dict(zip(map(_get_uid, map(_get_metadata, self.rss)), self.rss))

    @_once
    def pods_of(self) -> dict[str, list[dict]]:
        """Pods by the uid of their controller."""
        return _by_controller(self.pods)

    @_once
    def rss_of(self) -> dict[str, list[dict]]:
        """ReplicaSets by the uid of their controller."""
        return _by_controller(self.rss)

    def event_names(self) -> set:
        """``{(e["metadata"]["name"], e.get("count")) for e in events}``: an Event counted again (client-go's
        `eventObserve` updates the one Event of a repeated occurrence) is a new occurrence."""
        return _event_pairs(self.obs.of("Event"))

    def clock(self) -> float:
        """Unix seconds at this observation (from the driver's epoch, see `observation_epoch`)."""
        return observation_epoch(self.obs) + self.obs.time

    # ----- indices for the step invariants, built once per observation and re-used when it
    # ----- is the previous one of the next step

    def by_uid(self, kind: str) -> dict[str, dict]:
        """Objects of `kind` by ``metadata.uid`` (missing: ""); the last one wins, as ``{uid_of(o): o for o in ...}``."""
        cache = self._by_uid
        if cache is None:
            cache = self._by_uid = {}
        else:
            index = cache.get(kind)
            if index is not None:
                return index
        objs = self.obs.of(kind)
        try:  # the same, without a Python call per object, when every object has metadata.uid
            index = dict(zip(map(_get_uid, map(_get_metadata, objs)), objs))
        except (KeyError, TypeError, IndexError):
            index = {uid_of(o): o for o in objs}
        cache[kind] = index
        return index

    def written_since(self, before: "View", kind: str) -> Iterable[dict]:
        """The objects of `kind` here, less those that are, in `before`, the very object `before.by_uid(kind)` gives for
        their uid (nothing can have happened to those). In this observation's order.

        Cheap when the lists line up (same length, uids unique in `before`): objects are then
        compared position by position, and one found at its own position is left out.
        """
        objs = self.obs.of(kind)
        old = before.obs.of(kind)
        if len(objs) == len(old) and len(before.by_uid(kind)) == len(old):
            if objs is old:  # the very same list (a driver shares the list of a kind nothing changed)
                return ()
            return compress(objs, map(is_not, old, objs))
        return objs

    @_once
    def deployment_first_by_uid(self) -> dict[str, dict]:
        """Deployments by uid, the first one winning (as ``next(x for x in deployments if ...)``)."""
        out: dict[str, dict] = {}
        for d in self.deployments:
            out.setdefault(uid_of(d), d)
        return out

    def rs_map(self, owner_uid: str) -> dict[str, dict]:
        """`_rs_map`: the ReplicaSets controlled by `owner_uid`, by uid (the last one wins)."""
        cache = self._rs_maps
        if cache is None:
            cache = self._rs_maps = {}
        m = cache.get(owner_uid)
        if m is None:
            m = cache[owner_uid] = {uid_of(rs): rs for rs in self.rss_of.get(owner_uid, ())}
        return m

    @_once
    def endpoints_by_name(self) -> dict[str, dict]:
        """Endpoints by name, the first one winning (as `Observation.get`)."""
        out: dict[str, dict] = {}
        for e in self.obs.of("Endpoints"):
            out.setdefault(e["metadata"]["name"], e)
        return out


_get_metadata = itemgetter("metadata")
_get_name = itemgetter("name")




#: What client-go's `EventAggregatorByReasonMessageFunc` puts before the latest message of combined similar events.
COMBINED_PREFIX = "(combined from similar events): "
_get_uid = itemgetter("uid")


def _by_controller(objs: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for o in objs:
        for ref in o["metadata"].get("ownerReferences") or ():
            if ref.get("controller"):
                out.setdefault(ref.get("uid"), []).append(o)
                break
    return out


_VIEWS: dict[int, tuple] = id_cache()

#: The indices of a `View` that are built from the objects of one kind: a new View takes them from the
#: last one made when its observation holds the very same list of that kind (a driver that shares the
#: lists of unchanged kinds between observations, as the model's does, then indexes each list once).
_ONE_KIND_INDICES = (
    ("pod_by_name", "Pod"), ("pods_of", "Pod"), ("rs_by_uid", "ReplicaSet"), ("rss_of", "ReplicaSet"),
    ("_rs_maps", "ReplicaSet"), ("deployment_first_by_uid", "Deployment"), ("endpoints_by_name", "Endpoints"),
)  # fmt: skip
_LAST_VIEW: dict[int, View | None] = id_cache()  # 0 -> the last View made, 1 -> the one before


def view(obs: Observation) -> View:
    """The `View` of `obs`, made once (the last 8 are kept)."""
    last = _LAST_VIEW.get(0)
    if last is not None:
        if last.obs is obs:
            return last
        before = _LAST_VIEW[1]
        if before is not None and before.obs is obs:
            return before
    hit = _VIEWS.get(id(obs))
    if hit is not None and hit[0] is obs:
        return hit[1]
    v = View(obs)
    if last is not None:
        _inherit(v, last)
    _LAST_VIEW[1] = last
    _LAST_VIEW[0] = v
    if len(_VIEWS) >= 8:
        del _VIEWS[next(iter(_VIEWS))]
    _VIEWS[id(obs)] = (obs, v)
    return v


def _inherit(v: View, last: View) -> None:
    """Give `v` the indices `last` built from a list of objects `v`'s observation shares (see `_ONE_KIND_INDICES`)."""
    now, then, known, into = v.obs.objects, last.obs.objects, last.__dict__, v.__dict__
    for name, kind in _ONE_KIND_INDICES:
        index = known.get(name)
        if index is not None and now.get(kind) is then.get(kind):
            into[name] = index
    by_uid = known.get("_by_uid")
    if by_uid:
        into["_by_uid"] = {kind: index for kind, index in by_uid.items() if now.get(kind) is then.get(kind)}


_EVENT_PAIRS: dict[int, tuple] = id_cache()


def _event_pairs(events: list) -> set:
    """``{(e["metadata"]["name"], e.get("count")) for e in events}``, made once per list (the last 8 are kept)."""
    hit = _EVENT_PAIRS.get(id(events))
    if hit is not None and hit[0] is events:
        return hit[1]
    pairs = {(e["metadata"]["name"], e.get("count")) for e in events}
    if len(_EVENT_PAIRS) >= 8:
        del _EVENT_PAIRS[next(iter(_EVENT_PAIRS))]
    _EVENT_PAIRS[id(events)] = (events, pairs)  # keeps `events` alive, so its id is not reused
    return pairs


def observation_epoch(obs: Observation) -> float:
    """Unix seconds at observation time 0: from the default Namespace's creationTimestamp.

    Every driver creates (or finds) its namespace when it starts; the model stamps it at
    t=0. A driver may override this by putting ``epoch`` in ``objects["_meta"]``.
    """
    meta = obs.objects.get("_meta")
    if meta:
        return meta[0]["epoch"]
    for ns in obs.of("Namespace"):
        t = parse_time(meta_of(ns).get("creationTimestamp"))
        if t is not None:
            return t
    return 0.0


def object_changed(a: dict | None, b: dict | None) -> bool:
    """Whether an object was written between two observations (resourceVersion, else content)."""
    if a is b:
        return False
    if a is None or b is None:
        return True
    ra, rb = meta_of(a).get("resourceVersion"), meta_of(b).get("resourceVersion")
    if ra is not None and rb is not None:
        return ra != rb
    return a != b


def changed_kinds(prev: Observation, cur: Observation) -> set:
    """The kinds whose objects differ (by identity, then by resourceVersion) between two observations."""
    out = set()
    before = prev.objects.get
    for kind, b in cur.objects.items():
        a = before(kind)
        if a is b:
            continue
        if not a or not b:  # as `a or ()` against `b or ()`: changed if either has objects
            if a or b:
                out.add(kind)
            continue
        if kind == ENV_KIND:  # samples: changed unless the very same ones
            if len(a) != len(b) or not all(map(is_, a, b)):
                out.add(kind)
            continue
        if a == b:  # equal objects (each the same, or equal in content): none was written
            continue
        if len(a) != len(b):
            out.add(kind)
            continue
        for x, y in compress(zip(a, b), map(is_not, a, b)):  # object_changed(x, x) is False
            if object_changed(x, y):
                out.add(kind)
                break
    now = cur.objects
    for kind, a in prev.objects.items():
        if a and kind not in now:  # gone: compared with ()
            out.add(kind)
    return out


def new_events(prev: Observation, cur: Observation) -> list[dict]:
    """Events present in `cur` but not in `prev`, or counted again since (an occurrence that a recorder's
    correlator folded into an existing Event). A recorder's spam filter drops some occurrences altogether
    (client-go `EventSourceObjectSpamFilter`), so the list may miss some; a combined Event carries only
    the latest message (see `event_message`)."""
    return new_events_where(prev, cur, None)


def new_events_where(prev: Observation, cur: Observation, keep: Callable[[dict], bool] | None) -> list[dict]:
    """``[e for e in new_events(prev, cur) if keep(e)]``, in `cur`'s order.

    An Event that is an object of `prev` is not new (its name and count are those it had there); of the
    others, the ones `keep` selects are looked up among the (name, count) pairs of `prev`'s Events, which
    are gathered only when there is one to look up (once per list: the next step's `prev` is this `cur`).
    An Event without metadata.name counts as named "".
    """
    before, events = prev.of("Event"), cur.of("Event")
    if events is before:
        return []
    known = set(map(id, before))
    fresh = compress(events, map(not_, map(known.__contains__, map(id, events))))
    fresh = list(fresh) if keep is None else [e for e in fresh if keep(e)]
    if not fresh:
        return []
    seen = _event_pairs(before)
    return [e for e in fresh if (name_of(e), e.get("count")) not in seen]


def event_message(event: dict) -> str:
    """The message of the latest occurrence an Event stands for (without the combined-events prefix)."""
    return (event.get("message") or "").removeprefix(COMBINED_PREFIX)


def scaling_event(v: View, d: dict) -> bool:
    """`isScalingEvent`: an active ReplicaSet whose desired-replicas annotation differs from replicas."""
    for rs in v.rss_of.get(uid_of(d), ()):
        if spec_replicas(rs) > 0:
            desired = desired_replicas(rs)
            if desired is not None and desired != spec_replicas(d):
                return True
    return False


_ENDPOINT_PODS: dict[int, tuple] = id_cache()



def endpoint_pods(ep: dict | None) -> tuple[dict, dict]:
    """(ready, not ready) addresses of an Endpoints object: pod name (else IP) -> IP. Cached per object: do not modify."""
    if ep is None:
        return _endpoint_pods_of(ep)
    hit = _ENDPOINT_PODS.get(id(ep))
    if hit is not None and hit[0] is ep:
        return hit[1]
    found = _endpoint_pods_of(ep)
    if len(_ENDPOINT_PODS) >= 16:  # the Endpoints of this and the previous observation are what is read again
        _ENDPOINT_PODS.clear()
    _ENDPOINT_PODS[id(ep)] = (ep, found)  # keeps `ep` alive, so its id is not reused
    return found



def _endpoint_pods_of(ep: dict | None) -> tuple[dict, dict]:
    ready: dict[str, str] = {}
    not_ready: dict[str, str] = {}
    for s in (ep or {}).get("subsets") or ():
        for bucket, into in (("addresses", ready), ("notReadyAddresses", not_ready)):
            for a in s.get(bucket) or ():
                ref = a.get("targetRef") or {}
                into[ref.get("name") or a.get("ip")] = a.get("ip")
    return ready, not_ready


_CANONICAL_JSON: dict[int, tuple] = id_cache()



def canonical_json(value) -> str:
    """``json.dumps(value, sort_keys=True)``, cached per object for dicts (API objects are never modified)."""
    if type(value) is not dict:
        return json.dumps(value, sort_keys=True)
    hit = _CANONICAL_JSON.get(id(value))
    if hit is not None and hit[0] is value:
        return hit[1]
    text = json.dumps(value, sort_keys=True)
    if len(_CANONICAL_JSON) >= 64:
        _CANONICAL_JSON.clear()
    _CANONICAL_JSON[id(value)] = (value, text)  # keeps `value` alive, so its id is not reused
    return text
