"""The embedded driver: the pure model, run in-process.

It keeps the current `ClusterState` and replaces it after each request; observers see
every intermediate state the engine passes through (each controller step).
"""

from __future__ import annotations

from bisect import insort
from itertools import compress
from operator import is_not
from typing import Callable

from immutables import Map

from kubesim import model as m
from kubesim.model.kinds import CLUSTER_SCOPED
from kubesim.model.pmap import EMPTY

from ..driver import KINDS, NotSettledError, Observation


#: Tables of at most this many objects are listed afresh (see `_listing`).
_SMALL = 8


def _listing(st: m.ClusterState, kind: str, ns: str | None, table: Map, before: tuple | None) -> tuple:
    """(table, its keys, sorted keys in `ns`, {key: stored value}, {key: API object}, the API objects in key order):
    `ClusterState.list(kind, ns)` of `st`, whose table of `kind` is `table`, re-using what `before` (the same tuple
    for an earlier table) found: its sorted keys, and the API object of each key whose stored value is the same object.
    """
    if len(table) <= _SMALL:  # listed afresh: cheaper than comparing with `before`
        read = st.table(kind)
        return (table, None, None, None, None, [read[k] for k in sorted(k for k in table.keys() if ns is None or k[0] == ns)])
    keys = set(table.keys())
    if before is None or before[1] is None:
        order = sorted(k for k in keys if ns is None or k[0] == ns)
        same_as = None
    else:
        _, old_keys, order, same_as, objects_of, _ = before
        added, removed = keys - old_keys, old_keys - keys
        if ns is not None:
            added = [k for k in added if k[0] == ns]
        if removed:
            order = sorted(k for k in keys if ns is None or k[0] == ns)
        elif added:
            order = list(order)
            for k in added:
                insort(order, k)
    stored = list(map(table.__getitem__, order))
    if same_as is None:
        read = st.table(kind)
        objs = list(map(read.__getitem__, order))
    else:
        objs = list(map(objects_of.get, order))
        read = None
        for i in compress(range(len(order)), map(is_not, stored, map(same_as.get, order))):
            if read is None:
                read = st.table(kind)
            objs[i] = read[order[i]]
    return (table, keys, order, dict(zip(order, stored)), dict(zip(order, objs)), objs)


#: config -> `model.new_cluster(config)`: a state is an immutable value, so every driver can start from the same one.
_FRESH: dict = {}


def _fresh_cluster(config: m.Config | None) -> m.ClusterState:
    """`model.new_cluster(config)`, made once per config (a fresh cluster is the same value each time: no
    randomness, and its uids come from the config's seed)."""
    try:
        st = _FRESH.get(config)
    except TypeError:  # a config holding something unhashable: made afresh
        return m.new_cluster(config)
    if st is None:
        if len(_FRESH) >= 16:
            _FRESH.clear()
        st = _FRESH[config] = m.new_cluster(config)
    return st


