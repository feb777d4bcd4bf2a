"""kubesim: the kit around the model — drivers, invariants, the CLI, the report.

The public names for testing another implementation (imported on first use):

* `Driver`, `Observation`, `load_driver`, `DriverLoadError` (`kubesim.driver`): the protocol a
  system under test implements, and how ``--driver module:Class`` is loaded;
* `ModelDriver` (`kubesim.drivers.model`): the embedded model, a reference to subclass or wrap;
* `ClusterDriver` (`kubesim.drivers.cluster`): any real cluster through a kubeconfig context;
* `InvariantMonitor`, `InvariantViolation` (`kubesim.invariants`): the invariants, checked live.
"""

from __future__ import annotations

import importlib

_PUBLIC = {
    "Driver": "kubesim.driver",
    "Observation": "kubesim.driver",
    "load_driver": "kubesim.driver",
    "DriverLoadError": "kubesim.driver",
    "ModelDriver": "kubesim.drivers.model",
    "ClusterDriver": "kubesim.drivers.cluster",
    "InvariantMonitor": "kubesim.invariants",
    "InvariantViolation": "kubesim.invariants",
}

__all__ = sorted(_PUBLIC)


def __getattr__(name: str):
    if name in _PUBLIC:
        return getattr(importlib.import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'kubesim' has no attribute {name!r}")
