"""Named invariants of how Kubernetes runs workloads, as pure functions over observations.

An observation (`kubesim.driver.Observation`) is one consistent snapshot of API JSON
objects; any driver produces them (the embedded model after every controller step, a
real cluster from its watch). Each invariant is a sentence-named function that returns
a list of `Violation`s and states in its docstring the upstream rule it encodes.

Invariants come in layers (after the SwarmKit TLA+ design):

- ``shape``: one object at a time is well formed (e.g. a pod has at most one controller).
- ``state``: every reachable observation (e.g. at most one ReplicaSet per pod template).
- ``step``: a pair of consecutive observations, i.e. an allowed transition (e.g. a
  revision never decreases; a scale-up never passes replicas + maxSurge).
- ``settled``: an observation in which nothing more will happen (e.g. a Deployment with
  healthy images is complete).
- ``history``: a whole sequence of observations, run as a fold (e.g. a Service keeps a
  ready endpoint during a rollout).
- ``request``: an observation before and after one user request (e.g. `rollout undo`
  goes to the previous revision).

`check_all(observation, previous=None, settled=False)` runs the first four layers;
`check_history` and `check_request` the other two; `InvariantMonitor` subscribes to a
driver and checks every intermediate state live.

Container environments are not API objects: a real cluster shows them only through
`kubectl exec POD -- printenv`. The monitor therefore asks the driver (`exec_env`) and
adds what it saw to the observation under the pseudo-kind ``ContainerEnv`` (see
`with_container_env`), so the env invariants stay pure functions of an observation.

Upstream counts a rollout by ReplicaSet ``spec.replicas`` and ``status.availableReplicas``,
never by pods (terminating pods are invisible), so these invariants do the same.
Status fields lag behind pods until their controller syncs again, so checks that
compare a status with pods run on the observation in which that status was written.
"""

from __future__ import annotations

import json
import math
from itertools import compress
from operator import is_, is_not, itemgetter, not_
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable, Iterable, Sequence

from .driver import Observation

# ----- vocabulary ------------------------------------------------------------------------

REVISION = "deployment.kubernetes.io/revision"
DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas"
HASH_LABEL = "pod-template-hash"
NEVER_READY_ANNOTATION = "kubesim.dev/never-ready"
ENV_KIND = "ContainerEnv"
LAYERS = ("shape", "state", "step", "settled", "history", "request")


@dataclass(frozen=True)
class Violation:
    """One broken invariant: which, about what, when (seconds of observation time), and why."""

    invariant: str
    subject: str
    time: float
    detail: str

    @property
    def message(self) -> str:
        return f"{self.invariant} violated for {self.subject} at t={fmt_time(self.time)}: {self.detail}"

    def __str__(self) -> str:
        return self.message


class InvariantViolation(AssertionError):
    """Raised by `assert_all` and `InvariantMonitor`; `violations` lists every broken rule."""

    def __init__(self, violations: Sequence[Violation]):
        self.violations = list(violations)
        super().__init__("\n".join(v.message for v in self.violations))


@dataclass(frozen=True)
class Invariant:
    """A registered invariant. `reads`: the kinds whose change can make it fail (None: any)."""

    name: str
    layer: str
    check: Callable
    doc: str = ""
    reads: tuple | None = None


INVARIANTS: dict[str, Invariant] = {}


def invariant(layer: str, reads: tuple | None = None):
    """Register the decorated function as an invariant of `layer`, named after it.

    `reads` names the kinds whose change can make a state or step invariant fail; a
    monitor skips it on steps that changed none of them (an unchanged observation
    cannot break a state invariant that held on the previous one).
    """
    if layer not in LAYERS:
        raise ValueError(f"Unknown layer {layer!r}; use one of {', '.join(LAYERS)}.")

    def register(fn):
        INVARIANTS[fn.__name__] = Invariant(fn.__name__, layer, fn, (fn.__doc__ or "").strip(), reads)
        return fn

    return register


def fmt_time(t: float) -> str:
    return f"{round(t, 3):g}s"


# ----- reading API JSON --------------------------------------------------------------------


def _md(obj: dict) -> dict:
    return obj.get("metadata") or {}


def _name(obj: dict) -> str:
    return _md(obj).get("name", "")


def _uid(obj: dict) -> str:
    return _md(obj).get("uid", "")


def controller_of(obj: dict) -> dict | None:
    """The ownerReference with ``controller: true`` (`metav1.GetControllerOf`)."""
    for ref in _md(obj).get("ownerReferences") or ():
        if ref.get("controller"):
            return ref
    return None


def _terminating(obj: dict) -> bool:
    return bool(_md(obj).get("deletionTimestamp"))


def pod_active(pod: dict) -> bool:
    """`controller.IsPodActive`: not Succeeded/Failed and no deletionTimestamp."""
    return (pod.get("status") or {}).get("phase") not in ("Succeeded", "Failed") and not _terminating(pod)


def _ready_condition(pod: dict) -> dict | None:
    for c in (pod.get("status") or {}).get("conditions") or ():
        if c.get("type") == "Ready":
            return c
    return None


def pod_ready(pod: dict) -> bool:
    """`podutil.IsPodReady`: the Ready condition is True."""
    c = _ready_condition(pod)
    return c is not None and c.get("status") == "True"


_EPOCH_CACHE: dict[str, float] = {}


def parse_time(stamp: str | None) -> float | None:
    """Unix seconds of an RFC 3339 API timestamp."""
    if not stamp:
        return None
    t = _EPOCH_CACHE.get(stamp)
    if t is None:
        t = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp()
        _EPOCH_CACHE[stamp] = t
    return t


def pod_available(pod: dict, min_ready_seconds: int, now_unix: float) -> bool:
    """`podutil.IsPodAvailable`: ready, and Ready since strictly more than minReadySeconds."""
    if not pod_ready(pod):
        return False
    if not min_ready_seconds:
        return True
    since = parse_time(_ready_condition(pod).get("lastTransitionTime"))
    return since is not None and since + min_ready_seconds < now_unix


def _count_ready(pods: Iterable[dict], min_ready_seconds: int, now_unix: float) -> tuple[int, int, int]:
    """(pods ready, pods available, active pods available): `pod_ready`, `pod_available` and `pod_active` in one pass."""
    ready = available = active_available = 0
    for pod in pods:
        c = _ready_condition(pod)
        if c is None or c.get("status") != "True":
            continue
        ready += 1
        if min_ready_seconds:
            since = parse_time(c.get("lastTransitionTime"))
            if since is None or not since + min_ready_seconds < now_unix:
                continue
        available += 1
        if pod_active(pod):
            active_available += 1
    return ready, available, active_available


def selector_matches(selector: dict | None, labels: dict | None) -> bool:
    """A `metav1.LabelSelector` (matchLabels and matchExpressions); nil selects nothing."""
    if selector is None:
        return False
    labels = labels or {}
    for k, v in (selector.get("matchLabels") or {}).items():
        if labels.get(k) != v:
            return False
    for e in selector.get("matchExpressions") or ():
        key, op, values = e.get("key"), e.get("operator"), e.get("values") or ()
        present = key in labels
        if op == "In" and not (present and labels[key] in values):
            return False
        if op == "NotIn" and present and labels[key] in values:
            return False
        if op == "Exists" and not present:
            return False
        if op == "DoesNotExist" and present:
            return False
    return True


def service_selects(selector: dict | None, labels: dict | None) -> bool:
    """A Service's plain selector map; empty selects nothing (user-managed endpoints)."""
    if not selector:
        return False
    labels = labels or {}
    return all(labels.get(k) == v for k, v in selector.items())


def revision_of(obj: dict) -> int:
    """`deploymentutil.Revision`: the revision annotation as an integer (0 when absent)."""
    raw = (_md(obj).get("annotations") or {}).get(REVISION)
    try:
        return int(raw) if raw is not None else 0
    except ValueError:
        return 0


def spec_replicas(obj: dict | None) -> int:
    if obj is None:
        return 0
    r = (obj.get("spec") or {}).get("replicas")
    return 1 if r is None else r


def status_int(obj: dict | None, key: str) -> int:
    return ((obj or {}).get("status") or {}).get(key) or 0


_TEMPLATE_KEYS: dict[int, tuple] = {}


def template_key(template: dict) -> str:
    """Canonical text of a pod template without the pod-template-hash label (`EqualIgnoreHash`)."""
    hit = _TEMPLATE_KEYS.get(id(template))
    if hit is not None and hit[0] is template:
        return hit[1]
    md = dict(template.get("metadata") or {})
    labels = {k: v for k, v in (md.get("labels") or {}).items() if k != HASH_LABEL}
    if labels:
        md["labels"] = labels
    else:
        md.pop("labels", None)
    key = json.dumps({**template, "metadata": md}, sort_keys=True, separators=(",", ":"))
    if len(_TEMPLATE_KEYS) > 4096:
        _TEMPLATE_KEYS.clear()
    _TEMPLATE_KEYS[id(template)] = (template, key)  # keeps `template` alive, so its id is not reused
    return key


