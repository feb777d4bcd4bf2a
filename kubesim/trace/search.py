"""The search: is there a model run whose projected states match the observations in order?

A depth-first search over the model's interleavings (which queued controller sync runs
next, or `Tick` to the next timer: `enabled`), the trace's inputs (user requests, pod
readiness, pod deletions) and matches. A node is a model state, the next observation to
match and what is left of its inputs. From a node the search tries, in this order:

1. match the observation (once its inputs have been replayed): every projected component
   must show a value the model took within its last `lag` projected changes (steps that
   change nothing projected do not count), no earlier than where that component last
   matched (a component never goes back). A count may also lie strictly between two
   consecutive model values, on the way from the value observed before: one model step
   makes several writes (a slow-start batch of pods) that a watch sees one by one;
2. replay the next input (for readiness or a pod deletion, on each model pod that fits);
3. run one enabled controller sync, or move to the next timer (also while syncs are
   queued: the controllers run side by side) if it is due no later than the
   observation's time (plus `slack`): the model may not act after the trace saw it.
   Steps that bring the model's projection closer to the observation are tried first; at
   most `lag` steps that change the projection may pass between two matches (a watch sees
   every write, so the model cannot run further ahead unseen).

Stuttering is free both ways: several model steps may pass between two observations, and
several observations may match one model state. Visited nodes are kept (by a fingerprint
that ignores names, uids and resourceVersions), so commuting interleavings are explored
once. The search gives up after `max_states` nodes or `max_seconds` seconds.

Abstracts (heuristics that keep the search small): the fingerprint treats pods of one
template in the same state alike and ignores the order of a queue the search can reorder
anyway; a sync at the head of the queue that changes nothing projected runs at once, without
branching. The model's informers are never stale, so a real controller acting on a stale
cache may make a state the model cannot.
"""

from __future__ import annotations

import copy
import json
import time
from dataclasses import dataclass, field

from kubesim import model as m

from . import infer, rules
from .format import Trace
from .infer import Observation, PodDeletion, Readiness, Request
from .project import NUMERIC, View, default, describe, pod_state, project, show, template_key

KINDS = ("Deployment", "ReplicaSet", "Pod", "Endpoints", "ConfigMap")


@dataclass(frozen=True)
class Bounds:
    max_states: int = 200_000
    max_seconds: float = 120.0
    #: How many projected changes of the model a component's observed value may trail.
    lag: int = 3
    #: Model steps allowed between two matched observations.
    max_steps: int = 400
    #: Seconds a timer may fire after the time of the observation that shows its effect.
    slack: float = 1.0


@dataclass
class Result:
    verdict: str  # "valid", "invalid" or "bound"
    message: str
    states: int = 0
    seconds: float = 0.0
    changes: int = 0
    observations: int = 0
    failed_at: Observation | None = None
    rule: str | None = None

    @property
    def valid(self) -> bool:
        return self.verdict == "valid"


@dataclass
class _Node:
    i: int
    st: m.ClusterState
    k: int  # how many projected changes the model has made (steps that change nothing projected do not count)
    hist: tuple  # the last lag+1 projections the model went through (dicts), hist[-1] is st's
    floors: dict
    pending: tuple
    steps: int
    visible: int  # model steps since the last match that changed the projection
    base: tuple | None  # (model ms, trace seconds) that line up
    via: str = ""


@dataclass
class _Near:
    """The nodes that came closest to matching the furthest observation."""

    i: int = -1
    nodes: list = field(default_factory=list)
    notes: list = field(default_factory=list)


def model_config(trace: Trace) -> m.Config:
    """A model whose pods start at once, stop at once and never become Ready by themselves:
    readiness is replayed from the trace, and timing is the search's choice."""
    never = m.ImageBehaviour(never_ready=True)
    images = m.Config().images
    for image in sorted(infer.images(trace)):
        images = images.set(image, never)
    return m.Config(container_start_ms=0, shutdown_ms=0, images=images)


