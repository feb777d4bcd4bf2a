"""The invariant registry: the vocabulary, `Violation`, the `invariant` decorator that files a rule under its
layer, the user `Request` the request layer reads, and the entry points that run the layers over observations."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

from kubesim.driver import Observation


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


@dataclass(frozen=True)
class Request:
    """A user request as invariants see it: a verb, a Deployment name and arguments."""

    verb: str
    name: str
    args: dict = field(default_factory=dict)
