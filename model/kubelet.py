"""The node agent: what happens to a pod after the scheduler (`scheduler.py`) has bound it.

The kubelet stand-in runs a bound pod's containers: image pull and start take `Config.container_start_ms`; the environment is
resolved once per container start from `env` / `envFrom` (`makeEnvironmentVariables`),
so ConfigMap changes reach a container only when it (re)starts; a missing ConfigMap or
key leaves the container waiting in `CreateContainerConfigError`, and the pod worker
retries it every `wait.Jitter(backOffPeriod, 0.5)` (10-15 s), repeating the `Failed` event,
until an attempt finds it; readiness follows after the image's or the pod's readiness
delay; a crash restarts the container with back-off (immediately, then 10 s, 20 s, ... up
to 5 min). ConfigMap volumes take a change at the pod's next periodic sync (every
`Config.sync_frequency_ms`, jittered by up to half of it), except subPath mounts. Jitter is
drawn from the cluster's seed.

Ways to ask for special behaviour, shared with the real-cluster node simulator:
an image whose name contains ``never-ready``, or the pod annotation
``kubesim.dev/never-ready: "true"``: the container runs but never becomes ready;
``kubesim.dev/ready-after-seconds: "N"``: ready N seconds after the container starts;
``kubesim.dev/terminate-after-seconds: "N"``: a deleted pod's containers take N seconds to
stop (capped by the grace period; default `Config.shutdown_ms`);
``Config.images``: per-image `ImageBehaviour` (delays, crashes, pull errors).

Abstracts: container images' own environment (only PATH, HOSTNAME and HOME are
added), probes (readiness = the delays above), resource accounting, and node failures;
the pod worker's timing as `podworker.py` says. A missing ConfigMap volume is mounted
the instant it appears (the volume manager's retry back-off is not modelled).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, fields
from functools import lru_cache
from dataclasses import replace as _dataclass_replace

from .clock import rfc3339
from .containerenv import configmaps_used_by, resolve_env
from .events import record_event
from .informers import Controller, Handlers
from .pmap import EMPTY, interner
from .podworker import PLEG_RELIST_MS, next_periodic_sync, retry_attempts
from .state import ClusterState, ImageBehaviour, put_runtime
from .store import remove, set_status
from .workqueue import add_timer

from .images import NEVER_READY_ANNOTATION, READY_AFTER_ANNOTATION, TERMINATE_AFTER_ANNOTATION, image_behaviour, image_ids  # noqa: F401 - the shared image conventions


@dataclass(frozen=True, slots=True)
class ContainerRuntime:
    """One container as the node sees it."""

    name: str
    image: str
    state: str = "waiting"  # waiting | running
    reason: str = "ContainerCreating"
    message: str = ""
    started_ms: int | None = None
    ready: bool = False
    restarts: int = 0
    #: The environment the running container was started with, in order.
    env: tuple = ()
    #: When the next start attempt, readiness or crash is due.
    start_at: int | None = None
    ready_at: int | None = None
    crash_at: int | None = None
    last_terminated: tuple | None = None  # (exitCode, reason, startedAt ms, finishedAt ms)
    #: subPath-mounted ConfigMap files as they were at container start: ((path, content), ...).
    pinned: tuple = ()
    #: A container blocked on its environment: (first failed attempt ms, index of the last attempt, its ms).
    retry: tuple | None = None


@dataclass(frozen=True, slots=True)
class PodRuntime:
    """The kubelet's private view of one pod."""

    ip: str
    host_ip: str
    sandbox_ms: int
    containers: tuple
    ready_ms: int | None = None  # last transition of the Ready condition
    ready: bool = False
    #: A readiness override from the environment (a flapping probe), or None.
    readiness_override: bool | None = None
    stop_at: int | None = None
    #: ConfigMap volume contents as projected on disk: volume name -> data dict.
    volumes: tuple = ()
    volume_refresh_at: int | None = None