class Search:
    def __init__(self, trace: Trace, bounds: Bounds) -> None:
        self.trace = trace
        self.bounds = bounds
        self.obs = infer.observations(trace)
        self.namespaces = infer.namespaces(trace) or ["default"]
        self.states = 0
        self.seen: set = set()
        self.near = _Near()
        self._proj_cache: dict[int, tuple] = {}

    # ----- the model's side
    def objects(self, st: m.ClusterState) -> dict:
        return {k: [o for ns in self.namespaces for o in st.list(k, ns)] for k in KINDS}

    def projection(self, st: m.ClusterState) -> dict:
        hit = self._proj_cache.get(id(st))
        if hit is not None and hit[0] is st:
            return hit[1]
        proj = project(self.objects(st))
        if len(self._proj_cache) > 50_000:
            self._proj_cache.clear()
        self._proj_cache[id(st)] = (st, proj)
        return proj

    def start_state(self) -> m.ClusterState:
        """An empty model, or, when the trace began with objects, the model rebuilt to match them."""
        first = self.obs[0]
        config = model_config(self.trace)
        st = m.new_cluster(config if not first.initial else m.Config(container_start_ms=0, shutdown_ms=0))
        for ns in self.namespaces:
            if st.get("Namespace", "", ns) is None:
                st = m.step(st, m.Apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}))
        if first.initial:
            st = self.rebuild(st, first, config)
        return st

    def rebuild(self, st: m.ClusterState, first: Observation, config: m.Config) -> m.ClusterState:
        """Replay how the objects that existed when recording began came to be.

        ConfigMaps and Services are applied; each Deployment is applied with its ReplicaSets'
        templates so that each gets its observed revision, then with its own spec, settling in
        between with pods Ready at once (`_history`). Then new pods stop becoming Ready by
        themselves, and as many pods as the trace shows not Ready are made so.
        """
        objects = first.objects
        view = View(objects)
        for kind in ("ConfigMap", "Service"):
            for obj in view.of(kind):
                if obj["metadata"]["name"] not in infer.SYSTEM_OBJECTS:
                    st = m.step(st, m.Apply(infer.manifest_of(obj, kind)))
        for d in view.of("Deployment"):
            manifest = infer.manifest_of(d, "Deployment")
            rss = [r for r in view.of("ReplicaSet") if view.owner_name(r) == d["metadata"]["name"]]
            for template in _history(rss, template_key(manifest["spec"].get("template"))):
                st = m.settle(m.step(st, m.Apply({**manifest, "spec": {**manifest["spec"], "template": template}})))
            st = m.settle(m.step(st, m.Apply(manifest)))
        for image in sorted(infer.images(self.trace)):
            st = m.step(st, m.SetImageBehaviour(image, config.images[image]))
        for c, n in first.projection.items():
            if c[0] == "pods" and c[2] in ("starting", "running"):
                for ns, pod in self.candidates(st, Readiness(c[1], False, 0.0, ""))[:n]:
                    st = m.step(st, m.SetReadiness(pod, False, ns))
        return m.settle(st)

    def fingerprint(self, node: _Node) -> tuple:
        """What decides a node's future, without names, uids and resourceVersions."""
        st = node.st
        names = {}
        pods = []
        for ns in self.namespaces:
            for p in st.list("Pod", ns):
                md = p["metadata"]
                rt = st.runtime.get((ns, md["name"]))
                sig = (_dumps(p["spec"].get("containers")), md.get("creationTimestamp"), md.get("deletionTimestamp"), pod_state(p), bool(p["spec"].get("nodeName")),
                       (md.get("labels") or {}).get("pod-template-hash"),
                       None if rt is None else (rt.readiness_override, rt.ready, rt.ready_ms, tuple(c.state for c in rt.containers), rt.stop_at))
                names[(ns, md["name"])] = sig
                pods.append(sig)
        # `enabled` offers every queued sync, so the queue's order does not matter.
        queue = tuple(sorted(((w[0], names.get((w[1], w[2]), w[1:]) if w[0] in ("kubelet", "scheduler") else w[1:]) for w in st.pending_work()), key=repr))
        others = tuple(
            (o["metadata"]["name"], _dumps(o.get("spec")), _dumps(o.get("status")), (o["metadata"].get("annotations") or {}).get("deployment.kubernetes.io/revision"))
            for ns in self.namespaces for kind in ("Deployment", "ReplicaSet") for o in st.list(kind, ns)
        )
        floors = tuple(sorted((c, max(p - node.k, -self.bounds.lag - 1)) for c, p in node.floors.items()))
        hist = tuple(_frozen(h) for h in node.hist)
        return (node.i, len(node.pending), node.visible, st.now, st.timer_times, queue, tuple(sorted(pods, key=repr)), others, floors, hist, node.base)

    # ----- matching
    def time_limit_ms(self, node: _Node) -> float:
        o = self.obs[node.i]
        if o.initial or node.base is None:
            return float("inf")
        return node.base[0] + (o.time - node.base[1] + self.bounds.slack) * 1000

    def model_ms(self, node: _Node, t: float) -> int:
        if node.base is None:
            return node.st.now
        return max(node.st.now, round(node.base[0] + (t - node.base[1]) * 1000))

    def match(self, node: _Node, proj: dict) -> tuple[dict | None, list]:
        """New floors if `proj` matches `node`'s window, else None and the components that do not."""
        hist, k, lag = node.hist, node.k, self.bounds.lag
        first = k - len(hist) + 1
        floors = dict(node.floors)
        misses = []
        comps = set(proj)
        for h in hist:
            comps.update(h)
        before = self.obs[node.i - 1].projection if node.i > 0 else {}
        for c in comps:
            d = default(c)
            v = proj.get(c, d)
            u = before.get(c, d)  # the value the observation before showed
            lo = max(node.floors.get(c, first), k - lag, first)
            found = None
            for p in range(lo, k + 1):
                here = hist[p - first].get(c, d)
                if here == v:
                    found = p
                    break
                if c[0] in NUMERIC and p > first:
                    # v lies strictly between two consecutive model values, on the way from the
                    # value observed before to the step's result: the writes of one model step
                    # are seen in commit order, so a count moves one way through them
                    prev = hist[p - 1 - first].get(c, d)
                    if min(prev, here) < v < max(prev, here) and min(prev, here) <= u <= max(prev, here) and abs(here - v) <= abs(here - u):
                        found = p
                        break
            if found is None:
                misses.append(c)
            else:
                floors[c] = found
        return (None, misses) if misses else (floors, [])

    # ----- moves
    def children(self, node: _Node) -> list[_Node]:
        o = self.obs[node.i]
        out: list[_Node] = []
        if not node.pending:
            floors, misses = self.match(node, o.projection)
            self.remember(node, misses)
            if floors is not None:
                nxt = node.i + 1
                base = node.base
                if base is None and nxt < len(self.obs):
                    base = (node.st.now, o.time if not o.initial else self.obs[nxt].time)
                out.append(_Node(nxt, node.st, node.k, node.hist, floors, self.obs[nxt].inputs if nxt < len(self.obs) else (), 0, 0, base, "match"))
                return out  # matching as early as possible loses nothing: the model can still do what it would have
        else:
            out.extend(self.replay(node, node.pending[0]))
        if node.steps < self.bounds.max_steps:
            steps = []
            for action in enabled(node.st):
                if isinstance(action, m.Tick) and node.st.timer_times[0] > self.time_limit_ms(node):
                    continue
                child = self.advance(node, m.step(node.st, action), repr(action))
                if not steps and child.visible == node.visible and not isinstance(action, m.Tick):
                    steps = [(0, 0, child)]  # an invisible sync at the head of the queue runs first: no branching
                    break
                if child.visible > self.bounds.lag:
                    continue
                steps.append((len(self.match(child, o.projection)[1]), child.visible - node.visible, len(steps), child))
            # Steps that bring the model closer to the observation first, then those that change
            # nothing projected (they spend none of the `lag` budget), FIFO among equals.
            out.extend(t[-1] for t in sorted(steps, key=lambda t: t[:3]))
        return out

    def advance(self, node: _Node, st: m.ClusterState, via: str, pending: tuple | None = None) -> _Node:
        proj = self.projection(st)
        pending = node.pending if pending is None else pending
        if proj == node.hist[-1]:  # nothing projected changed: the window stays where it was
            return _Node(node.i, st, node.k, node.hist, node.floors, pending, node.steps + 1, node.visible, node.base, via)
        hist = (node.hist + (proj,))[-(self.bounds.lag + 1):]
        return _Node(node.i, st, node.k + 1, hist, node.floors, pending, node.steps + 1, node.visible + 1, node.base, via)

    def replay(self, node: _Node, inp) -> list[_Node]:
        rest = node.pending[1:]
        st = node.st
        if isinstance(inp, Request):
            try:
                return [self.advance(node, m.step(st, inp.action), inp.text, rest)]
            except (m.ApiError, m.ManifestError, m.ControllerError) as err:
                self.note(node, f"the model refuses {inp.text}: {err}")
                return []
        out = []
        seen = set()
        for ns, pod in self.candidates(st, inp):
            if isinstance(inp, Readiness):
                at = self.model_ms(node, inp.at)
                s2 = m.step(st, m.AdvanceTime(at - st.now)) if at > st.now else st
                s2 = m.step(s2, m.SetReadiness(pod, inp.ready, ns))
                via = f"pod {pod} {'Ready' if inp.ready else 'not Ready'} at t={s2.now / 1000:g}s (trace: {inp.pod})"
            else:
                s2 = m.step(st, m.Delete("Pod", pod, ns))
                via = f"kubectl delete pod {pod} (trace: {inp.pod})"
            proj = frozenset(self.projection(s2).items())
            if proj in seen:  # pods alike give the same projection: one of them is enough
                continue
            seen.add(proj)
            out.append(self.advance(node, s2, via, rest))
        if not out:
            what = "become Ready" if isinstance(inp, Readiness) and inp.ready else "lose readiness" if isinstance(inp, Readiness) else "be deleted"
            self.note(node, f"no model pod of template {inp.template} could {what} (trace: pod {inp.pod})")
        return out

    def candidates(self, st: m.ClusterState, inp) -> list[tuple[str, str]]:
        out = []
        for ns in self.namespaces:
            pods = st.list("Pod", ns)
            view = View({"Pod": pods, "ReplicaSet": st.list("ReplicaSet", ns), "Deployment": st.list("Deployment", ns)})
            for p in sorted(pods, key=lambda p: (p["metadata"].get("creationTimestamp") or "", p["metadata"]["name"])):
                if view.pod_template(p) != inp.template:
                    continue
                state = pod_state(p)
                if isinstance(inp, PodDeletion):
                    ok = state == inp.state
                elif inp.ready:
                    rt = st.runtime.get((ns, p["metadata"]["name"]))
                    ok = state in ("starting", "running") and rt is not None and bool(rt.containers) and all(c.state == "running" for c in rt.containers)
                else:
                    ok = state == "ready"
                if ok:
                    out.append((ns, p["metadata"]["name"]))
        return out

    # ----- failure notes
    def remember(self, node: _Node, misses: list) -> None:
        if node.i > self.near.i:
            self.near = _Near(node.i)
        if node.i == self.near.i and misses:
            self.near.nodes.append((len(misses), self.states, node, misses))
            self.near.nodes.sort(key=lambda t: (t[0], t[1]))
            del self.near.nodes[3:]

    def note(self, node: _Node, text: str) -> None:
        if node.i > self.near.i:
            self.near = _Near(node.i)
        if node.i == self.near.i and text not in self.near.notes:
            self.near.notes.append(text)

    # ----- the run
    def run(self) -> Result:
        t0 = time.monotonic()
        changes = len(self.trace.changes)
        if not self.obs:
            return Result("valid", "valid (the trace holds no change)", 0, 0.0, changes, 0)
        st = self.start_state()
        root = _Node(0, st, 0, (self.projection(st),), {}, () if self.obs[0].initial else self.obs[0].inputs, 0, 0, None, "start")
        stack = [root]
        b = self.bounds
        while stack:
            node = stack.pop()
            if node.i == len(self.obs):
                secs = time.monotonic() - t0
                return Result("valid", "valid", self.states, secs, changes, len(self.obs))
            key = self.fingerprint(node)
            if key in self.seen:
                continue
            self.seen.add(key)
            self.states += 1
            if self.states >= b.max_states or time.monotonic() - t0 > b.max_seconds:
                secs = time.monotonic() - t0
                o = self.obs[self.near.i] if self.near.i >= 0 else self.obs[0]
                msg = (f"undecided: the search bound was hit ({self.states} states explored in {secs:.1f}s; bounds: "
                       f"{b.max_states} states, {b.max_seconds:g}s). It got as far as {o.where()}, observation "
                       f"{self.near.i + 1} of {len(self.obs)}. Raise --max-states / --max-seconds to search further.")
                return Result("bound", msg, self.states, secs, changes, len(self.obs), o)
            stack.extend(reversed(self.children(node)))
        secs = time.monotonic() - t0
        return self.rejection(secs, changes)

    def rejection(self, secs: float, changes: int) -> Result:
        i = max(self.near.i, 0)
        o = self.obs[i]
        before = self.obs[i - 1].objects if i > 0 else {}
        rule = rules.broken(before, o.objects, o.change)
        lines = [f"invalid: no model run produces {o.where()}."]
        if o.change is not None:
            lines.append(f"  observed: {changed_text(self.obs[i - 1].projection if i else {}, o.projection)}")
        if rule:
            lines.append(f"  rule broken: {rule}")
        for text in self.near.notes[:3]:
            lines.append(f"  note: {text}")
        for n, (_, _, node, misses) in enumerate(self.near.nodes, 1):
            lines.append(f"  nearest model state {n} (t={node.st.now / 1000:g}s, after {node.via}):")
            for c in sorted(misses, key=repr)[:6]:
                model_vals = sorted({show(h.get(c, default(c))) for h in node.hist})
                lines.append(f"    {describe(c)}: observed {show(o.projection.get(c, default(c)))}, model {' / '.join(model_vals)}")
            could = self.could(node)
            if could:
                lines.append("    the model could instead: " + "; ".join(could[:4]))
        lines.append(f"  ({self.states} states explored in {secs:.2f}s)")
        return Result("invalid", "\n".join(lines), self.states, secs, changes, len(self.obs), o, rule)

    def could(self, node: _Node) -> list[str]:
        out = []
        base = node.hist[-1]
        for action in enabled(node.st):
            after = self.projection(m.step(node.st, action))
            diff = changed_text(base, after)
            out.append(f"{action!r} -> {diff}" if diff else f"{action!r} (no visible change)")
        return out