class ModelDriver:
    """`Driver` over `model`. Time is logical; `settle` runs the engine until nothing changes."""

    name = "model"
    capabilities = frozenset({"time", "faults", "images", "interleave", "kubelet"})

    def __init__(self, namespace: str = "default", config: m.Config | None = None, settle_limit_s: float = 3600.0) -> None:
        self.namespace = namespace
        self.config = config
        self.settle_limit_ms = int(settle_limit_s * 1000)
        self.state = _fresh_cluster(config)
        self._subscribers: list[Callable[[Observation], None]] = []
        #: kind -> (the state's table it was listed from, {key: (stored value, API object)}, the list)
        self._listed: dict[str, tuple] = {}
        self._scopes: tuple = ((), None)  # ((kind, namespace listed) for each kind, for namespace)
        self._last: tuple = (None, None)  # (the state's `objects` last listed, when every table was a map; its lists)

    # ----- lifecycle
    def start(self) -> None:
        self.state = _fresh_cluster(self.config)
        if self.namespace != "default":
            self.apply(f"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {self.namespace}\n")

    def stop(self) -> None:
        self._subscribers.clear()

    # ----- requests
    def _do(self, action) -> str:
        st, line = m.perform(self.state, action)
        self._set(st)
        return line

    def _set(self, st: m.ClusterState) -> None:
        self.state = st
        if self._subscribers:
            obs = self._observation(st)
            for cb in list(self._subscribers):
                cb(obs)

    def apply(self, text: str, source: str = "-") -> list[str]:
        lines = []
        for doc in m.load_documents(text, source):
            obj = doc.obj
            md = obj.get("metadata")
            if isinstance(md, dict) and obj.get("kind") != "Namespace" and not md.get("namespace"):
                obj = {**obj, "metadata": {**md, "namespace": self.namespace}}
            try:
                lines.append(self._do(m.Apply(obj)))
            except (m.ApiError, m.ManifestError) as err:
                err.source, err.document_index = source, doc.index
                raise
        return lines

    def delete(self, kind: str, name: str, cascade: str = "background") -> str:
        return self._do(m.Delete(kind, name, self.namespace, cascade))

    def get(self, kind: str, name: str) -> dict | None:
        return self.state.get(kind, "" if kind == "Namespace" else self.namespace, name)

    def list(self, kind: str) -> list[dict]:
        return self.state.list(kind, None if kind == "Namespace" else self.namespace)

    def scale(self, kind: str, name: str, replicas: int) -> str:
        return self._do(m.Scale(kind, name, replicas, self.namespace))

    def set_image(self, name: str, container: str, image: str) -> str:
        return self._do(m.SetImage(name, container, image, self.namespace))

    def rollout_undo(self, name: str, to_revision: int = 0) -> str:
        return self._do(m.RolloutUndo(name, to_revision, self.namespace))

    def rollout_restart(self, name: str) -> str:
        return self._do(m.RolloutRestart(name, self.namespace))

    def rollout_pause(self, name: str) -> str:
        return self._do(m.RolloutPause(name, self.namespace))

    def rollout_resume(self, name: str) -> str:
        return self._do(m.RolloutResume(name, self.namespace))

    def exec_env(self, pod: str, container: str | None = None) -> dict[str, str]:
        obj = self.get("Pod", pod)
        if obj is None:
            raise m.ApiError.not_found("pods", pod, self.namespace)
        env = m.container_env(self.state, self.namespace, pod, container)
        if env is None:
            cname = container or obj["spec"]["containers"][0]["name"]
            raise m.ControllerError(f'unable to upgrade connection: container not found ("{cname}")')
        return dict(env)

    def env_version(self) -> tuple | None:
        """The state's container records and its ConfigMap table (immutable maps), or None: while both are the very
        same objects, `exec_env` gives the same answer for every running container of the pods it is asked about
        (`model.container_env` reads only the records; the ConfigMaps are there for a broken model, such as the
        `env_updated_live` mutant, whose environments follow them). None when a subclass (or the instance) answers
        `exec_env` its own way, or either map is a transient's builder."""
        if type(self).exec_env is not ModelDriver.exec_env or "exec_env" in self.__dict__:
            return None
        runtime, configmaps = self.state.runtime, self.state.objects.get("ConfigMap", EMPTY)
        return (runtime, configmaps) if type(runtime) is Map and type(configmaps) is Map else None

    def read_file(self, pod: str, path: str, container: str | None = None) -> str | None:
        return m.container_files(self.state, self.namespace, pod, container).get(path)

    # ----- time
    def settle(self, timeout: float = 600.0) -> None:
        """Run until nothing changes; `timeout` is logical seconds here."""
        limit = int(min(timeout, self.settle_limit_ms / 1000) * 1000)
        observe = self._set if self._subscribers else None
        st = m.settle(self.state, max_ms=limit, observe=observe)
        self.state = st
        if not st.settled:
            pending = [w for w in st.pending_work()][:3]
            raise NotSettledError(
                f"The model did not settle within {limit / 1000:g}s of logical time (t={st.now / 1000:g}s): "
                f"queued {pending}, next timer at t={st.next_timer() / 1000 if st.next_timer() is not None else None}s."
            )

    def advance(self, seconds: float) -> None:
        ms = int(round(seconds * 1000))
        if self._subscribers:
            obs_cb = lambda s: self._set(s)  # noqa: E731
            self._set(m.advance(self.state, ms, observe=obs_cb))
        else:
            self.state = m.advance(self.state, ms)

    # ----- observation
    def _observation(self, st: m.ClusterState) -> Observation:
        """The observation of `st`, with the lists of kinds unchanged since the last one shared with it.

        The state's tables are immutable maps whose stored values are never modified, so a table
        that is the very one listed last time gives the same list, and a stored value that is the
        same object at the same key gives the same API object (an Event is stored compactly and
        built on reading, which is most of the cost of listing). The objects and their order are
        those of `ClusterState.list`.
        """
        tables, listed = st.objects, self._listed
        scopes, scoped_for = self._scopes
        if scoped_for != self.namespace:
            scopes = tuple((k, None if k in CLUSTER_SCOPED else self.namespace) for k in KINDS)
            self._scopes = (scopes, self.namespace)
            listed.clear()
            self._last = (None, None)
        last = self._last
        if last[0] is tables:  # no object changed (only time, queues or timers): the same lists
            return Observation.made(st.now / 1000, dict(last[1]))
        objects = {}
        plain = True  # every table listed is a map (none a transient's builder, which could still change)
        for kind, ns in scopes:
            table = tables.get(kind)
            hit = listed.get(kind)
            if hit is not None and hit[0] is table:
                objects[kind] = hit[-1]
                continue
            if table is None or type(table) is not Map:  # no such table, or a transient's builder: list it plainly
                objects[kind] = out = st.list(kind, ns)
                if table is None:
                    listed[kind] = (None, None, None, None, None, out)
                else:
                    listed.pop(kind, None)
                    plain = False
                continue
            listed[kind] = entry = _listing(st, kind, ns, table, hit)
            objects[kind] = entry[-1]
        self._last = (tables, objects) if plain else (None, None)
        return Observation.made(st.now / 1000, objects)

    def observe(self) -> Observation:
        obs = self._observation(self.state)
        return Observation(time=obs.time, objects={k: list(v) for k, v in obs.objects.items()})

    def shared_observation(self) -> Observation:
        """`observe()` without copying: the lists (and objects) are shared with the observations subscribers were
        shown, so they must not be modified (the invariant monitor only reads them). A subclass with an `observe`
        of its own gets that."""
        if type(self).observe is not ModelDriver.observe:
            return self.observe()
        return self._observation(self.state)

    def subscribe(self, callback: Callable[[Observation], None]) -> Callable[[], None]:
        self._subscribers.append(callback)
        return lambda: self._subscribers.remove(callback) if callback in self._subscribers else None

    # ----- faults
    def crash(self, pod: str, container: str | None = None) -> None:
        self._do(m.CrashContainer(pod, container, self.namespace))

    def set_readiness(self, pod: str, ready: bool | None) -> None:
        self._do(m.SetReadiness(pod, ready, self.namespace))

    def set_image_behaviour(self, image: str, behaviour: m.ImageBehaviour) -> None:
        self._do(m.SetImageBehaviour(image, behaviour))