def _fast_replace(cls):
    """A `dataclasses.replace` for one frozen slots class, generated with a keyword per field.

    `dataclasses.replace` re-runs `__init__` through keyword dicts: about 10x slower, and
    the kubelet copies its runtime records on every sync.
    """
    names = [f.name for f in fields(cls)]
    params = ", ".join(f"{n}=_KEEP" for n in names)
    body = "\n".join(f"    _set(new, {n!r}, obj.{n} if {n} is _KEEP else {n})" for n in names)
    src = f"def replace_{cls.__name__}(obj, *, {params}):\n    new = _new(cls)\n{body}\n    return new\n"
    ns = {"_KEEP": object(), "_new": object.__new__, "_set": object.__setattr__, "cls": cls}
    exec(src, ns)  # noqa: S102 - generated from the dataclass's own field names
    return ns[f"replace_{cls.__name__}"]


def replace(obj, **changes):
    """`dataclasses.replace` (fast for the kubelet's own records)."""
    fast = _REPLACERS.get(type(obj))
    return fast(obj, **changes) if fast is not None else _dataclass_replace(obj, **changes)


_REPLACERS = {cls: _fast_replace(cls) for cls in (ContainerRuntime, PodRuntime)}


# ----- kubelet ---------------------------------------------------------------------------


def sync_pod(st: ClusterState, ns: str, name: str) -> ClusterState:
    """Move one pod's containers forward to logical time `now` (the kubelet's `SyncPod`)."""
    pod = st.get("Pod", ns, name)
    if pod is None or not pod["spec"].get("nodeName"):
        return st
    key = (ns, name)
    rt: PodRuntime | None = st.runtime.get(key)
    now = st.now
    if pod["metadata"].get("deletionTimestamp"):
        return _terminate(st, pod, rt)
    if rt is None:
        rt = _new_runtime(st, pod)
    containers = []
    changed = False
    for c0 in rt.containers:
        c = c0
        if c.state == "waiting":
            if c.start_at is not None and c.start_at <= now:
                st, c = _start_container(st, pod, c, image_behaviour(st, pod, c.image), rt)
            elif c.reason == "CreateContainerConfigError" and c.start_at is None and c.retry is not None:
                st, c = _retry_blocked(st, pod, c)
            elif c.reason in ("CreateContainerConfigError", "ContainerCreating") and c.start_at is None:
                st, c = _start_container(st, pod, c, image_behaviour(st, pod, c.image), rt)  # mounted on a ConfigMap change
        if c.state == "running" and c.crash_at is not None and c.crash_at <= now:
            st, c = _crash(st, pod, c)
        if c.state == "running" and c.ready_at is not None and c.ready_at <= now:
            c = _shared_runtime(replace(c, ready=True, ready_at=None))
        containers.append(c)
        changed = changed or c is not c0
    if changed:
        rt = replace(rt, containers=_shared_containers(containers))
    st, rt = _sync_volumes(st, pod, rt)
    ready = all(c.ready for c in rt.containers) if rt.readiness_override is None else (rt.readiness_override and all(c.state == "running" for c in rt.containers))
    if ready != rt.ready or rt.ready_ms is None:
        rt = replace(rt, ready=ready, ready_ms=now)
    st = set_status(st, pod, pod_status(st, pod, rt), runtime=rt)
    for c in rt.containers:
        for at in (c.start_at, c.ready_at, c.crash_at, _pleg_attempt(c)):
            if at is not None and at > now:
                st = add_timer(st, at, ("kubelet", ns, name))
    if rt.volume_refresh_at is not None and rt.volume_refresh_at > now:
        st = add_timer(st, rt.volume_refresh_at, ("kubelet", ns, name))
    return st


