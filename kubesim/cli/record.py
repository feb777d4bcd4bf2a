"""What the command line remembers between invocations: observable changes, rollout samples, commands.

`Recorder` watches the states a command passes through and appends to the session (kept
in the state file, bounded): one timeline entry per visible change of an object (a
pod's STATUS/READY, a ReplicaSet's or Deployment's counts, a Service's endpoints, ...),
one `kubesim.timeline.Sample` per namespace whenever pods per ReplicaSet or ready
endpoints change, and the command line of each command that changed the cluster
(`Recorder.command`; `command_marks` gives them to ``kubesim plot``'s time axis). Also
`rollout_status_message`, kubectl's `DeploymentStatusViewer`.
"""

from __future__ import annotations

import json
import shlex

from kubesim.model.kinds import prefix
from kubesim.model.pmap import EMPTY
from kubesim.model.state import ClusterState

from ..driver import Observation
from ..timeline import Sample, sample
from .printers import clock, format_endpoints, pod_status, service_ports
from .tabwriter import layout

WATCHED = ("Deployment", "ReplicaSet", "Pod", "Service", "Endpoints", "ConfigMap")


def rollout_status_message(d: dict, revision: int = 0) -> tuple[str, bool, str | None]:
    """`DeploymentStatusViewer.Status`: (message, done, error).

    Mirrors `kubectl/pkg/polymorphichelpers/rollout_status.go`.
    """
    name = d["metadata"]["name"]
    if revision > 0:
        current = int((d["metadata"].get("annotations") or {}).get("deployment.kubernetes.io/revision", "0") or 0)
        if current != revision:
            return "", False, f"desired revision ({revision}) is different from the running revision ({current})"
    status = d.get("status") or {}
    if d["metadata"].get("generation", 0) <= status.get("observedGeneration", 0):
        for c in status.get("conditions") or ():
            if c.get("type") == "Progressing" and c.get("reason") == "ProgressDeadlineExceeded":
                return "", False, f'deployment "{name}" exceeded its progress deadline'
        want = d["spec"].get("replicas", 1)
        updated = status.get("updatedReplicas", 0)
        if updated < want:
            return f'Waiting for deployment "{name}" rollout to finish: {updated} out of {want} new replicas have been updated...', False, None
        if status.get("replicas", 0) > updated:
            return f'Waiting for deployment "{name}" rollout to finish: {status.get("replicas", 0) - updated} old replicas are pending termination...', False, None
        if status.get("availableReplicas", 0) < updated:
            return f'Waiting for deployment "{name}" rollout to finish: {status.get("availableReplicas", 0)} of {updated} updated replicas are available...', False, None
        return f'deployment "{name}" successfully rolled out', True, None
    return "Waiting for deployment spec update to be observed...", False, None


def summary(kind: str, obj: dict) -> str:
    """What a person sees of one object (what `get` shows, without AGE)."""
    st = obj.get("status") or {}
    if kind == "Pod":
        reason, ready, total, restarts, _ = pod_status(obj)
        text = f"{reason} {ready}/{total}"
        return text + (f" restarts={restarts}" if restarts else "")
    if kind == "ReplicaSet":
        return f"desired={obj['spec'].get('replicas', 1)} current={st.get('replicas', 0)} ready={st.get('readyReplicas', 0)} available={st.get('availableReplicas', 0)}"
    if kind == "Deployment":
        paused = " paused" if obj["spec"].get("paused") else ""
        return f"ready={st.get('readyReplicas', 0)}/{obj['spec'].get('replicas', 1)} up-to-date={st.get('updatedReplicas', 0)} available={st.get('availableReplicas', 0)}{paused}"
    if kind == "Service":
        return f"{(obj.get('spec') or {}).get('type', 'ClusterIP')} {service_ports(obj)}"
    if kind == "Endpoints":
        return format_endpoints(obj, limit=1000)
    if kind == "ConfigMap":
        return "data: " + ",".join(sorted((obj.get("data") or {}).keys()))
    return ""


