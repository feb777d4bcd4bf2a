"""The driver interface: how scenarios, invariant monitors and `kubesim check` reach a system.

A system under test is anything that behaves like a Kubernetes control plane: the
embedded model (`kubesim.drivers.model.ModelDriver`), a real cluster
(`kubesim.drivers.cluster.ClusterDriver`), or a third party's implementation. A driver
is one class with the methods of `Driver`; select it with ``--driver module:Class``.

Everything a driver returns is Kubernetes API JSON (what `kubectl get -o json` shows).
Errors are `model.errors.ApiError` (the server refused), `ManifestError` (kubectl
refused before sending) or `ControllerError` (kubectl's own ``error: ...``), so
scenarios can assert on the same messages whatever the system.

Capabilities say what a driver can do beyond the API: ``time`` (advance logical time
on request), ``faults`` (crash a container, force readiness), ``images`` (declare how
an image behaves), ``interleave`` (let the caller choose which controller acts next),
``kubelet`` (nodes run real containers: environment and files can be read with exec,
and a missing ConfigMap blocks a container; simulated KWOK nodes cannot).
Scenarios that need one carry the matching tag and are skipped, with the reason, on
drivers without it.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Callable, Iterable, Protocol, runtime_checkable

KINDS = ("Namespace", "ConfigMap", "Service", "Endpoints", "Deployment", "ReplicaSet", "Pod", "Event")


@dataclass(frozen=True)
class Observation:
    """One consistent snapshot of the namespace under test.

    `time` is seconds since the driver started (logical for the model, wall-clock for a
    cluster); `objects` maps a kind to its objects sorted by name.
    """

    time: float
    objects: dict = field(default_factory=dict)

    def of(self, kind: str) -> list[dict]:
        return self.objects.get(kind, [])

    def get(self, kind: str, name: str) -> dict | None:
        return next((o for o in self.of(kind) if o["metadata"]["name"] == name), None)


class NotSettledError(AssertionError):
    """`settle` gave up: the message names what is still changing."""


class CapabilityMissing(Exception):
    """The driver cannot do what a scenario asks (e.g. move time on a real cluster)."""


@runtime_checkable
class Driver(Protocol):
    """What every system under test provides. Names are relative to `namespace`."""

    name: str
    capabilities: frozenset
    namespace: str

    def start(self) -> None:
        """Prepare a fresh, empty namespace for one scenario."""

    def stop(self) -> None:
        """Tear everything down (also after failures); never raise."""

    def apply(self, text: str, source: str = "-") -> list[str]:
        """`kubectl apply -f` a YAML stream; return kubectl's output lines."""

    def delete(self, kind: str, name: str, cascade: str = "background") -> str:
        ...

    def get(self, kind: str, name: str) -> dict | None:
        ...

    def list(self, kind: str) -> list[dict]:
        ...

    def scale(self, kind: str, name: str, replicas: int) -> str:
        ...

    def set_image(self, name: str, container: str, image: str) -> str:
        ...

    def rollout_undo(self, name: str, to_revision: int = 0) -> str:
        ...

    def rollout_restart(self, name: str) -> str:
        ...

    def rollout_pause(self, name: str) -> str:
        ...

    def rollout_resume(self, name: str) -> str:
        ...

    def exec_env(self, pod: str, container: str | None = None) -> dict[str, str]:
        """The environment of a running container (`kubectl exec POD -- printenv`)."""

    def read_file(self, pod: str, path: str, container: str | None = None) -> str | None:
        """A file's content in a running container (`kubectl exec POD -- cat PATH`), or None."""

    def settle(self, timeout: float = 600.0) -> None:
        """Wait until nothing more changes; raise `NotSettledError` naming what did not settle."""

    def advance(self, seconds: float) -> None:
        """Let time pass (capability ``time``; a cluster driver may sleep instead)."""

    def observe(self) -> Observation:
        ...

    def subscribe(self, callback: Callable[[Observation], None]) -> Callable[[], None]:
        """Call `callback` with every intermediate state the driver can see; return an unsubscribe function."""

    def crash(self, pod: str, container: str | None = None) -> None:
        """Make a container exit with an error (capability ``faults``)."""

    def set_readiness(self, pod: str, ready: bool | None) -> None:
        """Force a pod's readiness (capability ``faults``)."""


def load_driver(spec: str, **options) -> Driver:
    """Instantiate a driver from ``model``, ``cluster`` or ``package.module:Class``."""
    builtin = {"model": "kubesim.drivers.model:ModelDriver", "cluster": "kubesim.drivers.cluster:ClusterDriver"}
    target = builtin.get(spec, spec)
    if ":" not in target:
        raise ValueError(f"Unknown driver {spec!r}: use 'model', 'cluster' or 'package.module:Class'.")
    module, _, cls = target.partition(":")
    driver_cls = getattr(importlib.import_module(module), cls)
    return driver_cls(**options)


def require(driver: Driver, capability: str) -> None:
    if capability not in driver.capabilities:
        raise CapabilityMissing(f"The {driver.name} driver cannot {capability!r}.")


__all__ = ["Driver", "Observation", "NotSettledError", "CapabilityMissing", "load_driver", "require", "KINDS"]


def sorted_by_name(objs: Iterable[dict]) -> list[dict]:
    return sorted(objs, key=lambda o: o["metadata"]["name"])