def _new_runtime(st: ClusterState, pod: dict) -> PodRuntime:
    n = st.seq + 1
    node_index = st.config.nodes.index(pod["spec"]["nodeName"]) if pod["spec"]["nodeName"] in st.config.nodes else 0
    start_at = st.now + st.config.container_start_ms
    containers = _shared_containers([_shared_runtime(ContainerRuntime(name=c["name"], image=c.get("image", ""), start_at=start_at)) for c in pod["spec"].get("containers") or ()])
    return PodRuntime(
        ip=f"10.244.{(n >> 8) % 256}.{n % 256}",
        host_ip=_host_ip(node_index),
        sandbox_ms=st.now,
        containers=containers,
    )


def _start_container(st: ClusterState, pod: dict, c: ContainerRuntime, behaviour: ImageBehaviour, rt: PodRuntime):
    now = st.now
    spec = next(x for x in pod["spec"]["containers"] if x["name"] == c.name)
    if behaviour.pull_error:
        reason = "ErrImagePull" if c.reason != "ErrImagePull" else "ImagePullBackOff"
        msg = f'Back-off pulling image "{c.image}"' if reason == "ImagePullBackOff" else f'failed to pull and unpack image "{c.image}"'
        return st, replace(c, reason=reason, message=msg, start_at=now + st.config.crash_backoff_initial_ms)
    missing = _missing_volume(st, pod)
    if missing is not None:
        st = record_event(st, pod, "Warning", "FailedMount", f'MountVolume.SetUp failed for volume "{missing[0]}" : configmap "{missing[1]}" not found', "kubelet")
        return st, replace(c, state="waiting", reason="ContainerCreating", message="", start_at=None)
    st = _record_pulled(st, pod, c)
    env, err = _start_env(st, pod, spec)
    if err is not None:
        st = record_event(st, pod, "Warning", "Failed", f"Error: {err}", "kubelet")
        first = 0 if c.started_ms is None and c.retry is None else 1  # only a new pod's sandbox brings the PLEG's extra attempt
        return st, replace(c, state="waiting", reason="CreateContainerConfigError", message=err, start_at=None, retry=(now, first, now))
    ready_at = None if behaviour.never_ready else now + behaviour.ready_after_ms
    crash_at = None if behaviour.crash_after_ms is None else now + behaviour.crash_after_ms
    st = record_event(st, pod, "Normal", "Created", "Container created", "kubelet")
    st = record_event(st, pod, "Normal", "Started", "Container started", "kubelet")
    started = replace(
        c,
        state="running",
        reason="",
        message="",
        started_ms=now,
        env=env,
        start_at=None,
        retry=None,
        ready=False,
        ready_at=ready_at,
        crash_at=crash_at,
        pinned=_subpath_files(st, pod, spec),
    )
    if ready_at is not None and ready_at <= now:
        started = replace(started, ready=True, ready_at=None)
    return st, _shared_runtime(started)


#: The HOSTNAME pair a stored environment holds in place of ``("HOSTNAME", <the pod's name>)`` (`_stored_env`),
#: so that the environments, container records and container tuples of pods started alike are one shared value
#: (`_shared_runtime`); `container_env` puts the pod's name back.
POD_HOSTNAME = ("HOSTNAME", None)


def _stored_env(env: tuple, pod_name: str) -> tuple:
    """`env` (from `resolve_env`: PATH, then HOSTNAME, ...) as a container record keeps it (see `POD_HOSTNAME`)."""
    if len(env) > 1 and env[1][0] == "HOSTNAME" and env[1][1] == pod_name:
        return _shared_runtime((env[0], POD_HOSTNAME, *env[2:]))
    return env