def rs_template_key(rs: dict) -> str:
    return template_key((rs.get("spec") or {}).get("template") or {})


def deployment_template_key(d: dict) -> str:
    return template_key((d.get("spec") or {}).get("template") or {})


# ----- Deployment arithmetic (deployment_util.go), written independently of the model ------


def _scaled(value, total: int, round_up: bool) -> int:
    """`intstr.GetScaledValueFromIntOrPercent`."""
    if value is None:
        return 0
    if isinstance(value, int):
        return value
    s = str(value)
    if s.endswith("%"):
        pct = int(s[:-1])
        return math.ceil(pct * total / 100) if round_up else math.floor(pct * total / 100)
    return int(s)


def is_rolling(d: dict) -> bool:
    return ((d.get("spec") or {}).get("strategy") or {}).get("type", "RollingUpdate") != "Recreate"


def resolve_fenceposts(d: dict) -> tuple[int, int]:
    """`ResolveFenceposts`: surge rounds up, unavailable down; both 0 makes unavailable 1."""
    ru = ((d.get("spec") or {}).get("strategy") or {}).get("rollingUpdate") or {}
    desired = spec_replicas(d)
    surge = _scaled(ru.get("maxSurge", "25%"), desired, True)
    unavailable = _scaled(ru.get("maxUnavailable", "25%"), desired, False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


def max_surge(d: dict) -> int:
    """`MaxSurge`: 0 for Recreate, else the resolved surge (not clamped)."""
    return resolve_fenceposts(d)[0] if is_rolling(d) else 0


def max_unavailable(d: dict) -> int:
    """`MaxUnavailable`: 0 for Recreate or 0 replicas, else resolved and clamped to replicas."""
    if not is_rolling(d) or spec_replicas(d) == 0:
        return 0
    return min(resolve_fenceposts(d)[1], spec_replicas(d))


def deployment_complete(d: dict) -> bool:
    """`DeploymentComplete` on the stored status."""
    s = d.get("status") or {}
    n = spec_replicas(d)
    return (
        (s.get("updatedReplicas") or 0) == n
        and (s.get("replicas") or 0) == n
        and (s.get("availableReplicas") or 0) == n
        and (s.get("observedGeneration") or 0) >= (_md(d).get("generation") or 0)
    )


# ----- a cached index of one observation -------------------------------------------------


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

    @_once
    def event_name_list(self) -> list:
        """``[(e["metadata"]["name"], e.get("count")) for e in events]``: an Event counted again (client-go's
        `eventObserve` updates the one Event of a repeated occurrence) is a new occurrence."""
        events = self.obs.of("Event")
        return list(zip(map(_get_name, map(_get_metadata, events)), map(_get_count, events)))

    @_once
    def _event_names(self) -> set:
        return set(self.event_name_list)

    def event_names(self) -> set:
        return self._event_names

    def clock(self) -> float:
        """Unix seconds at this observation (from the driver's epoch, see `observation_epoch`)."""
        return observation_epoch(self.obs) + self.obs.time

    # ----- indices for the step invariants, built once per observation and re-used when it
    # ----- is the previous one of the next step

    def by_uid(self, kind: str) -> dict[str, dict]:
        """Objects of `kind` by ``metadata.uid`` (missing: ""); the last one wins, as ``{_uid(o): o for o in ...}``."""
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
            index = {_uid(o): o for o in objs}
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
            return compress(objs, map(is_not, old, objs))
        return objs

    @_once
    def deployment_first_by_uid(self) -> dict[str, dict]:
        """Deployments by uid, the first one winning (as ``next(x for x in deployments if ...)``)."""
        out: dict[str, dict] = {}
        for d in self.deployments:
            out.setdefault(_uid(d), d)
        return out

    def rs_map(self, owner_uid: str) -> dict[str, dict]:
        """`_rs_map`: the ReplicaSets controlled by `owner_uid`, by uid (the last one wins)."""
        cache = self._rs_maps
        if cache is None:
            cache = self._rs_maps = {}
        m = cache.get(owner_uid)
        if m is None:
            m = cache[owner_uid] = {_uid(rs): rs for rs in self.rss_of.get(owner_uid, ())}
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


def _get_count(event: dict):
    return event.get("count")


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


_VIEWS: dict[int, tuple[Observation, View]] = {}


def view(obs: Observation) -> View:
    hit = _VIEWS.get(id(obs))
    if hit is not None and hit[0] is obs:
        return hit[1]
    v = View(obs)
    if len(_VIEWS) >= 8:
        del _VIEWS[next(iter(_VIEWS))]
    _VIEWS[id(obs)] = (obs, v)
    return v


def observation_epoch(obs: Observation) -> float:
    """Unix seconds at observation time 0: from the default Namespace's creationTimestamp.

    Every driver creates (or finds) its namespace when it starts; the model stamps it at
    t=0. A driver may override this by putting ``epoch`` in ``objects["_meta"]``.
    """
    meta = obs.objects.get("_meta")
    if meta:
        return meta[0]["epoch"]
    for ns in obs.of("Namespace"):
        t = parse_time(_md(ns).get("creationTimestamp"))
        if t is not None:
            return t
    return 0.0


def _changed(a: dict | None, b: dict | None) -> bool:
    """Whether an object was written between two observations (resourceVersion, else content)."""
    if a is b:
        return False
    if a is None or b is None:
        return True
    ra, rb = _md(a).get("resourceVersion"), _md(b).get("resourceVersion")
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
        for x, y in compress(zip(a, b), map(is_not, a, b)):  # _changed(x, x) is False
            if _changed(x, y):
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
    seen = view(prev).event_names()
    cv = view(cur)
    try:
        names = cv.event_names()  # kept: it is `seen` in the next step
    except (KeyError, TypeError):  # an Event without metadata.name
        return [e for e in cur.of("Event") if (_name(e), e.get("count")) not in seen]
    if names <= seen:
        return []
    # every Event has metadata.name here, so `event_name_list` holds each one's `(_name(e), count)`
    return list(compress(cur.of("Event"), map(not_, map(seen.__contains__, cv.event_name_list))))


def event_message(event: dict) -> str:
    """The message of the latest occurrence an Event stands for (without the combined-events prefix)."""
    return (event.get("message") or "").removeprefix(COMBINED_PREFIX)


# ======================================================================================
# shape
# ======================================================================================


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
                out.append(Violation("objects_have_at_most_one_controller", f"{kind}/{_name(o)}", obs.time, f"{len(refs)} controller references: {names}"))
    return out


# ======================================================================================
# state
# ======================================================================================


@invariant("state", reads=("Deployment", "ReplicaSet"))
def at_most_one_replicaset_per_template(obs: Observation) -> list[Violation]:
    """A Deployment controls at most one ReplicaSet per pod template (ignoring the hash label).

    Upstream: `getNewReplicaSet` re-uses the ReplicaSet whose template `EqualIgnoreHash`
    the Deployment's (`FindNewReplicaSet`, oldest first) instead of creating another one;
    rollback re-uses the old ReplicaSet rather than creating a new hash.
    """
    v = view(obs)
    out = []
    for d in v.deployments:
        seen: dict[str, str] = {}
        for rs in v.rss_of.get(_uid(d), ()):
            k = rs_template_key(rs)
            if k in seen:
                out.append(
                    Violation("at_most_one_replicaset_per_template", f"Deployment/{_name(d)}", obs.time, f"ReplicaSets {seen[k]} and {_name(rs)} have the same pod template")
                )
            else:
                seen[k] = _name(rs)
    return out


@invariant("state", reads=("Deployment", "ReplicaSet"))
def revisions_are_unique(obs: Observation) -> list[Violation]:
    """The ReplicaSets of one Deployment carry distinct revision numbers.

    Upstream: a new or re-used ReplicaSet gets `MaxRevision(oldRSs) + 1`
    (`SetNewReplicaSetAnnotations`), so a number is never given twice; re-using an old
    template moves its ReplicaSet to the top number.
    """
    v = view(obs)
    out = []
    for d in v.deployments:
        by_rev: dict[int, str] = {}
        for rs in v.rss_of.get(_uid(d), ()):
            r = revision_of(rs)
            if r == 0:
                continue
            if r in by_rev:
                out.append(Violation("revisions_are_unique", f"Deployment/{_name(d)}", obs.time, f"ReplicaSets {by_rev[r]} and {_name(rs)} both have revision {r}"))
            by_rev[r] = _name(rs)
    return out


# ======================================================================================
# step
# ======================================================================================


def _rs_map(v: View, d: dict) -> dict[str, dict]:
    """The ReplicaSets `d` controls, by uid (cached per observation: do not modify)."""
    return v.rs_map(_uid(d))


@invariant("step", reads=("ReplicaSet",))
def total_replicas_within_surge_limit(prev: Observation, cur: Observation) -> list[Violation]:
    """A scale-up never takes a Deployment's ReplicaSets past replicas + maxSurge.

    Upstream (`rolling.go` `NewRSNewReplicas`; `sync.go` `scale`): the new ReplicaSet
    grows by at most ``replicas + maxSurge - Σ rs.spec.replicas``, and proportional
    scaling fills ReplicaSets up to exactly ``allowedSize = replicas + maxSurge``. The
    count is Σ ReplicaSet ``spec.replicas`` (terminating pods are not counted, so real pod
    counts may exceed the limit while old pods terminate); maxSurge rounds a percentage
    up; Recreate has maxSurge 0. A scale-down (a lower replicas, a lower maxSurge) may
    leave the sum above the new limit until old ReplicaSets shrink, so the rule is
    checked on the steps in which some ReplicaSet grows.
    """
    pv, cv = view(prev), view(cur)
    out = []
    for d in cv.deployments:
        if _terminating(d):
            continue
        before = _rs_map(pv, d)
        after = _rs_map(cv, d)
        grown = [(rs, spec_replicas(before.get(u))) for u, rs in after.items() if spec_replicas(rs) > spec_replicas(before.get(u))]
        if not grown:
            continue
        total = sum(spec_replicas(rs) for rs in after.values())
        surge = max_surge(d)
        limit = spec_replicas(d) + surge
        if total > limit:
            growth = ", ".join(f"{_name(rs)} {old}->{spec_replicas(rs)}" for rs, old in grown)
            out.append(
                Violation(
                    "total_replicas_within_surge_limit",
                    f"Deployment/{_name(d)}",
                    cur.time,
                    f"{total} replicas after scaling {growth}; limit is replicas({spec_replicas(d)}) + maxSurge({surge}) = {limit}",
                )
            )
    return out


@invariant("step", reads=("ReplicaSet",))
def old_replicasets_never_grow(prev: Observation, cur: Observation) -> list[Violation]:
    """A rollout only ever shrinks old ReplicaSets; only proportional scaling grows them.

    Upstream (`rolling.go`): `reconcileNewReplicaSet` scales the new ReplicaSet (the one
    whose template equals the Deployment's), `reconcileOldReplicaSets` only scales old
    ones down, and `cleanupUnhealthyReplicas` refuses a "scale down" that would grow one
    ("got invalid request to scale down"); `rolloutRecreate` scales old ones to 0. Only
    `sync`/`scale` (a scaling event, or a paused Deployment) may grow an old ReplicaSet.
    """
    pv, cv = view(prev), view(cur)
    out = []
    for d in cv.deployments:
        if _terminating(d):
            continue
        before = _rs_map(pv, d)
        key = deployment_template_key(d)
        grown = [
            (rs, spec_replicas(before[u]))
            for u, rs in _rs_map(cv, d).items()
            if u in before and spec_replicas(rs) > spec_replicas(before[u]) and rs_template_key(rs) != key
        ]
        if not grown:
            continue
        pd = pv.deployment_first_by_uid.get(_uid(d))
        if pd is None or (pd.get("spec") or {}).get("paused") or _scaling_event(pv, pd) or spec_replicas(pd) != spec_replicas(d):
            continue
        change = ", ".join(f"{_name(rs)} {old}->{spec_replicas(rs)}" for rs, old in grown)
        out.append(Violation("old_replicasets_never_grow", f"Deployment/{_name(d)}", cur.time, f"old ReplicaSet scaled up ({change}) outside a scaling event"))
    return out


def _scaling_event(v: View, d: dict) -> bool:
    """`isScalingEvent`: an active ReplicaSet whose desired-replicas annotation differs from replicas."""
    for rs in v.rss_of.get(_uid(d), ()):
        if spec_replicas(rs) > 0:
            raw = (_md(rs).get("annotations") or {}).get(DESIRED_REPLICAS)
            if raw is not None and raw.isdigit() and int(raw) != spec_replicas(d):
                return True
    return False


@invariant("step", reads=("ReplicaSet",))
def available_replicas_within_unavailable_limit(prev: Observation, cur: Observation) -> list[Violation]:
    """A rolling scale-down never takes availability below replicas - maxUnavailable.

    Upstream (`rolling.go` `reconcileOldReplicaSets`): old ReplicaSets shrink first by
    their unavailable replicas (`cleanupUnhealthyReplicas`, never more than
    ``spec - availableReplicas``), then only while Σ ``status.availableReplicas`` stays at
    least ``minAvailable = replicas - maxUnavailable`` (maxUnavailable rounds a percentage
    down, both-zero makes it 1, clamped to replicas). So on a step that shrinks
    ReplicaSets, the available replicas they keep, Σ min(spec, availableReplicas), may not
    drop below minAvailable unless they were already below it and do not drop further.
    Exceptions, as upstream: Recreate (no bound); a scaling event or a paused Deployment
    (`sync` scales proportionally, `isScalingEvent`); a Deployment being deleted.
    """
    pv, cv = view(prev), view(cur)
    out = []
    for d in cv.deployments:
        if _terminating(d) or not is_rolling(d):
            continue
        before = _rs_map(pv, d)
        after = _rs_map(cv, d)
        shrunk = [(rs, spec_replicas(before[u])) for u, rs in after.items() if u in before and spec_replicas(rs) < spec_replicas(before[u])]
        if not shrunk:
            continue
        pd = pv.deployment_first_by_uid.get(_uid(d))
        if pd is None or (pd.get("spec") or {}).get("paused") or _scaling_event(pv, pd) or spec_replicas(pd) != spec_replicas(d):
            continue
        kept_before = sum(min(spec_replicas(before.get(u)), status_int(rs, "availableReplicas")) for u, rs in after.items())
        kept_after = sum(min(spec_replicas(rs), status_int(rs, "availableReplicas")) for rs in after.values())
        unavailable = max_unavailable(d)
        min_available = spec_replicas(d) - unavailable
        if kept_after < min(kept_before, min_available):
            change = ", ".join(f"{_name(rs)} {old}->{spec_replicas(rs)}" for rs, old in shrunk)
            out.append(
                Violation(
                    "available_replicas_within_unavailable_limit",
                    f"Deployment/{_name(d)}",
                    cur.time,
                    f"scaling {change} leaves {kept_after} available replicas (was {kept_before}); "
                    f"limit is replicas({spec_replicas(d)}) - maxUnavailable({unavailable}) = {min_available}",
                )
            )
    return out


@invariant("step", reads=("ReplicaSet",))
def replicaset_status_counts_its_pods(prev: Observation, cur: Observation) -> list[Violation]:
    """A ReplicaSet's status, when written, counts only pods that are ready / available then.

    Upstream (`replica_set_utils.go` `calculateStatus`; `podutil.IsPodAvailable`): over the
    ReplicaSet's active pods, ``readyReplicas`` counts the Ready ones and
    ``availableReplicas`` those Ready for strictly more than ``minReadySeconds``
    (Ready.lastTransitionTime + minReadySeconds < now). The status may be computed from
    the pods before the same sync deleted some, so the upper bound also counts the
    ReplicaSet's terminating pods; the lower bound counts its active pods.
    """
    pv, cv = view(prev), view(cur)
    prev_rs = pv.rs_by_uid
    out = []
    now_unix = None
    for rs in cv.rss:
        old = prev_rs.get(_uid(rs))
        if old is rs:  # unchanged, so the same status
            continue
        if old is not None and (old.get("status") or {}) == (rs.get("status") or {}):
            continue
        if old is None and not rs.get("status"):
            continue
        if now_unix is None:
            now_unix = cv.clock()
        min_ready = (rs.get("spec") or {}).get("minReadySeconds") or 0
        ready_all, avail_all, avail_active = _count_ready(cv.pods_of.get(_uid(rs), ()), min_ready, now_unix)
        ready, avail = status_int(rs, "readyReplicas"), status_int(rs, "availableReplicas")
        if avail > avail_all or ready > ready_all:
            out.append(
                Violation(
                    "replicaset_status_counts_its_pods",
                    f"ReplicaSet/{_name(rs)}",
                    cur.time,
                    f"status says readyReplicas={ready}, availableReplicas={avail}; its pods have {ready_all} ready and "
                    f"{avail_all} available (Ready for more than minReadySeconds={min_ready})",
                )
            )
        elif avail < avail_active:
            out.append(
                Violation(
                    "replicaset_status_counts_its_pods",
                    f"ReplicaSet/{_name(rs)}",
                    cur.time,
                    f"status says availableReplicas={avail}; {avail_active} active pods are available (Ready for more than minReadySeconds={min_ready})",
                )
            )
    return out


@invariant("step", reads=("ReplicaSet",))
def replicaset_owns_only_matching_pods(prev: Observation, cur: Observation) -> list[Violation]:
    """When a ReplicaSet syncs, every active pod it controls matches its selector.

    Upstream (`controller_ref_manager.go` `ClaimPods`): a sync adopts matching orphans and
    releases owned pods that no longer match, before it counts. Checked on the
    observation in which the ReplicaSet's status was written (its sync), since a pod's
    labels may change in between.
    """
    pv, cv = view(prev), view(cur)
    out = []
    prev_rs = pv.rs_by_uid
    for rs in cv.rss:
        old = prev_rs.get(_uid(rs))
        if old is not None and not _changed(old, rs):
            continue
        sel = (rs.get("spec") or {}).get("selector")
        for p in cv.pods_of.get(_uid(rs), ()):
            if pod_active(p) and not selector_matches(sel, _md(p).get("labels")):
                out.append(
                    Violation(
                        "replicaset_owns_only_matching_pods",
                        f"Pod/{_name(p)}",
                        cur.time,
                        f"controlled by ReplicaSet/{_name(rs)} whose selector {sel.get('matchLabels') if sel else sel} does not match labels {_md(p).get('labels')}",
                    )
                )
    return out


@invariant("step", reads=("Pod", "ReplicaSet"))
def controller_never_changes_hands(prev: Observation, cur: Observation) -> list[Violation]:
    """A pod or ReplicaSet is never moved from one controller straight to another.

    Upstream (`controller_ref_manager.go` `ClaimObject`): an object controlled by another
    controller is ignored, never stolen; only orphans are adopted, and only a controller
    releases what it owns. So a controller reference goes owner -> none -> owner', never
    owner -> owner'.
    """
    pv, cv = view(prev), view(cur)
    out = []
    for kind in ("Pod", "ReplicaSet"):
        before = pv.by_uid(kind)
        for o in cv.written_since(pv, kind):  # the others are their own `old`: skipped below
            old = before.get(_uid(o))
            if old is None or old is o:
                continue
            a, b = controller_of(old), controller_of(o)
            if a is not None and b is not None and a.get("uid") != b.get("uid"):
                out.append(
                    Violation(
                        "controller_never_changes_hands",
                        f"{kind}/{_name(o)}",
                        cur.time,
                        f"controller changed from {a.get('kind')}/{a.get('name')} to {b.get('kind')}/{b.get('name')} without being released",
                    )
                )
    return out


_PHASE_RANK = {"Pending": 0, "Unknown": 1, "Running": 2}


def _deletion_rank(pod: dict) -> tuple:
    """The deterministic head of `ActivePodsWithRanks.Less`: smaller is deleted first."""
    cost_raw = (_md(pod).get("annotations") or {}).get("controller.kubernetes.io/pod-deletion-cost")
    try:
        cost = int(cost_raw) if cost_raw is not None else 0
    except ValueError:
        cost = 0
    return (
        1 if (pod.get("spec") or {}).get("nodeName") else 0,
        _PHASE_RANK.get((pod.get("status") or {}).get("phase"), 3),
        1 if pod_ready(pod) else 0,
        cost,
    )


def _describe_pod(pod: dict) -> str:
    phase = (pod.get("status") or {}).get("phase")
    node = "scheduled" if (pod.get("spec") or {}).get("nodeName") else "unscheduled"
    return f"{_name(pod)} ({node}, {phase}, {'ready' if pod_ready(pod) else 'not ready'})"


@invariant("step", reads=("Event",))
def replicaset_deletes_least_ready_pods_first(prev: Observation, cur: Observation) -> list[Violation]:
    """A ReplicaSet scaling down deletes unscheduled, then pending, then not-ready pods first.

    Upstream (`replica_set.go` `getPodsToDelete`, `controller_utils.go`
    `ActivePodsWithRanks.Less`): rules 1-4 are deterministic: unassigned before assigned;
    Pending < Unknown < Running; not Ready before Ready; lower pod-deletion-cost first.
    (Later rules compare log2 age buckets and break ties by UID, so they are not checked.)
    The pods a ReplicaSet deleted in a step are the ones named by its new
    ``SuccessfulDelete`` events (a recorder's correlator may fold several into one combined
    event or drop some, so this checks the ones named); they are compared, as the controller
    saw them, with the pods it kept.
    """
    events = [e for e in new_events(prev, cur) if e.get("reason") == "SuccessfulDelete" and (e.get("involvedObject") or {}).get("kind") == "ReplicaSet"]
    if not events:
        return []
    pv, cv = view(prev), view(cur)
    out = []
    by_rs: dict[str, set] = {}
    for e in events:
        msg = event_message(e)
        if msg.startswith("Deleted pod: "):
            by_rs.setdefault((e["involvedObject"].get("uid"), e["involvedObject"].get("name")), set()).add(msg[len("Deleted pod: ") :])
    for (rs_uid, rs_name), deleted in by_rs.items():
        kept = [p for p in cv.pods_of.get(rs_uid, ()) if pod_active(p) and _name(p) not in deleted]
        gone = [pv.pod_by_name[n] for n in sorted(deleted) if n in pv.pod_by_name]
        for k in kept:
            before = pv.pod_by_name.get(_name(k))
            if before is None or not pod_active(before):
                continue
            kr = _deletion_rank(before)
            for g in gone:
                if kr < _deletion_rank(g):
                    out.append(
                        Violation(
                            "replicaset_deletes_least_ready_pods_first",
                            f"ReplicaSet/{rs_name}",
                            cur.time,
                            f"deleted pod {_describe_pod(g)} but kept pod {_describe_pod(before)}",
                        )
                    )
    return out


_ENDPOINT_PODS: dict[int, tuple] = {}


def _endpoint_pods(ep: dict | None) -> tuple[dict, dict]:
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


@invariant("step", reads=("Endpoints",))
def endpoints_list_ready_serving_pods(prev: Observation, cur: Observation) -> list[Violation]:
    """When a Service's Endpoints are written, they list exactly its ready, non-terminating pods.

    Upstream (`endpoints_controller.go` `syncService`, `ShouldPodBeInEndpoints`,
    `addEndpointSubset`): a pod matching the selector takes part unless it is terminal,
    has no IP, or is terminating (unless ``publishNotReadyAddresses``); Ready pods (or all,
    with ``publishNotReadyAddresses``) go to ``addresses``, the others to
    ``notReadyAddresses``. Checked on the observation in which the Endpoints changed; a
    pod counts as ready if it was in this or the previous observation (one step of lag).
    """
    pv, cv = view(prev), view(cur)
    prev_eps = {_name(e): e for e in prev.of("Endpoints")}
    out = []
    for svc in cur.of("Service"):
        sel = (svc.get("spec") or {}).get("selector")
        if not sel:
            continue
        ep = cur.get("Endpoints", _name(svc))
        if ep is None or not _changed(prev_eps.get(_name(svc)), ep):
            continue
        publish = (svc.get("spec") or {}).get("publishNotReadyAddresses", False)
        ready, not_ready = _endpoint_pods(ep)

        def eligible(p, ready_needed):
            if p is None or not service_selects(sel, _md(p).get("labels")) or not (p.get("status") or {}).get("podIP"):
                return False
            if (p.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
                return False
            if _terminating(p) and not publish:
                return False
            return not ready_needed or publish or pod_ready(p)

        subject = f"Endpoints/{_name(svc)}"
        for pod_name in ready:
            ok = eligible(cv.pod_by_name.get(pod_name), True) or eligible(pv.pod_by_name.get(pod_name), True)
            if not ok:
                p = cv.pod_by_name.get(pod_name)
                why = "does not exist" if p is None else ("is terminating" if _terminating(p) else ("is not ready" if not pod_ready(p) else "is not selected"))
                out.append(Violation("endpoints_list_ready_serving_pods", subject, cur.time, f"ready address of pod {pod_name}, which {why}"))
        for pod_name in not_ready:
            if not (eligible(cv.pod_by_name.get(pod_name), False) or eligible(pv.pod_by_name.get(pod_name), False)):
                out.append(Violation("endpoints_list_ready_serving_pods", subject, cur.time, f"not-ready address of pod {pod_name}, which should not be listed"))
        for p in cv.pods:
            n = _name(p)
            if n in ready:
                continue
            before = pv.pod_by_name.get(n)
            if eligible(p, True) and before is not None and eligible(before, True) and _uid(before) == _uid(p):
                out.append(Violation("endpoints_list_ready_serving_pods", subject, cur.time, f"ready pod {n} is missing from the addresses"))
    return out


@invariant("step", reads=("Deployment", "ReplicaSet"))
def revision_never_decreases(prev: Observation, cur: Observation) -> list[Violation]:
    """A ReplicaSet's revision never decreases; a Deployment's only when its history is gone.

    Upstream (`SetNewReplicaSetAnnotations`): a ReplicaSet's revision is only replaced by a
    larger one (``if oldRevisionInt < newRevisionInt``). The Deployment copies its new
    ReplicaSet's (`SetDeploymentRevision`, unconditionally) and `rollout undo` keeps it.
    Exception, as upstream: `cleanupDeployment` while paused may delete every old
    ReplicaSet (a low revisionHistoryLimit) including the one with the top number; the
    next new ReplicaSet then restarts at ``MaxRevision(remaining) + 1`` and the
    Deployment copies that lower number. So a Deployment's revision may drop only to a
    number that no remaining ReplicaSet of it exceeds.
    """
    pv, cv = view(prev), view(cur)
    out = []
    for kind in ("Deployment", "ReplicaSet"):
        before = pv.by_uid(kind)
        for o in cv.written_since(pv, kind):  # the others are their own `old`: skipped below
            old = before.get(_uid(o))
            if old is None or old is o:
                continue
            a, b = revision_of(old), revision_of(o)
            if b >= a:
                continue
            if kind == "ReplicaSet":
                out.append(Violation("revision_never_decreases", f"{kind}/{_name(o)}", cur.time, f"revision went from {a} to {b}"))
                continue
            top = max((revision_of(rs) for rs in cv.rss_of.get(_uid(o), ())), default=0)
            if top > b:
                out.append(Violation("revision_never_decreases", f"{kind}/{_name(o)}", cur.time, f"revision went from {a} to {b} while a ReplicaSet still has revision {top}"))
    return out


@invariant("step", reads=("ReplicaSet",))
def revision_bumps_to_next_number(prev: Observation, cur: Observation) -> list[Violation]:
    """A ReplicaSet that gets a (new) revision gets the next number: max of its siblings + 1.

    Upstream (`getNewReplicaSet`, `MaxRevision`): ``newRevision = MaxRevision(oldRSs) + 1``
    for a new ReplicaSet and for an old one re-used by a rollout or rollback, so
    `rollout undo` makes the old template current under the next revision number.
    """
    pv, cv = view(prev), view(cur)
    out = []
    for d in cv.deployments:
        before = _rs_map(pv, d)
        for u, rs in _rs_map(cv, d).items():
            r = revision_of(rs)
            old = before.get(u)
            if r == 0 or (old is not None and revision_of(old) == r):
                continue
            others = [revision_of(x) for x in before.values() if _uid(x) != u]
            want = max(others, default=0) + 1
            if r != want:
                was = f"from {revision_of(old)} " if old is not None else ""
                out.append(
                    Violation(
                        "revision_bumps_to_next_number",
                        f"ReplicaSet/{_name(rs)}",
                        cur.time,
                        f"revision set {was}to {r}; the other ReplicaSets of Deployment/{_name(d)} go up to {want - 1}, so it should be {want}",
                    )
                )
    return out


# ----- container environment (from `kubectl exec printenv`) -------------------------------


def configmap_env_expected(container: dict, configmaps: dict[str, dict]) -> dict[str, str] | None:
    """The variables a container takes from ConfigMaps, or None if one is missing.

    `makeEnvironmentVariables`: envFrom sources in order (with their prefix), then `env`
    entries, which win; a plain `env` value hides an envFrom key of the same name.
    """
    out: dict[str, str] = {}
    for src in container.get("envFrom") or ():
        ref = src.get("configMapRef")
        if ref is None:
            continue
        cm = configmaps.get(ref.get("name", ""))
        if cm is None:
            if ref.get("optional"):
                continue
            return None
        for k, val in (cm.get("data") or {}).items():
            out[src.get("prefix", "") + k] = val
    for e in container.get("env") or ():
        ref = (e.get("valueFrom") or {}).get("configMapKeyRef")
        if ref is None:
            out.pop(e.get("name"), None)
            continue
        data = (configmaps.get(ref.get("name", "")) or {}).get("data") or {}
        if ref.get("key") in data:
            out[e["name"]] = data[ref["key"]]
        else:
            out.pop(e.get("name"), None)
    return out


def uses_configmap_env(container: dict) -> bool:
    return any(src.get("configMapRef") for src in container.get("envFrom") or ()) or any(
        (e.get("valueFrom") or {}).get("configMapKeyRef") for e in container.get("env") or ()
    )


def _env_samples(obs: Observation) -> dict[tuple, dict]:
    return {(s["podUID"], s["container"], s["restartCount"], s["startedAt"]): s for s in obs.of(ENV_KIND)}


@invariant("step", reads=("ContainerEnv",))
def container_env_fixed_while_running(prev: Observation, cur: Observation) -> list[Violation]:
    """A running container's environment never changes.

    Upstream (kubelet `makeEnvironmentVariables`, called from `generateContainerConfig`
    when a container is created): the environment is resolved once per container start;
    ConfigMap changes reach a container only when it restarts. Compares what
    ``printenv`` showed for the same container start (pod UID, container, restartCount,
    startedAt) in both observations.
    """
    before = _env_samples(prev)
    if not before:
        return []
    out = []
    for key, s in _env_samples(cur).items():
        old = before.get(key)
        if old is not None and old["env"] != s["env"]:
            diff = sorted(k for k in set(old["env"]) | set(s["env"]) if old["env"].get(k) != s["env"].get(k))
            shown = ", ".join(f"{k}: {old['env'].get(k)!r} -> {s['env'].get(k)!r}" for k in diff)
            out.append(Violation("container_env_fixed_while_running", f"Pod/{s['pod']}", cur.time, f"container {s['container']} (started {s['startedAt']}) saw its environment change: {shown}"))
    return out


@invariant("step", reads=("ContainerEnv",))
def container_env_matches_configmap_at_start(prev: Observation, cur: Observation) -> list[Violation]:
    """A container starts with the ConfigMap data current at its start.

    Upstream (kubelet `makeEnvironmentVariables`): envFrom copies every key of the
    ConfigMap (v1.34+: no key is skipped), configMapKeyRef one key; `env` entries win.
    Checked on the first observation showing a container start, against the ConfigMaps
    of that observation or the previous one.
    """
    cur_samples = cur.of(ENV_KIND)
    if not cur_samples:
        return []
    before = _env_samples(prev)
    cms_now = {_name(c): c for c in cur.of("ConfigMap")}
    cms_before = {_name(c): c for c in prev.of("ConfigMap")}
    cv = view(cur)
    out = []
    for s in cur_samples:
        key = (s["podUID"], s["container"], s["restartCount"], s["startedAt"])
        if key in before:
            continue
        pod = cv.pod_by_name.get(s["pod"])
        spec = next((c for c in ((pod or {}).get("spec") or {}).get("containers") or () if c.get("name") == s["container"]), None)
        if spec is None:
            continue
        env = s["env"]
        wants = [w for w in (configmap_env_expected(spec, cms_now), configmap_env_expected(spec, cms_before)) if w is not None]
        if wants and not any(all(env.get(k) == val for k, val in w.items()) for w in wants):
            w = wants[0]
            diff = ", ".join(f"{k}={env.get(k)!r} (ConfigMap has {val!r})" for k, val in sorted(w.items()) if env.get(k) != val)
            out.append(Violation("container_env_matches_configmap_at_start", f"Pod/{s['pod']}", cur.time, f"container {s['container']} started with {diff}"))
    return out


# ======================================================================================
# settled
# ======================================================================================


def _healthy(v: View, d: dict) -> str | None:
    """Why a Deployment's pods cannot all become ready by themselves, or None if they can.

    Reasons visible to every driver: an image or annotation following the shared
    ``never-ready`` convention, a missing ConfigMap the containers need, or a pod whose
    readiness is held down while all its containers report ready (a forced readiness
    probe result).
    """
    tmpl = (d.get("spec") or {}).get("template") or {}
    if ((tmpl.get("metadata") or {}).get("annotations") or {}).get(NEVER_READY_ANNOTATION) == "true":
        return "never-ready annotation"
    cms = {_name(c): c for c in v.obs.of("ConfigMap")}
    for c in (tmpl.get("spec") or {}).get("containers") or ():
        if "never-ready" in (c.get("image") or ""):
            return f"image {c.get('image')} never becomes ready"
        if configmap_env_expected(c, cms) is None:
            return "a ConfigMap it needs is missing"
    for rs in v.rss_of.get(_uid(d), ()):
        for p in v.pods_of.get(_uid(rs), ()):
            if not pod_active(p):
                continue
            statuses = (p.get("status") or {}).get("containerStatuses") or ()
            if statuses and all(cs.get("ready") for cs in statuses) and not pod_ready(p):
                return f"readiness of pod {_name(p)} is held down"
            if any(("waiting" in (cs.get("state") or {})) and (cs["state"]["waiting"].get("reason") in ("CreateContainerConfigError", "ErrImagePull", "ImagePullBackOff")) for cs in statuses):
                return f"pod {_name(p)} cannot start"
    return None


def _recreate_stuck_scaling(v: View, d: dict) -> bool:
    """Upstream's dead end: a Recreate Deployment scaled while several ReplicaSets are active.

    `isScalingEvent` routes every sync to `sync`/`scale`, whose proportional step runs for
    RollingUpdate only, so nothing rescales the active ReplicaSets or refreshes their
    desired-replicas annotation, and the rollout never resumes (e.g. a RollingUpdate
    Deployment switched to Recreate mid-rollout together with a new replicas count).
    """
    if is_rolling(d):
        return False
    active = [rs for rs in v.rss_of.get(_uid(d), ()) if spec_replicas(rs) > 0]
    return len(active) > 1 and _scaling_event(v, d)


def _stale_single_active_scaling(v: View, d: dict) -> bool:
    """Upstream's other dead end: the only active ReplicaSet is an old one already at replicas, with a stale desired-replicas annotation.

    `isScalingEvent` sees the annotation differ from replicas and routes every sync to
    `sync`; there `scale` finds that single active ReplicaSet (`FindActiveOrLatest`) and
    returns early because its spec.replicas already equals the Deployment's, leaving the
    annotation stale, so `rolloutRolling` / `rolloutRecreate` never run and the new
    template is never rolled out (kubernetes/kubernetes#102551; fixes #102579, #138036,
    #138840 unmerged as of v1.36). Reached by changing replicas and the template together
    mid-rollout while the new ReplicaSet is still at 0 (e.g. maxSurge 0: old scaled 3 -> 1,
    then replicas: 1 plus a new template).
    """
    active = [rs for rs in v.rss_of.get(_uid(d), ()) if spec_replicas(rs) > 0]
    if len(active) != 1:
        return False
    rs, n = active[0], spec_replicas(d)
    raw = (_md(rs).get("annotations") or {}).get(DESIRED_REPLICAS)
    return (
        rs_template_key(rs) != deployment_template_key(d)
        and spec_replicas(rs) == n
        and raw is not None
        and raw.isdigit()
        and int(raw) != n
    )


@invariant("settled")
def replicasets_converge_to_spec(obs: Observation) -> list[Violation]:
    """Once settled, every ReplicaSet has exactly spec.replicas active pods, and says so.

    Upstream (`replica_set.go` `manageReplicas`, `calculateStatus`): each sync creates or
    deletes the difference ``len(activePods) - spec.replicas``; status.replicas counts the
    active pods it owns.
    """
    v = view(obs)
    out = []
    for rs in v.rss:
        if _terminating(rs):
            continue
        active = sum(1 for p in v.pods_of.get(_uid(rs), ()) if pod_active(p))
        want = spec_replicas(rs)
        if active != want or status_int(rs, "replicas") != want:
            out.append(
                Violation(
                    "replicasets_converge_to_spec",
                    f"ReplicaSet/{_name(rs)}",
                    obs.time,
                    f"{active} active pods and status.replicas={status_int(rs, 'replicas')}; spec.replicas is {want}",
                )
            )
    return out


@invariant("settled")
def settled_deployment_is_complete(obs: Observation) -> list[Violation]:
    """A settled, unpaused Deployment whose pods can become ready is complete.

    Upstream (`DeploymentComplete`; `rolloutRolling` / `rolloutRecreate` run until the new
    ReplicaSet has all replicas and old ones are scaled to 0): updatedReplicas =
    readyReplicas = availableReplicas = replicas = spec.replicas, observedGeneration
    caught up, every old ReplicaSet at spec 0 with no pods, and the replica count
    converged (Σ active pods = spec.replicas). Exceptions, as upstream: a Recreate
    Deployment scaled while several ReplicaSets were active never resumes
    (`_recreate_stuck_scaling`), nor does one whose only active ReplicaSet is an old one
    at spec.replicas = replicas with a stale desired-replicas annotation
    (`_stale_single_active_scaling`).
    """
    v = view(obs)
    out = []
    for d in v.deployments:
        if _terminating(d) or (d.get("spec") or {}).get("paused") or _healthy(v, d) is not None or _recreate_stuck_scaling(v, d) or _stale_single_active_scaling(v, d):
            continue
        n = spec_replicas(d)
        s = d.get("status") or {}
        key = deployment_template_key(d)
        rss = v.rss_of.get(_uid(d), ())
        problems = []
        counts = {f: s.get(f) or 0 for f in ("updatedReplicas", "readyReplicas", "availableReplicas", "replicas")}
        bad = {f: c for f, c in counts.items() if c != n}
        if bad:
            problems.append(", ".join(f"{f}={c}" for f, c in bad.items()) + f" (replicas is {n})")
        if (s.get("observedGeneration") or 0) < (_md(d).get("generation") or 0):
            problems.append(f"observedGeneration {s.get('observedGeneration')} < generation {_md(d).get('generation')}")
        for rs in rss:
            if rs_template_key(rs) != key and (spec_replicas(rs) or status_int(rs, "replicas")):
                problems.append(f"old ReplicaSet {_name(rs)} has spec.replicas={spec_replicas(rs)}, status.replicas={status_int(rs, 'replicas')}")
        active = sum(1 for rs in rss for p in v.pods_of.get(_uid(rs), ()) if pod_active(p))
        if active != n:
            problems.append(f"{active} active pods")
        if problems:
            out.append(Violation("settled_deployment_is_complete", f"Deployment/{_name(d)}", obs.time, "; ".join(problems)))
    return out


@invariant("settled")
def revision_history_within_limit(obs: Observation) -> list[Violation]:
    """A complete Deployment keeps at most revisionHistoryLimit old ReplicaSets.

    Upstream (`sync.go` `cleanupDeployment`, run by `rolloutRolling` / `rolloutRecreate`
    once `DeploymentComplete` holds, and by `sync` while paused): old ReplicaSets beyond
    the limit are deleted oldest revision first, skipping those that still have
    replicas. Checked once settled and complete.
    """
    v = view(obs)
    out = []
    for d in v.deployments:
        limit = (d.get("spec") or {}).get("revisionHistoryLimit")
        if limit is None or _terminating(d) or not deployment_complete(d):
            continue
        key = deployment_template_key(d)
        old = [rs for rs in v.rss_of.get(_uid(d), ()) if rs_template_key(rs) != key and not _terminating(rs)]
        if len(old) > limit:
            names = ", ".join(f"{_name(rs)} (revision {revision_of(rs)})" for rs in sorted(old, key=revision_of))
            out.append(Violation("revision_history_within_limit", f"Deployment/{_name(d)}", obs.time, f"{len(old)} old ReplicaSets kept: {names}; revisionHistoryLimit is {limit}"))
    return out


@invariant("settled")
def current_template_has_newest_revision(obs: Observation) -> list[Violation]:
    """Once settled, the ReplicaSet of the current template has the highest revision.

    Upstream (`getNewReplicaSet`, `SetDeploymentRevision`): a rollout or rollback to a
    template gives its ReplicaSet ``MaxRevision + 1``, and the Deployment's revision
    annotation copies it.
    """
    v = view(obs)
    out = []
    for d in v.deployments:
        if _terminating(d) or (d.get("spec") or {}).get("paused"):
            continue
        rss = v.rss_of.get(_uid(d), ())
        key = deployment_template_key(d)
        current = next((rs for rs in rss if rs_template_key(rs) == key), None)
        if current is None:
            continue
        top = max(revision_of(rs) for rs in rss)
        if revision_of(current) != top or revision_of(d) != top:
            out.append(
                Violation(
                    "current_template_has_newest_revision",
                    f"Deployment/{_name(d)}",
                    obs.time,
                    f"current ReplicaSet {_name(current)} has revision {revision_of(current)}, the Deployment says {revision_of(d)}; the highest is {top}",
                )
            )
    return out


# ======================================================================================
# history
# ======================================================================================


_CANONICAL_JSON: dict[int, tuple] = {}


def _canonical_json(value) -> str:
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


def _owned_by(v: View, pod: dict, d: dict) -> bool:
    """Whether `pod` belongs to one of Deployment `d`'s ReplicaSets."""
    ref = controller_of(pod)
    rs = v.rs_by_uid.get(ref.get("uid")) if ref else None
    owner = controller_of(rs) if rs else None
    return owner is not None and owner.get("uid") == _uid(d)


class ReadyEndpointsTracker:
    """The fold behind `service_keeps_ready_endpoints_during_rollout`."""

    def __init__(self) -> None:
        self.armed: dict[tuple, tuple] = {}  # (service, deployment uid) -> (replicas, strategy json)
        self.prev: Observation | None = None
        self._facts: dict[int, tuple] = {}  # id(deployment) -> (deployment, `_rollout_facts`), of the last observation

    @staticmethod
    def _rollout_facts(d: dict) -> tuple:
        """What the fold reads of one Deployment object: template labels, uid, (replicas, strategy json), and
        whether a rolling update of it keeps a ready endpoint (rolling, replicas >= 1, maxUnavailable < replicas,
        not paused, not being deleted)."""
        spec = d.get("spec") or {}
        return (
            ((spec.get("template") or {}).get("metadata") or {}).get("labels"),
            _uid(d),
            (spec_replicas(d), _canonical_json(spec.get("strategy"))),
            is_rolling(d) and spec_replicas(d) >= 1 and max_unavailable(d) < spec_replicas(d) and not spec.get("paused") and not _terminating(d),
        )

    reads = frozenset({"Pod", "Endpoints", "Deployment", "ReplicaSet", "Service", "Event"})

    def feed(self, obs: Observation, changed: set | None = None) -> list[Violation]:
        """Take the next observation; `changed` (kinds changed since the last one) lets it skip quiet steps."""
        prev, self.prev = self.prev, obs
        if changed is not None and prev is not None and self.reads.isdisjoint(changed):
            return []
        services = [svc for svc in obs.of("Service") if (svc.get("spec") or {}).get("selector")]
        if not services:
            self.armed.clear()
            return []
        v = view(obs)
        faults = self._faults(prev, obs) if prev is not None and self.armed else set()
        out = []
        live = set()
        known, facts = self._facts, {}
        for d in v.deployments:  # pure functions of each object: re-used while it is the same object
            hit = known.get(id(d))
            facts[id(d)] = hit if hit is not None and hit[0] is d else (d, self._rollout_facts(d))
        self._facts = facts
        for svc in services:
            sel = svc["spec"]["selector"]
            ready, _ = _endpoint_pods(v.endpoints_by_name.get(_name(svc)))
            serving = None  # ready addresses of pods that are ready and not terminating, when first needed
            for d in v.deployments:
                tmpl_labels, uid, replicas_strategy, rolling_keeps_one = facts[id(d)][1]
                if not service_selects(sel, tmpl_labels):
                    continue
                key = (_name(svc), uid)
                shape = (*replicas_strategy, _canonical_json(sel))
                eligible = rolling_keeps_one and uid not in faults
                if not eligible or (key in self.armed and self.armed[key] != shape):
                    self.armed.pop(key, None)
                    continue
                live.add(key)
                if key in self.armed:
                    if not ready:
                        out.append(
                            Violation(
                                "service_keeps_ready_endpoints_during_rollout",
                                f"Service/{_name(svc)}",
                                obs.time,
                                f"no ready endpoints while Deployment/{_name(d)} rolls out (replicas {spec_replicas(d)}, maxUnavailable {max_unavailable(d)})",
                            )
                        )
                elif deployment_complete(d):
                    if serving is None:
                        serving = [n for n in ready if (p := v.pod_by_name.get(n)) is not None and pod_ready(p) and not _terminating(p)]
                    if any(_owned_by(v, v.pod_by_name[n], d) for n in serving):
                        self.armed[key] = shape
        for key in list(self.armed):
            if key not in live:
                del self.armed[key]
        return out

    @staticmethod
    def _faults(prev: Observation, cur: Observation) -> set:
        """Deployments (uids) whose pods suffered something no controller did: lost readiness, a restart, a delete."""
        pv, cv = view(prev), view(cur)
        deleted_by_rs = set()
        for e in new_events(prev, cur):
            if e.get("reason") == "SuccessfulDelete":
                deleted_by_rs.add(event_message(e).removeprefix("Deleted pod: "))
        hit = set()
        now_by_name = cv.pod_by_name
        for p in pv.pods:
            if now_by_name.get(_name(p)) is p:  # the same pod object: nothing happened to it
                continue
            ref = controller_of(p)
            if ref is None:
                continue
            now = cv.pod_by_name.get(_name(p))
            rs = pv.rs_by_uid.get(ref.get("uid")) or cv.rs_by_uid.get(ref.get("uid"))
            owner = controller_of(rs) if rs else None
            if owner is None:
                continue
            fault = False
            if now is None:
                fault = not _terminating(p) and _name(p) not in deleted_by_rs
            elif _terminating(now) and not _terminating(p):
                fault = _name(p) not in deleted_by_rs
            elif not _terminating(now):
                if pod_ready(p) and not pod_ready(now):
                    fault = True
                restarts = lambda x: sum(cs.get("restartCount", 0) for cs in (x.get("status") or {}).get("containerStatuses") or ())  # noqa: E731
                if restarts(now) > restarts(p):
                    fault = True
            if fault:
                hit.add(owner.get("uid"))
        return hit


@invariant("history")
def service_keeps_ready_endpoints_during_rollout(history: Sequence[Observation]) -> list[Violation]:
    """A Service in front of a rolling Deployment never loses its last ready endpoint.

    Upstream: `reconcileOldReplicaSets` keeps Σ availableReplicas >= replicas -
    maxUnavailable, the ReplicaSet deletes not-ready pods first, and the endpoints
    controller lists every ready, non-terminating pod. So with replicas >= 1 and
    maxUnavailable < replicas (RollingUpdate), once the Deployment was complete and the
    Endpoints listed one of its own pods, ready and not terminating, the Endpoints keep at least one ready address through later rollouts
    of any image, as long as nothing outside the controllers hurts its pods (a pod
    losing readiness, restarting or deleted by a user) and its replicas, strategy and
    the Service selector stay the same; any of those ends the guarantee until the
    Deployment is complete again.
    """
    tracker = ReadyEndpointsTracker()
    out: list[Violation] = []
    for obs in history:
        out += tracker.feed(obs)
    return out


HISTORY_TRACKERS: dict[str, Callable[[], object]] = {"service_keeps_ready_endpoints_during_rollout": ReadyEndpointsTracker}


# ======================================================================================
# request
# ======================================================================================


@dataclass(frozen=True)
class Request:
    """A user request as invariants see it: a verb, a Deployment name and arguments."""

    verb: str
    name: str
    args: dict = field(default_factory=dict)


@invariant("request")
def undo_restores_previous_revision(before: Observation, request: Request, after: Observation) -> list[Violation]:
    """`rollout undo` puts the template of the previous (or the named) revision back.

    Upstream (kubectl `DeploymentRollbacker.Rollback`): without ``--to-revision`` the target
    is the ReplicaSet with the second-highest revision number, else the one with that
    number; its template (minus pod-template-hash) replaces the Deployment's. The
    controller then re-uses that ReplicaSet under the next revision number (see
    `revision_bumps_to_next_number`).
    """
    if request.verb != "rollout undo":
        return []
    d0, d1 = before.get("Deployment", request.name), after.get("Deployment", request.name)
    if d0 is None or d1 is None:
        return []
    v = view(before)
    rss = v.rss_of.get(_uid(d0), ())
    revs = sorted({revision_of(rs) for rs in rss})
    to = request.args.get("to_revision", 0)
    target_rev = to if to else (revs[-2] if len(revs) >= 2 else None)
    target = next((rs for rs in rss if revision_of(rs) == target_rev), None)
    if target is None:
        return []
    if deployment_template_key(d1) != rs_template_key(target):
        cur = next((rs for rs in rss if rs_template_key(rs) == deployment_template_key(d1)), None)
        got = f"the template of revision {revision_of(cur)} ({_name(cur)})" if cur is not None else "a template of no known revision"
        return [
            Violation(
                "undo_restores_previous_revision",
                f"Deployment/{request.name}",
                after.time,
                f"undo{' --to-revision=' + str(to) if to else ''} with revisions {revs} should restore revision {target_rev} ({_name(target)}); the Deployment got {got}",
            )
        ]
    return []


# ======================================================================================
# entry points
# ======================================================================================


def layer(name: str) -> list[Invariant]:
    return [inv for inv in INVARIANTS.values() if inv.layer == name]


def check_all(observation: Observation, previous: Observation | None = None, settled: bool = False) -> list[Violation]:
    """Run the shape and state invariants, the step ones if `previous` is given, the settled ones if `settled`."""
    out: list[Violation] = []
    for inv in INVARIANTS.values():
        if inv.layer in ("shape", "state"):
            out += inv.check(observation)
        elif inv.layer == "step" and previous is not None:
            out += inv.check(previous, observation)
        elif inv.layer == "settled" and settled:
            out += inv.check(observation)
    return out


def check_history(history: Sequence[Observation]) -> list[Violation]:
    """Run every invariant (all layers but request) over a sequence of observations; the last one counts as settled only if you say so with `check_all`."""
    out: list[Violation] = []
    prev = None
    for obs in history:
        out += check_all(obs, prev)
        prev = obs
    for inv in layer("history"):
        out += inv.check(history)
    return out


def check_request(before: Observation, request: Request, after: Observation) -> list[Violation]:
    out: list[Violation] = []
    for inv in layer("request"):
        out += inv.check(before, request, after)
    return out


def assert_all(observation: Observation, previous: Observation | None = None, settled: bool = False) -> None:
    found = check_all(observation, previous, settled)
    if found:
        raise InvariantViolation(found)


_ENV_USERS: dict[int, tuple] = {}


def _env_containers(pod: dict, only_configmap_users: bool) -> frozenset:
    """Names of the pod's containers whose environment the env invariants need (cached per spec)."""
    spec = pod.get("spec") or {}
    hit = _ENV_USERS.get(id(spec))
    if hit is not None and hit[0] is spec and hit[1] == only_configmap_users:
        return hit[2]
    names = frozenset(c["name"] for c in spec.get("containers") or () if not only_configmap_users or uses_configmap_env(c))
    if len(_ENV_USERS) > 256:
        _ENV_USERS.clear()
    _ENV_USERS[id(spec)] = (spec, only_configmap_users, names)
    return names


def _env_plan(pod: dict, only_configmap_users: bool) -> tuple:
    """(pod, pod uid, container, restartCount, startedAt) of each running container of `pod` whose environment is needed.

    Empty for a terminating pod.
    """
    if _terminating(pod):
        return ()
    wanted = _env_containers(pod, only_configmap_users)
    if not wanted:
        return ()
    return tuple(
        (_name(pod), _uid(pod), cs["name"], cs.get("restartCount", 0), running.get("startedAt"))
        for cs in (pod.get("status") or {}).get("containerStatuses") or ()
        if (running := (cs.get("state") or {}).get("running")) is not None and cs.get("name") in wanted
    )


class EnvPlans:
    """Which containers to ask for their environment, kept from one observation to the next.

    `plan(pods)` lists (pod, pod uid, container, restartCount, startedAt) for every running
    container whose environment is needed (`_env_plan`), in pod order. Pods that are the same
    objects as last time (API objects are never modified) are not looked at again, and an
    unchanged pod list gives the same plan at once.
    """

    __slots__ = ("only_configmap_users", "pods", "by_pod", "flat")

    def __init__(self, only_configmap_users: bool = True) -> None:
        self.only_configmap_users = only_configmap_users
        self.pods: list = []
        self.by_pod: dict[int, tuple] = {}
        self.flat: tuple = ()

    def plan(self, pods: list[dict]) -> tuple:
        if len(pods) == len(self.pods) and all(map(is_, pods, self.pods)):
            return self.flat
        known, now, flat = self.by_pod, {}, []
        for pod in pods:
            hit = known.get(id(pod))
            entries = hit[1] if hit is not None and hit[0] is pod else _env_plan(pod, self.only_configmap_users)
            now[id(pod)] = (pod, entries)  # keeps `pod` alive while the entry lives, so its id is not reused
            flat += entries
        self.pods, self.by_pod, self.flat = pods, now, tuple(flat)
        return self.flat


def container_env_samples(
    obs: Observation, exec_env: Callable[[str, str], dict], only_configmap_users: bool = True, plans: EnvPlans | None = None
) -> list[dict]:
    """What ``printenv`` shows in every running container of `obs` (see `with_container_env`).

    `plans` (for `only_configmap_users`), kept by the caller from one observation to the
    next, saves looking at the same pods again.
    """
    if plans is None:
        plans = EnvPlans(only_configmap_users)
    samples = []
    for name, uid, container, restarts, started in plans.plan(obs.of("Pod")):
        try:
            env = exec_env(name, container)
        except Exception:  # the container went away between the observation and the exec
            continue
        samples.append({"pod": name, "podUID": uid, "container": container, "restartCount": restarts, "startedAt": started, "env": dict(env)})
    return samples


def with_container_env(obs: Observation, exec_env: Callable[[str, str], dict], only_configmap_users: bool = True) -> Observation:
    """Add what ``printenv`` shows in every running container to `obs` (pseudo-kind ``ContainerEnv``).

    `exec_env(pod, container)` is the driver's `exec_env`. Only containers that take
    variables from a ConfigMap are asked, unless `only_configmap_users` is False.
    """
    samples = container_env_samples(obs, exec_env, only_configmap_users)
    if not samples:
        return obs
    return Observation(time=obs.time, objects={**obs.objects, ENV_KIND: samples})


def clear_caches() -> None:
    """Empty the per-object caches (template keys, env plans, views, ...): they only speed up repeated reads."""
    for cache in (_VIEWS, _TEMPLATE_KEYS, _ENDPOINT_PODS, _CANONICAL_JSON, _ENV_USERS):
        cache.clear()


class InvariantMonitor:
    """Check every observation a driver shows, live: shape, state, step and history layers.

    ``monitor = InvariantMonitor(driver).start()`` subscribes to the driver; each
    intermediate state is checked against the previous one, and the first violations
    raise `InvariantViolation` out of the driver call that caused them (or are collected
    in `violations` with ``raise_on_violation=False``). Call `check_settled()` after
    `driver.settle()` and `request(...)` around user requests for the request layer.
    With `env=True` the monitor asks the driver for the environment of containers that
    use ConfigMaps (`exec_env`), for the env invariants.
    """

    def __init__(self, driver=None, *, env: bool = True, raise_on_violation: bool = True, skip: Iterable[str] = ()):
        self.driver = driver
        self.env = env
        self.raise_on_violation = raise_on_violation
        self.skip = set(skip)
        self.previous: Observation | None = None
        self.violations: list[Violation] = []
        self.steps = 0
        self._trackers = {name: make() for name, make in HISTORY_TRACKERS.items() if name not in self.skip}
        self._unsubscribe = None
        self._checks = [(inv.layer, inv.check, inv.reads) for inv in INVARIANTS.values() if inv.name not in self.skip and inv.layer in ("shape", "state", "step")]
        #: frozenset of changed kinds -> the (is step, check) pairs that read one of them, in registration order
        self._plans: dict[frozenset, list] = {}
        self._all = [(lay == "step", check) for lay, check, _ in self._checks]
        self._env_plans = EnvPlans()
        self._settled = [inv.check for inv in layer("settled") if inv.name not in self.skip]

    def start(self) -> "InvariantMonitor":
        if self.driver is not None and self._unsubscribe is None:
            clear_caches()  # what earlier runs left there is of no further use, and only keeps them alive
            self._unsubscribe = self.driver.subscribe(self.observe)
            self.previous = self._enrich(self.driver.observe())
        return self

    def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def _enrich(self, obs: Observation) -> Observation:
        if self.env and self.driver is not None and hasattr(self.driver, "exec_env"):
            samples = container_env_samples(obs, self.driver.exec_env, plans=self._env_plans)
            if not samples:
                return obs
            before = self.previous.objects.get(ENV_KIND) if self.previous is not None else None
            if before is not None and before == samples:
                samples = before  # the same list when nothing changed: `changed_kinds` sees it unchanged
            return Observation(time=obs.time, objects={**obs.objects, ENV_KIND: samples})
        return obs

    def observe(self, obs: Observation) -> None:
        """Check one observation against the previous one (the driver's subscription callback)."""
        obs = self._enrich(obs)
        prev = self.previous
        found: list[Violation] = []
        if prev is None:
            changed = None
            for is_step, check in self._all:
                if not is_step:
                    found += check(obs)
        else:
            changed = changed_kinds(prev, obs)
            if changed:
                key = frozenset(changed)
                plan = self._plans.get(key)
                if plan is None:
                    plan = self._plans[key] = [(lay == "step", check) for lay, check, reads in self._checks if reads is None or not key.isdisjoint(reads)]
                for is_step, check in plan:
                    found += check(prev, obs) if is_step else check(obs)
        for tracker in self._trackers.values():
            found += tracker.feed(obs, changed)
        self.previous = obs
        self.steps += 1
        self._report(found)

    def check_settled(self, obs: Observation | None = None) -> None:
        """Run the settled layer on `obs` (default: the driver's current observation)."""
        if obs is None:
            obs = self.driver.observe() if self.driver is not None else self.previous
        found: list[Violation] = []
        for check in self._settled:
            found += check(obs)
        self._report(found)

    def request(self, request: Request, before: Observation, after: Observation | None = None) -> None:
        """Run the request layer for one user request (`after` defaults to the driver's current observation)."""
        if after is None:
            after = self.driver.observe()
        self._report([v for v in check_request(before, request, after) if v.invariant not in self.skip])

    def _report(self, found: list[Violation]) -> None:
        if not found:
            return
        self.violations += found
        if self.raise_on_violation:
            raise InvariantViolation(found)


__all__ = [
    "INVARIANTS",
    "LAYERS",
    "Invariant",
    "InvariantMonitor",
    "InvariantViolation",
    "Request",
    "Violation",
    "assert_all",
    "check_all",
    "check_history",
    "check_request",
    "invariant",
    "with_container_env",
]
