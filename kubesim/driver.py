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
import importlib.util
from dataclasses import dataclass, field
from typing import Callable, Protocol, runtime_checkable

from kubesim.model.kinds import KIND_NAMES as KINDS


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

    @classmethod
    def made(cls, time: float, objects: dict) -> "Observation":
        """``Observation(time, objects)`` without the frozen dataclass's `__init__` (a hot path: one per step)."""
        obs = _new(cls)
        obs.__dict__.update(time=time, objects=objects)
        return obs


_new = object.__new__


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


class DriverLoadError(Exception):
    """A ``--driver`` spec names nothing usable: the message says what and how to fix it."""


#: Methods a driver needs only when it declares the capability.
CAPABILITY_METHODS = {"time": ("advance",), "faults": ("crash", "set_readiness"), "kubelet": ("exec_env", "read_file")}

#: The methods every driver class must define (the `Driver` protocol's, but for capability ones).
REQUIRED_METHODS = tuple(
    name for name, value in vars(Driver).items()
    if callable(value) and not name.startswith("_") and not any(name in group for group in CAPABILITY_METHODS.values())
)  # fmt: skip


def load_driver(spec: str, **options) -> Driver:
    """Instantiate a driver from ``model``, ``cluster`` or ``package.module:Class``.

    The module is imported from ``sys.path`` (the current folder first when kubesim runs
    from a shell). Raises `DriverLoadError` with one clear sentence when the module or the
    class cannot be found, the class lacks methods of `Driver`, or its constructor fails.
    """
    builtin = {"model": "kubesim.drivers.model:ModelDriver", "cluster": "kubesim.drivers.cluster:ClusterDriver"}
    target = builtin.get(spec, spec)
    if spec == "cluster" and importlib.util.find_spec("kubernetes") is None:
        raise DriverLoadError("The cluster driver needs the official kubernetes client: pip install 'kubesim[cluster]'.")
    module_name, _, cls_name = target.partition(":")
    if not module_name or not cls_name:
        raise DriverLoadError(f"Unknown driver {spec!r}: use 'model', 'cluster' or 'package.module:Class'.")
    try:
        module = importlib.import_module(module_name)
    except ImportError as err:
        raise DriverLoadError(f"Cannot import {module_name!r} for driver {spec!r}: {err}. Run from the folder that holds it, or put it on PYTHONPATH.") from None
    except Exception as err:
        raise DriverLoadError(f"Importing {module_name!r} for driver {spec!r} failed: {type(err).__name__}: {err}") from None
    driver_cls = getattr(module, cls_name, None)
    if not isinstance(driver_cls, type):
        raise DriverLoadError(f"Module {module_name!r} has no class {cls_name!r} (driver {spec!r}).")
    try:
        driver = driver_cls(**options)
    except Exception as err:
        raise DriverLoadError(f"Creating the driver {target} failed: {type(err).__name__}: {err}") from None
    declared = getattr(driver, "capabilities", None)
    if not isinstance(declared, (set, frozenset, tuple, list)):
        raise DriverLoadError(f"{target} is not a kubesim driver: it needs `capabilities`, a frozenset such as frozenset({{'time'}}).")
    needed = REQUIRED_METHODS + tuple(name for cap in declared for name in CAPABILITY_METHODS.get(cap, ()))
    missing = [name for name in needed if not callable(getattr(driver, name, None))]
    if missing:
        raise DriverLoadError(f"{target} is not a kubesim driver: it lacks {', '.join(missing)} (see kubesim.driver.Driver).")
    return driver


__all__ = ["Driver", "DriverLoadError", "Observation", "NotSettledError", "CapabilityMissing", "load_driver", "KINDS"]