def _start_env(st: ClusterState, pod: dict, spec: dict) -> tuple:
    """`resolve_env` of container `spec` at its start, the environment as a container record keeps it
    (`_stored_env`). A container without `env` and `envFrom` sees PATH, HOSTNAME, the Service links and HOME
    only, a function of the Service table, the namespace and `enableServiceLinks`: shared (`_PLAIN_ENV`)."""
    if spec.get("env") or spec.get("envFrom"):
        env, err = resolve_env(st, pod, spec)
        return (env if err is not None else _stored_env(env, pod["metadata"]["name"])), err
    table = st.table("Service")
    memo = (id(table), pod["metadata"]["namespace"], pod["spec"].get("enableServiceLinks", True))
    hit = _PLAIN_ENV.get(memo)
    if hit is not None and hit[0] is table:
        return hit[1], None
    env, err = resolve_env(st, pod, spec)
    if err is not None:
        return env, err
    env = _stored_env(env, pod["metadata"]["name"])
    if len(_PLAIN_ENV) >= 256:
        _PLAIN_ENV.clear()
    _PLAIN_ENV[memo] = (table, env)  # keeps the table alive: its id is not reused meanwhile
    return env, None


#: (id(Service table), namespace, enableServiceLinks) -> (that table, the stored environment of a container
#: without env and envFrom).
_PLAIN_ENV: dict[tuple, tuple] = {}


def _pod_env(env: tuple, pod_name: str) -> tuple:
    """The environment a container record keeps (`_stored_env`) as the container sees it."""
    if len(env) > 1 and env[1] == POD_HOSTNAME:
        return (env[0], ("HOSTNAME", pod_name), *env[2:])
    return env


def _shared_containers(containers: list) -> tuple:
    """`tuple(containers)`, shared by the pods whose container records are the same (shared) ones."""
    ids = tuple(map(id, containers))
    hit = _CONTAINER_TUPLES.get(ids)
    if hit is not None:
        return hit
    if len(_CONTAINER_TUPLES) >= 16384:
        _CONTAINER_TUPLES.clear()
    out = _CONTAINER_TUPLES[ids] = tuple(containers)  # holds the records: their ids are not reused meanwhile
    return out


#: Equal runtime values (container records, environments) kept once: pure values, so sharing them is safe.
_shared_runtime = interner()
#: ids of container records -> the tuple of them (`_shared_containers`).
_CONTAINER_TUPLES: dict = {}


def _record_pulled(st: ClusterState, pod: dict, c: ContainerRuntime) -> ClusterState:
    """`Pulled`, on each start attempt before the container's config (`EnsureImageExists`; never a real pull here)."""
    return record_event(st, pod, "Normal", "Pulled", f'Container image "{c.image}" already present on machine', "kubelet")


def _pleg_attempt(c: ContainerRuntime) -> int | None:
    """When a new pod's blocked container is attempted again because the generic PLEG's relist (`relist`, every
    `genericPlegRelistPeriod`) sees the sandbox its first attempt started: a wake-up the model holds a timer for,
    unlike the pod worker's back-off retries (`completeWork`), so a settled state includes that second attempt."""
    if c.state != "waiting" or c.start_at is not None or c.retry is None:
        return None
    _, k, at = c.retry
    return at + PLEG_RELIST_MS if k == 0 else None


def _retry_blocked(st: ClusterState, pod: dict, c: ContainerRuntime):
    """Play the pod worker's retries of a container blocked on its environment up to now (`retry_attempts`):
    each failed attempt records the `Failed` event again, at its own instant; if the environment resolves
    now, the container starts at the next attempt."""
    spec = next(x for x in pod["spec"]["containers"] if x["name"] == c.name)
    _, err = resolve_env(st, pod, spec)
    failed, retry, start_at = retry_attempts(st, pod["metadata"]["uid"], c.name, c.retry, resolvable=err is None)
    now = st.now
    for at in failed:
        st = _record_pulled(st.evolve(now=at), pod, c)
        st = record_event(st, pod, "Warning", "Failed", f"Error: {c.message}", "kubelet").evolve(now=now)
    return st, replace(c, retry=retry, start_at=start_at)


