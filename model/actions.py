"""Every action that can change a cluster, grouped by actor, and `step` that applies one.

User requests are what `kubectl` sends; environment events are what the world does to
pods and time; control-plane actions run one queued controller sync (`RunWork`) or move
time to the next timer (`Tick`). Each record's repr is a valid constructor call, so a
failing sequence prints as a program that replays it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Union

from . import kubectl
from .engine import run_work, tick
from .kubelet import crash_container, set_readiness
from .state import ClusterState, ImageBehaviour
from .workqueue import fire_timers

# ----- user ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Apply:
    """`kubectl apply -f` of one manifest (a dict in API JSON shape)."""

    manifest: dict


@dataclass(frozen=True)
class Delete:
    kind: str
    name: str
    namespace: str = "default"
    cascade: str = "background"


@dataclass(frozen=True)
class Scale:
    kind: str
    name: str
    replicas: int
    namespace: str = "default"


@dataclass(frozen=True)
class SetImage:
    name: str
    container: str
    image: str
    namespace: str = "default"
    kind: str = "Deployment"


@dataclass(frozen=True)
class RolloutUndo:
    name: str
    to_revision: int = 0
    namespace: str = "default"


@dataclass(frozen=True)
class RolloutRestart:
    name: str
    namespace: str = "default"


@dataclass(frozen=True)
class RolloutPause:
    name: str
    namespace: str = "default"


@dataclass(frozen=True)
class RolloutResume:
    name: str
    namespace: str = "default"


# ----- environment -----------------------------------------------------------------------


@dataclass(frozen=True)
class AdvanceTime:
    """Let `ms` of logical time pass without running anything (timers due stay queued by `Tick`)."""

    ms: int


@dataclass(frozen=True)
class CrashContainer:
    pod: str
    container: str | None = None
    namespace: str = "default"


@dataclass(frozen=True)
class SetReadiness:
    """Force a pod's readiness result (None: back to normal)."""

    pod: str
    ready: bool | None
    namespace: str = "default"


@dataclass(frozen=True)
class SetImageBehaviour:
    image: str
    behaviour: ImageBehaviour = field(default_factory=ImageBehaviour)


# ----- control plane ---------------------------------------------------------------------


@dataclass(frozen=True)
class RunWork:
    """Run one queued controller sync, e.g. ``RunWork(("deployment", "default", "web"))``."""

    work: tuple


@dataclass(frozen=True)
class Tick:
    """Move logical time to the earliest timer and queue what is due."""


UserAction = Union[Apply, Delete, Scale, SetImage, RolloutUndo, RolloutRestart, RolloutPause, RolloutResume]
Action = Union[UserAction, AdvanceTime, CrashContainer, SetReadiness, SetImageBehaviour, RunWork, Tick]


def step(st: ClusterState, action: Any) -> ClusterState:
    """Apply one action; raise `ApiError` / `ControllerError` when a request is refused."""
    st, _ = perform(st, action)
    return st


def perform(st: ClusterState, action: Any) -> tuple[ClusterState, str]:
    """Apply one action and return the new state and what kubectl would print."""
    match action:
        case Apply(manifest):
            return kubectl.apply(st, manifest)
        case Delete(kind, name, ns, cascade):
            return kubectl.delete_object(st, kind, ns, name, cascade=cascade)
        case Scale(kind, name, replicas, ns):
            return kubectl.scale(st, kind, ns, name, replicas)
        case SetImage(name, container, image, ns, kind):
            return kubectl.set_image(st, kind, ns, name, {container: image})
        case RolloutUndo(name, to_revision, ns):
            return kubectl.rollout_undo(st, ns, name, to_revision)
        case RolloutRestart(name, ns):
            return kubectl.rollout_restart(st, ns, name)
        case RolloutPause(name, ns):
            return kubectl.rollout_pause(st, ns, name)
        case RolloutResume(name, ns):
            return kubectl.rollout_resume(st, ns, name)
        case AdvanceTime(ms):
            until = st.now + ms
            while st.timer_times and st.timer_times[0] <= until:
                st = fire_timers(st, st.timer_times[0])
            return st.evolve(now=until), ""
        case CrashContainer(pod, container, ns):
            return crash_container(st, ns, pod, container), ""
        case SetReadiness(pod, ready, ns):
            return set_readiness(st, ns, pod, ready), ""
        case SetImageBehaviour(image, behaviour):
            cfg = st.config
            return st.evolve(config=type(cfg)(**{**{f: getattr(cfg, f) for f in cfg.__dataclass_fields__}, "images": cfg.images.set(image, behaviour)})), ""
        case RunWork(work):
            return run_work(st, work), ""
        case Tick():
            return tick(st), ""
    raise TypeError(f"Unknown action {action!r}.")


def enabled(st: ClusterState, limit: int = 8) -> list:
    """The control-plane actions that could run next: the first `limit` queued syncs, else `Tick`."""
    out: list = []
    for w in st.pending_work():
        out.append(RunWork(w))
        if len(out) >= limit:
            break
    if not out and st.timer_times:
        out.append(Tick())
    return out