class Recorder:
    """Append the observable changes of successive states to `session`."""

    def __init__(self, session: dict, start: ClusterState) -> None:
        self.session = session
        self.timeline: list = session.setdefault("timeline", [])
        self.samples: dict = session.setdefault("samples", {})
        self.owners: dict = session.setdefault("rs_owner", {})
        self.first_new = len(self.timeline)
        self.last = start
        self._last_keys: dict = {}
        for ns, lst in self.samples.items():
            if lst:
                self._last_keys[ns] = Sample(**{k: v for k, v in lst[-1].items()}).key()

    def observe(self, st: ClusterState) -> None:
        prev = self.last
        if st.objects is prev.objects:
            return
        self.last = st
        touched_ns: set[str] = set()
        for kind in WATCHED:
            old_t, new_t = prev.table(kind), st.table(kind)
            if old_t is new_t:
                continue
            for key in set(old_t.keys()) | set(new_t.keys()):
                a, b = old_t.get(key), new_t.get(key)
                if a is b:
                    continue
                ns, name = key
                ref = f"{prefix(kind)}/{name}"
                if b is None:
                    change = "deleted"
                elif a is None:
                    change = "created: " + summary(kind, b)
                else:
                    sa, sb = summary(kind, a), summary(kind, b)
                    if sa == sb:
                        if kind == "Deployment" and a.get("spec") != b.get("spec"):
                            change = "spec changed"
                        elif kind == "ConfigMap" and a.get("data") != b.get("data"):
                            change = "data changed"
                        else:
                            continue
                    else:
                        change = sb
                self.timeline.append({"t": st.now, "namespace": ns, "object": ref, "change": change})
                if kind in ("Pod", "ReplicaSet", "Endpoints"):
                    touched_ns.add(ns)
                if kind == "ReplicaSet" and b is not None:
                    for r in b["metadata"].get("ownerReferences") or ():
                        if r.get("controller") and r.get("kind") == "Deployment":
                            self.owners.setdefault(ns, {})[name] = r["name"]
        for ns in sorted(touched_ns):
            obs = Observation(time=st.now / 1000, objects={k: st.list(k, ns) for k in ("Pod", "ReplicaSet", "Endpoints")})
            s = sample(obs)
            k = s.key()
            if k != self._last_keys.get(ns):
                self.samples.setdefault(ns, []).append(s.as_dict())
                self._last_keys[ns] = k

    def command(self, argv: list[str], before: ClusterState, after: ClusterState) -> None:
        """Remember that `argv` changed the cluster from `before` to `after` (``--state`` and its file left out).

        Kept as ``{"t": ms, "namespaces": [...], "argv": [...]}``: the instant it ran and the
        namespaces of the objects it changed (an ``apply -f`` may reach several).
        """
        kept, skip = [], False
        for a in argv:
            if skip:
                skip = False
            elif a == "--state":
                skip = True
            elif not a.startswith("--state="):
                kept.append(a)
        touched: set[str] = set()
        for kind in set(before.objects.keys()) | set(after.objects.keys()):
            old_t, new_t = before.objects.get(kind, EMPTY), after.objects.get(kind, EMPTY)
            if old_t is not new_t:
                touched.update(key[0] for key in set(old_t.keys()) | set(new_t.keys()) if old_t.get(key) is not new_t.get(key))
        self.session.setdefault("commands", []).append({"t": before.now, "namespaces": sorted(touched), "argv": kept})

    def new_entries(self) -> list:
        return self.timeline[self.first_new:]

    def trim(self, limit: int) -> None:
        """Keep the last `limit` entries and samples (the state file stays bounded)."""
        if len(self.timeline) > limit:
            cut = len(self.timeline) - limit
            del self.timeline[:cut]
            self.first_new = max(0, self.first_new - cut)
        for ns, lst in self.samples.items():
            if len(lst) > limit:
                del lst[: len(lst) - limit]
        commands = self.session.get("commands") or []
        if len(commands) > limit:
            del commands[: len(commands) - limit]


def format_timeline(entries: list, output: str = "table") -> str:
    """The timeline as a table (TIME, OBJECT, CHANGE) or JSON lines."""
    if output == "json":
        return "".join(json.dumps(e, sort_keys=True) + "\n" for e in entries)
    if not entries:
        return "No changes recorded.\n"
    show_ns = len({e["namespace"] for e in entries if e["namespace"]}) > 1
    rows = [["TIME"] + (["NAMESPACE"] if show_ns else []) + ["OBJECT", "CHANGE"]]
    for e in entries:
        rows.append([clock(e["t"])] + ([e["namespace"]] if show_ns else []) + [e["object"], e["change"]])
    return layout(rows, padding=3) + "\n"


def rollout_samples(session: dict, ns: str, deployment: str) -> list[Sample]:
    """The recorded samples of `ns`, narrowed to the ReplicaSets of `deployment`, changes only."""
    owners = {rs for rs, d in (session.get("rs_owner", {}).get(ns) or {}).items() if d == deployment}
    if not owners:
        return []
    out: list[Sample] = []
    last = None
    for raw in session.get("samples", {}).get(ns, []):
        s = Sample(
            t=raw["t"],
            pods={k: v for k, v in raw["pods"].items() if k in owners},
            terminating={k: v for k, v in raw["terminating"].items() if k in owners},
            rs_spec={k: v for k, v in raw["rs_spec"].items() if k in owners},
            rs_available={k: v for k, v in raw["rs_available"].items() if k in owners},
            ready_endpoints=dict(raw["ready_endpoints"]),
        )
        if s.key() != last:
            out.append(s)
            last = s.key()
    return out


def command_marks(session: dict, ns: str) -> list[tuple[float, str]] | None:
    """(seconds, command line) of the commands that changed namespace `ns`, for a chart's time axis.

    None for a session written before kubesim kept command lines (it has no ``commands``).
    """
    if "commands" not in session:
        return None
    return [(c["t"] / 1000, shlex.join(c["argv"])) for c in session["commands"] if ns in c["namespaces"]]