def _crash(st: ClusterState, pod: dict, c: ContainerRuntime):
    """The container exits with code 1; restart at once the first time, then with back-off."""
    now = st.now
    restarts = c.restarts + 1
    delay = 0 if restarts == 1 else min(st.config.crash_backoff_initial_ms * 2 ** (restarts - 2), st.config.crash_backoff_max_ms)
    if delay:  # `doBackOff`: the first exit finds no back-off entry yet, so the restart is at once and unreported
        st = record_event(st, pod, "Warning", "BackOff", f"Back-off restarting failed container {c.name} in pod {pod['metadata']['name']}_{pod['metadata']['namespace']}({pod['metadata']['uid']})", "kubelet")
    crashed = replace(
        c,
        state="waiting",
        reason="CrashLoopBackOff",
        message=f"back-off {delay // 1000}s restarting failed container={c.name} pod={pod['metadata']['name']}_{pod['metadata']['namespace']}({pod['metadata']['uid']})",
        ready=False,
        ready_at=None,
        crash_at=None,
        restarts=restarts,
        start_at=now + delay,
        last_terminated=(1, "Error", c.started_ms, now),
    )
    if delay == 0:
        behaviour = image_behaviour(st, pod, c.image)
        return _start_container(st, pod, crashed, behaviour, None)
    return st, crashed


def crash_container(st: ClusterState, ns: str, name: str, container: str | None = None) -> ClusterState:
    """Make a running container exit with an error now (an environment event)."""
    pod = st.get("Pod", ns, name)
    rt = st.runtime.get((ns, name))
    if pod is None or rt is None:
        return st
    containers = []
    for c in rt.containers:
        if (container is None or c.name == container) and c.state == "running":
            c = replace(c, crash_at=st.now)
        containers.append(c)
    st = st.evolve(runtime=put_runtime(st, (ns, name), replace(rt, containers=tuple(containers))))
    return sync_pod(st, ns, name)


def set_readiness(st: ClusterState, ns: str, name: str, ready: bool | None) -> ClusterState:
    """Force a pod's readiness probe result (None returns to normal): a flapping probe."""
    rt = st.runtime.get((ns, name))
    if rt is None:
        return st
    st = st.evolve(runtime=put_runtime(st, (ns, name), replace(rt, readiness_override=ready)))
    return sync_pod(st, ns, name)


def _terminate(st: ClusterState, pod: dict, rt: PodRuntime | None) -> ClusterState:
    """Stop a deleted pod's containers; remove the pod once they have exited."""
    md = pod["metadata"]
    key = (md["namespace"], md["name"])
    if rt is None or not rt.containers or all(c.state != "running" for c in rt.containers):
        if rt is None or rt.stop_at is None or rt.stop_at <= st.now:
            return remove(st, "Pod", *key)
    if rt.stop_at is None:
        grace = md.get("deletionGracePeriodSeconds", 30) * 1000
        shutdown = st.config.shutdown_ms
        raw = (md.get("annotations") or {}).get(TERMINATE_AFTER_ANNOTATION)
        if raw is not None:
            try:
                shutdown = int(float(raw) * 1000)
            except ValueError:
                shutdown = 0
        stop_at = st.now + min(shutdown, grace)
        st = st.evolve(runtime=put_runtime(st, key, replace(rt, stop_at=stop_at)))
        for c in rt.containers:
            if c.state == "running":
                st = record_event(st, pod, "Normal", "Killing", f"Stopping container {c.name}", "kubelet")
        if stop_at <= st.now:
            return remove(st, "Pod", *key)
        return add_timer(st, stop_at, ("kubelet", *key))
    if rt.stop_at <= st.now:
        return remove(st, "Pod", *key)
    return st


# ----- ConfigMap volumes -----------------------------------------------------------------


def _configmap_volumes(pod: dict) -> list[tuple[str, dict]]:
    return [(v["name"], v["configMap"]) for v in pod["spec"].get("volumes") or () if v.get("configMap")]


