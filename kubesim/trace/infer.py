"""From a trace to what the search replays: observations, and the inputs that caused them.

Changes are put in commit order (resourceVersion: etcd's one revision counter; lines
without one keep their place after the line before them, a deletion also after the
version of the object it shows: `commit_order`), applied one by one to a view
of the namespace, and projected (`project.project`). A change that leaves the projection
as it was (an Event, a status field no rule reads) is a stutter and is dropped, unless it
carries an input. Inputs are what the model cannot decide for itself:

- user requests, read off spec changes: a Deployment created, its spec changed (new
  template, scale, `rollout undo`, pause/resume: all arrive as a new spec, applied as
  `kubectl apply` of the observed spec), a Deployment, ConfigMap or Service created,
  changed or deleted, and a pod deleted by someone other than its ReplicaSet (see
  `_user_deleted`);
- readiness: a pod's Ready condition turning True (at its lastTransitionTime, else the
  arrival time) or False. The search replays it on a model pod of the same template whose
  containers run, so readiness times come from the trace, not from the model's defaults.

Changes marked ``initial`` (what existed when recording began) form one observation.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
from dataclasses import dataclass, field

from kubesim import model as m

from .format import Change, Trace
from .project import View, controller_uid, is_ready, pod_state, project, ready_since, template_key

_SERVER_ANNOTATIONS = ("kubectl.kubernetes.io/last-applied-configuration",)
_SERVER_PREFIXES = ("deployment.kubernetes.io/",)
#: Objects the control plane makes in every namespace (not user requests).
SYSTEM_OBJECTS = ("kube-root-ca.crt", "kubernetes")


@dataclass(frozen=True)
class Request:
    """A user request, as the model action that makes it."""

    action: object
    text: str


@dataclass(frozen=True)
class Readiness:
    """A pod of `template` turned Ready (or not) at `at` (Unix seconds)."""

    template: str
    ready: bool
    at: float
    pod: str


@dataclass(frozen=True)
class PodDeletion:
    """A user deleted a pod of `template` that was in `state`."""

    template: str
    state: str
    namespace: str
    pod: str


@dataclass
class Observation:
    """The projection after one change, the change itself, and the inputs it carries."""

    number: int  # position among the trace's changes in commit order, from 1
    change: Change | None
    projection: dict
    time: float
    inputs: tuple = ()
    initial: bool = False
    objects: dict = field(default_factory=dict, repr=False)

    def where(self) -> str:
        c = self.change
        if c is None:
            return "the state when recording began"
        return f"change {self.number} (line {c.line}: {c.type} {c.kind} {c.name}, resourceVersion {c.resource_version}, t={c.time:.3f})"


def commit_order(changes: list[Change]) -> list[Change]:
    """Initial lines first, then the rest by resourceVersion, each owner no later than its
    first dependent (`owners_first`).

    A line without a resourceVersion keeps its place after the line before it, and a deletion
    without one also comes after the version of the object it shows (`_last_version`). A
    recorder that compares snapshots (`DriverRecorder`) writes a deletion without the
    deletion's own resourceVersion; the line before it may come from another kind's watch
    that lags behind, with a lower resourceVersion than the object's last write: ordered
    after that line alone, the deletion would come before that write, and the object would
    come back from the dead.
    """
    initial = [c for c in changes if c.initial]
    keyed, last = [], -1
    for pos, c in enumerate(c for c in changes if not c.initial):
        rv = c.resource_version
        if rv is not None and rv.isdigit():
            last = int(rv)
            key = (last, 0, pos)
        else:
            key = max((last, 0, pos), (_last_version(c), 1, pos))
        keyed.append((key, c))
    return initial + owners_first([c for _, c in sorted(keyed, key=lambda kc: kc[0])], {_uid(c) for c in initial})


def _last_version(change: Change) -> int:
    """For a deletion, the resourceVersion of the object it shows: the object's last write
    that the recorder saw, which the deletion follows (-1 for other lines, or none known)."""
    rv = (change.obj.get("metadata") or {}).get("resourceVersion")
    return int(rv) if change.type == "DELETED" and isinstance(rv, str) and rv.isdigit() else -1


def _uid(change: Change) -> str | None:
    return (change.obj.get("metadata") or {}).get("uid")


def owners_first(ordered: list[Change], known: set) -> list[Change]:
    """Move an object's first line before the first line of an object it owns.

    A watch, or a recorder that compares snapshots (`DriverRecorder`), may show an object
    for the first time at a later resourceVersion than its creation: the Deployment watch
    delivered `web` only after the ReplicaSet watch had shown the ReplicaSet it made. An
    ownerReference names an object that existed (the Deployment controller makes a
    ReplicaSet for a Deployment it has read: `getNewReplicaSet`; the ReplicaSet controller
    pods for a ReplicaSet: `manageReplicas`), so the owner's first line goes just before
    the first line that names it, at no later a time. The object it shows is the later
    version: what changed in between (its status, the revision annotation) is seen early.
    """
    for _ in range(len(ordered)):  # an owner moved may in turn move its own owner: until nothing moves
        first_ref: dict[str, int] = {}
        first_seen: dict[str, int] = {}
        for pos, c in enumerate(ordered):
            uid = _uid(c)
            if uid and uid not in first_seen:
                first_seen[uid] = pos
            if c.type != "DELETED":
                for ref in (c.obj.get("metadata") or {}).get("ownerReferences") or ():
                    if ref.get("controller") and ref.get("uid") not in first_ref:
                        first_ref[ref.get("uid")] = pos
        moves = {first_seen[u]: at for u, at in first_ref.items() if u not in known and u in first_seen and first_seen[u] > at}
        if not moves:
            break
        before: dict[int, list[Change]] = {}
        for pos in sorted(moves):
            at = moves[pos]
            c = ordered[pos]
            before.setdefault(at, []).append(dataclasses.replace(c, time=min(c.time, ordered[at].time)))
        out: list[Change] = []
        for pos, c in enumerate(ordered):
            out.extend(before.get(pos, ()))
            if pos not in moves:
                out.append(c)
        ordered = out
    return ordered


def parse_time(stamp: str | None) -> float | None:
    if not stamp:
        return None
    try:
        return _dt.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=_dt.timezone.utc).timestamp()
    except ValueError:
        return None


def manifest_of(obj: dict, kind: str) -> dict:
    """What a user would have applied to get `obj`: its spec (or data), labels and own annotations."""
    md = obj.get("metadata") or {}
    ann = {k: v for k, v in (md.get("annotations") or {}).items() if k not in _SERVER_ANNOTATIONS and not k.startswith(_SERVER_PREFIXES)}
    meta = {"name": md.get("name"), "namespace": md.get("namespace") or "default"}
    if md.get("labels"):
        meta["labels"] = md["labels"]
    if ann:
        meta["annotations"] = ann
    out = {"apiVersion": obj.get("apiVersion") or ("apps/v1" if kind == "Deployment" else "v1"), "kind": kind, "metadata": meta}
    if kind == "ConfigMap":
        for f in ("data", "binaryData", "immutable"):
            if f in obj:
                out[f] = obj[f]
        return out
    spec = dict(obj.get("spec") or {})
    if kind == "Deployment" and isinstance(spec.get("template"), dict):
        tmd = {k: v for k, v in (spec["template"].get("metadata") or {}).items() if k != "creationTimestamp"}
        spec["template"] = {**spec["template"], "metadata": tmd}
    if kind == "Service":
        for f in ("clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy", "internalTrafficPolicy"):
            spec.pop(f, None)
    out["spec"] = spec
    return out


def _user_spec(obj: dict | None, kind: str):
    if obj is None:
        return None
    if kind == "ConfigMap":
        return (obj.get("data"), obj.get("binaryData"))
    spec = manifest_of(obj, kind)
    return (spec.get("spec"), spec["metadata"].get("labels"), spec["metadata"].get("annotations"))


def _user_deleted(pod: dict, view: View) -> bool:
    """Whether someone other than the pod's ReplicaSet set its deletionTimestamp.

    The ReplicaSet controller deletes pods only when it has more active pods than
    spec.replicas (`manageReplicas`); the garbage collector only once the ReplicaSet is gone.
    A pod deleted while its ReplicaSet exists and had no surplus was deleted by a user.
    """
    owner_uid = controller_uid(pod)
    if owner_uid is None:
        return True
    rs = view.by_uid.get(owner_uid)
    if rs is None or (rs.get("metadata") or {}).get("deletionTimestamp"):
        return False
    active = sum(1 for p in view.of("Pod") if controller_uid(p) == owner_uid and pod_state(p) not in ("terminating", "finished"))
    return (rs.get("spec") or {}).get("replicas", 1) >= active + 1


def _inputs(change: Change, before: dict | None, view: View) -> list:
    """The inputs one change carries (see the module docstring)."""
    kind, obj = change.kind, change.obj
    out: list = []
    if kind in ("Deployment", "ConfigMap", "Service") and change.name not in SYSTEM_OBJECTS:
        ns = change.namespace or "default"
        if change.type == "DELETED":
            out.append(Request(m.Delete(kind, change.name, ns), f"kubectl delete {kind.lower()} {change.name}"))
        elif _user_spec(before, kind) != _user_spec(obj, kind):
            verb = "create" if before is None else "change"
            out.append(Request(m.Apply(manifest_of(obj, kind)), f"kubectl apply ({verb} {kind} {change.name})"))
    elif kind == "Pod":
        template = view.pod_template(obj)
        was_ready = before is not None and is_ready(before) and pod_state(before) != "terminating"
        now_ready = change.type != "DELETED" and is_ready(obj) and pod_state(obj) == "ready"
        if now_ready != was_ready and change.type != "DELETED" and pod_state(obj) != "terminating":
            since = parse_time(ready_since(obj)) if now_ready else None
            at = since if since is not None and since <= change.time else change.time
            out.append(Readiness(template, now_ready, at, change.name))
        deleting = (obj.get("metadata") or {}).get("deletionTimestamp") and not (before or {}).get("metadata", {}).get("deletionTimestamp")
        if deleting and _user_deleted(obj, view):
            out.append(PodDeletion(template, pod_state(before) if before else "starting", change.namespace or "default", change.name))
    return out


def observations(trace: Trace) -> list[Observation]:
    """The trace as the search replays it: one observation per projected change, in commit order."""
    store: dict[str, dict[tuple, dict]] = {}
    owners: dict[str, str] = {}  # every ReplicaSet seen, deleted or not: uid -> template key
    out: list[Observation] = []
    initial_inputs: list = []
    ordered = commit_order(trace.changes)
    last_initial = max((i for i, c in enumerate(ordered) if c.initial), default=-1)
    previous: dict | None = None
    for number, change in enumerate(ordered, 1):
        table = store.setdefault(change.kind, {})
        key = (change.namespace, change.name)
        before = table.get(key)
        if change.type == "DELETED":
            table.pop(key, None)
        else:
            table[key] = change.obj
            if change.kind == "ReplicaSet":
                owners[change.obj["metadata"].get("uid")] = template_key((change.obj.get("spec") or {}).get("template"))
        objects = {k: [t[n] for n in sorted(t)] for k, t in store.items()}
        view = View(objects, owners)
        inputs = _inputs(change, before, view)
        if change.initial:
            initial_inputs.extend(inputs)
            if number - 1 < last_initial:
                continue
            proj = project(objects, owners)
            out.append(Observation(number, None, proj, change.time, tuple(initial_inputs), True, objects))
            previous = proj
            continue
        proj = project(objects, owners)
        if proj == previous and not inputs:
            continue
        out.append(Observation(number, change, proj, change.time, tuple(inputs), False, objects))
        previous = proj
    return readiness_in_time_order(out)


def readiness_in_time_order(obs: list[Observation]) -> list[Observation]:
    """Give the pods of one template that turn Ready their Ready times in ascending order.

    The kubelet's status manager writes each pod's status on its own (`syncPod`), so a pod
    that turned Ready at 734 s may be written after one that turned Ready at 735 s, while the
    model writes a pod's Ready condition when it turns Ready and cannot go back in time.
    Pods of one template are alike in the projection, so the model run in which the k-th
    pod to be written Ready is Ready at the k-th earliest of those times shows the same
    counts, and the same availability (a ReplicaSet counts pods Ready for minReadySeconds:
    `podutil.IsPodAvailable`, from the lastTransitionTime). The k-th earliest time is no
    later than the k-th write, so no pod is made Ready before the trace saw it.
    """
    times: dict[str, list[float]] = {}
    for o in obs:
        if not o.initial:
            for inp in o.inputs:
                if isinstance(inp, Readiness) and inp.ready:
                    times.setdefault(inp.template, []).append(inp.at)
    pending = {t: iter(sorted(v)) for t, v in times.items()}
    for o in obs:
        if not o.initial and any(isinstance(inp, Readiness) and inp.ready for inp in o.inputs):
            o.inputs = tuple(dataclasses.replace(inp, at=next(pending[inp.template])) if isinstance(inp, Readiness) and inp.ready else inp for inp in o.inputs)
    return obs


def images(trace: Trace) -> set[str]:
    """Every container image a pod template or pod in the trace names."""
    out = set()
    for c in trace.changes:
        spec = c.obj.get("spec") or {}
        if c.kind in ("Deployment", "ReplicaSet"):
            spec = (spec.get("template") or {}).get("spec") or {}
        elif c.kind != "Pod":
            continue
        for ctr in spec.get("containers") or ():
            if isinstance(ctr, dict) and isinstance(ctr.get("image"), str):
                out.add(ctr["image"])
    return out


def namespaces(trace: Trace) -> list[str]:
    return sorted({c.namespace for c in trace.changes if c.namespace})