def _history(rss: list[dict], current: str) -> list[dict]:
    """The templates to apply, in order, before the Deployment's own, so that each ReplicaSet
    ends with its observed revision (a new template gets MaxRevision + 1; applying an old one
    again renumbers its ReplicaSet: SetNewReplicaSetAnnotations).

    A revision no ReplicaSet has any more (a `rollout undo` renumbered it, or
    revisionHistoryLimit deleted it) is filled by the template of a higher revision that
    is neither the one applied just before nor the next one's; it gets its own number when
    its turn comes.
    """
    templates = {}
    for rs in rss:
        rev = rules.revision_of(rs)
        if rev:
            template = copy.deepcopy(rs["spec"]["template"])
            (template.get("metadata") or {}).get("labels", {}).pop("pod-template-hash", None)
            templates[rev] = template
    top = max((r for r, t in templates.items() if template_key(t) == current), default=max(templates, default=0) + 1)
    out: list[dict] = []
    last = None
    for k in range(1, top):
        choice = templates.get(k)
        if choice is None or template_key(choice) == last:
            avoid = {last, template_key(templates[k + 1]) if k + 1 in templates else None}
            choice = next((templates[r] for r in sorted(templates) if r > k and template_key(templates[r]) not in avoid), None)
        if choice is None:
            continue
        out.append(choice)
        last = template_key(choice)
    return out