def _missing_volume(st: ClusterState, pod: dict) -> tuple[str, str] | None:
    for vname, src in _configmap_volumes(pod):
        if not src.get("optional") and st.get("ConfigMap", pod["metadata"]["namespace"], src.get("name", "")) is None:
            return vname, src.get("name", "")
    return None


def _volume_data(st: ClusterState, pod: dict, src: dict) -> dict:
    cm = st.get("ConfigMap", pod["metadata"]["namespace"], src.get("name", ""))
    data = dict((cm or {}).get("data") or {})
    if src.get("items"):
        return {it["path"]: data[it["key"]] for it in src["items"] if it["key"] in data}
    return data


def _sync_volumes(st: ClusterState, pod: dict, rt: PodRuntime):
    """Project ConfigMap volumes at start; a later change appears at the pod's next periodic sync."""
    vols = _configmap_volumes(pod)
    if not vols or not any(c.state == "running" for c in rt.containers):
        return st, rt
    current = tuple((name, tuple(sorted(_volume_data(st, pod, src).items()))) for name, src in vols)
    if not rt.volumes:
        return st, replace(rt, volumes=current)
    if current == rt.volumes:
        return st, replace(rt, volume_refresh_at=None)
    if rt.volume_refresh_at is None:
        return st, replace(rt, volume_refresh_at=next_periodic_sync(st, pod["metadata"]["uid"], rt))
    if rt.volume_refresh_at <= st.now:
        return st, replace(rt, volumes=current, volume_refresh_at=None)
    return st, rt


def container_files(st: ClusterState, ns: str, pod_name: str, container: str | None = None) -> dict[str, str]:
    """Return path -> content of the ConfigMap files a container sees now.

    A subPath mount shows the file as it was when the container started.
    """
    pod = st.get("Pod", ns, pod_name)
    rt = st.runtime.get((ns, pod_name))
    if pod is None or rt is None:
        return {}
    spec = next((c for c in pod["spec"]["containers"] if container in (None, c["name"])), None)
    if spec is None:
        return {}
    cr = next(c for c in rt.containers if c.name == spec["name"])
    projected = dict(rt.volumes)
    files: dict[str, str] = {}
    for m in spec.get("volumeMounts") or ():
        data = dict(projected.get(m["name"], ()))
        if m.get("subPath"):
            pinned = dict(cr.pinned)
            if m["mountPath"] in pinned:
                files[m["mountPath"]] = pinned[m["mountPath"]]
            continue
        for k, v in data.items():
            files[f"{m['mountPath'].rstrip('/')}/{k}"] = v
    return files


def _subpath_files(st: ClusterState, pod: dict, spec: dict) -> tuple:
    """Files of subPath ConfigMap mounts, read once at container start (the bind mount pins them)."""
    sources = dict(_configmap_volumes(pod))
    out = []
    for m in spec.get("volumeMounts") or ():
        if m.get("subPath") and m["name"] in sources:
            data = _volume_data(st, pod, sources[m["name"]])
            if m["subPath"] in data:
                out.append((m["mountPath"], data[m["subPath"]]))
    return tuple(out)


def container_env(st: ClusterState, ns: str, pod_name: str, container: str | None = None) -> tuple | None:
    """Return the environment a running container was started with, or None if it is not running."""
    rt = st.runtime.get((ns, pod_name))
    if rt is None:
        return None
    for c in rt.containers:
        if container in (None, c.name):
            return _pod_env(c.env, pod_name) if c.state == "running" else None
    return None


# ----- status ----------------------------------------------------------------------------


#: Status parts equal across pods, shared (stored objects are never mutated): the first four
#: conditions by (sandbox stamp, ready, ready stamp, message), a running state by its stamp.
_CONDITIONS: dict[tuple, tuple] = {}
_NO_LAST_STATE: dict = {}
_RUNNING: dict[str, dict] = {}
#: (condition key, id(PodScheduled condition)) -> (that condition, the conditions list): pods whose
#: conditions are all equal share the list too.
_CONDITION_LISTS: dict[tuple, tuple] = {}


@lru_cache(maxsize=1024)
def _waiting_state(reason: str, message: str) -> dict:
    """A waiting container's state (shared by the containers waiting alike; never mutated)."""
    return {"waiting": {"reason": reason, "message": message} if message else {"reason": reason}}


def _container_id(pod_uid: str, name: str, restarts: int) -> str:
    """The runtime's id of one container instance (derived, not random)."""
    return hashlib.blake2b(f"{pod_uid}:{name}:{restarts}".encode(), digest_size=32).hexdigest()


@lru_cache(maxsize=1024)
def _host_ip(node_index: int) -> str:
    """The node's address (one string per node, shared by its pods' records)."""
    return f"172.18.0.{2 + node_index}"


@lru_cache(maxsize=1024)
def _host_ips(host_ip: str) -> list:
    return [{"ip": host_ip}]


def pod_status(st: ClusterState, pod: dict, rt: PodRuntime) -> dict:
    """The pod status the kubelet reports for `rt` (`generateAPIPodStatus`)."""
    epoch = st.config.epoch
    old = pod["status"]
    sched = None
    for c in old.get("conditions") or ():
        if c.get("type") == "PodScheduled":
            sched = c
            break
    sandbox = rfc3339(epoch, rt.sandbox_ms)
    ready_stamp = rfc3339(epoch, rt.ready_ms if rt.ready_ms is not None else rt.sandbox_ms)
    unready = [c.name for c in rt.containers if not c.ready]
    msg = None
    if not rt.ready:
        msg = f"containers with unready status: [{' '.join(unready)}]" if unready else "readiness probe failed"
    # The kubelet's SyncPod waits for the pod's volumes (WaitForAttachAndMount) before the
    # runtime creates the sandbox, which gives the pod its IP: a pod whose ConfigMap volume
    # never mounted has no sandbox, so no IP, and is not ready to start containers.
    no_sandbox = _missing_volume(st, pod) is not None and all(c.started_ms is None and c.last_terminated is None for c in rt.containers)
    ckey = (sandbox, rt.ready, ready_stamp, msg, no_sandbox)
    shared = _CONDITIONS.get(ckey)
    if shared is None:
        # Stored objects are never mutated, so pods whose conditions are equal share the dicts.
        ready_cond = {"type": "Ready", "status": "True" if rt.ready else "False", "lastProbeTime": None, "lastTransitionTime": ready_stamp}
        cready_cond = {"type": "ContainersReady", "status": "True" if rt.ready else "False", "lastProbeTime": None, "lastTransitionTime": ready_stamp}
        if not rt.ready:
            ready_cond.update(reason="ContainersNotReady", message=msg)
            cready_cond.update(reason="ContainersNotReady", message=msg)
        shared = (
            {"type": "PodReadyToStartContainers", "status": "False" if no_sandbox else "True", "lastProbeTime": None, "lastTransitionTime": sandbox},
            {"type": "Initialized", "status": "True", "lastProbeTime": None, "lastTransitionTime": sandbox},
            ready_cond,
            cready_cond,
        )
        if len(_CONDITIONS) >= 4096:
            _CONDITIONS.clear()
        _CONDITIONS[ckey] = shared
    hit = _CONDITION_LISTS.get((ckey, id(sched)))
    if hit is not None and hit[0] is sched:
        conditions = hit[1]
    else:
        conditions = list(shared)
        if sched is not None:
            conditions.append(sched)
        if len(_CONDITION_LISTS) >= 4096:
            _CONDITION_LISTS.clear()
        _CONDITION_LISTS[(ckey, id(sched))] = (sched, conditions)  # keeps `sched` alive: its id is not reused meanwhile
    statuses = []
    all_started = True
    for c in rt.containers:
        # in a back-off the status is the exited instance's, whose restart count is one less (`convertContainerStatus`)
        shown = c.restarts - (c.state == "waiting" and c.reason == "CrashLoopBackOff")
        cid = _container_id(pod["metadata"]["uid"], c.name, shown) if c.started_ms is not None or c.last_terminated is not None else None
        ref, image_id = image_ids(c.image)
        if c.started_ms is not None:
            cs = {"containerID": f"containerd://{cid}", "image": ref, "imageID": image_id}
        else:
            cs = {"image": ref, "imageID": ""}
        cs["lastState"] = _NO_LAST_STATE
        cs["name"] = c.name
        cs["ready"] = c.ready
        cs["restartCount"] = shown
        cs["started"] = c.state == "running"
        cs["state"] = {}
        if c.state == "running":
            stamp = rfc3339(epoch, c.started_ms)
            running = _RUNNING.get(stamp)
            if running is None:
                if len(_RUNNING) >= 4096:
                    _RUNNING.clear()
                running = _RUNNING[stamp] = {"running": {"startedAt": stamp}}
            cs["state"] = running
        else:
            cs["state"] = _waiting_state(c.reason, c.message)
        if c.last_terminated is not None:
            code, reason, started, finished = c.last_terminated
            cs["lastState"] = {
                "terminated": {
                    "containerID": f"containerd://{cid}",
                    "exitCode": code,
                    "finishedAt": rfc3339(epoch, finished),
                    "reason": reason,
                    "startedAt": rfc3339(epoch, started if started is not None else finished),
                }
            }
        if c.started_ms is None and c.last_terminated is None:
            all_started = False
        statuses.append(cs)
    status = {
        "conditions": conditions,
        "containerStatuses": statuses[:],  # exactly sized: appending left room for more
        "hostIP": rt.host_ip,
        "hostIPs": _host_ips(rt.host_ip),
        "phase": "Running" if all_started else "Pending",
        "podIP": rt.ip,
        "podIPs": [{"ip": rt.ip}],
        "qosClass": old.get("qosClass", "BestEffort"),
        "startTime": sandbox,
    }
    if no_sandbox:
        del status["podIP"], status["podIPs"]
    return status