def enabled(st: m.ClusterState) -> list:
    """Every queued sync (`m.enabled` without its limit), and `Tick` whenever a timer is set.

    The model keeps one queue for all controllers, but the real ones (the kubelet, the
    scheduler, the ReplicaSet and Deployment controllers) run side by side: a kubelet may
    act on a pod while the scheduler still has a backlog, so no sync waits for its place.
    For the same reason a timer may fire while work is queued (`m.enabled` offers `Tick`
    only on an empty queue): the ReplicaSet controller's availability re-check
    (`syncReplicaSet` -> `queue.AddAfter` at the next pod's minReadySeconds) and the
    Deployment controller's progress re-check
    (`requeueStuckDeployment`) are client-go's `AddAfter` (util/workqueue
    `delayingType.waitingLoop`), which adds the key when its time comes, whatever other
    workers are doing; and a real kubelet takes its time (`killPod` waits for the
    container to stop) while such a timer comes due. The search's caller only lets a timer
    fire once the trace's clock has reached it (`Search.time_limit_ms`).
    """
    out = m.enabled(st, limit=max(st.qtail - st.qhead, 1))
    if st.timer_times and (not out or not isinstance(out[-1], m.Tick)):
        out.append(m.Tick())
    return out


def _dumps(obj) -> str:
    """`json.dumps` of an object the model never mutates, memoized by identity."""
    hit = _DUMPS.get(id(obj))
    if hit is not None and hit[0] is obj:
        return hit[1]
    text = json.dumps(obj, sort_keys=True)
    if len(_DUMPS) >= 65536:
        _DUMPS.clear()
    _DUMPS[id(obj)] = (obj, text)  # keeps `obj` alive, so its id is not reused meanwhile
    return text


def _frozen(proj: dict) -> frozenset:
    hit = _FROZEN.get(id(proj))
    if hit is not None and hit[0] is proj:
        return hit[1]
    out = frozenset(proj.items())
    if len(_FROZEN) >= 65536:
        _FROZEN.clear()
    _FROZEN[id(proj)] = (proj, out)
    return out


_DUMPS: dict[int, tuple] = {}
_FROZEN: dict[int, tuple] = {}


def changed_text(before: dict, after: dict) -> str:
    comps = sorted(set(before) | set(after), key=repr)
    parts = [f"{describe(c)} {show(before.get(c, default(c)))} -> {show(after.get(c, default(c)))}" for c in comps if before.get(c, default(c)) != after.get(c, default(c))]
    return "; ".join(parts) if parts else "no projected change"


def check(trace: Trace, bounds: Bounds | None = None) -> Result:
    """Search the model for a run that matches `trace` (see the module docstring)."""
    return Search(trace, bounds or Bounds()).run()