# ----- watches: the kubelet's pod source and its ConfigMap manager -----------------------


def add_pod(queue: list, st: ClusterState, pod: dict, ref: dict | None) -> None:
    """The pod config source (`config.PodConfig`): a pod bound to the node is synced."""
    if pod["spec"].get("nodeName"):
        md = pod["metadata"]
        queue.append(("kubelet", md.get("namespace", ""), md["name"]))


def update_pod(queue: list, st: ClusterState, old: dict, cur: dict, ref: dict | None, status_only: bool) -> None:
    """A bound pod's spec or metadata changed: sync it (the kubelet's own status writes enqueue nothing)."""
    if not status_only:
        add_pod(queue, st, cur, ref)


def configmap_changed(queue: list, st: ClusterState, cm: dict, ref: dict | None = None) -> None:
    """A ConfigMap was created, changed or deleted: sync the bound pods that use it (the ConfigMap
    manager's watch, which refreshes what those pods see)."""
    md = cm["metadata"]
    ns, name = md.get("namespace", ""), md["name"]
    for pod in st.list("Pod", ns):
        if name in configmaps_used_by(pod) and pod["spec"].get("nodeName"):
            queue.append(("kubelet", ns, pod["metadata"]["name"]))


def update_configmap(queue: list, st: ClusterState, old: dict, cur: dict, ref: dict | None, status_only: bool) -> None:
    """`configmap_changed` of the ConfigMap as it is now."""
    configmap_changed(queue, st, cur, ref)


CONTROLLER = Controller(
    "kubelet",
    sync_pod,
    {"Pod": Handlers(add_pod, update_pod), "ConfigMap": Handlers(configmap_changed, update_configmap, configmap_changed)},
)


__all__ = ["sync_pod", "crash_container", "set_readiness", "container_env", "container_files", "PodRuntime", "ContainerRuntime", "EMPTY"]
