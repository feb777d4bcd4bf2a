"""Third-party drivers for the differential tests, loaded by spec (``tests.differential.thirdparty:Class``)."""

from __future__ import annotations

from kubesim import model as m
from kubesim.drivers.model import ModelDriver


class SimulatedNodes(ModelDriver):
    """A system whose nodes run no containers (as KWOK's): everything but the ``kubelet`` capability."""

    name = "simulated-nodes"
    capabilities = ModelDriver.capabilities - {"kubelet"}

    def __init__(self) -> None:
        super().__init__(namespace="third-party")


class LiveEnv(ModelDriver):
    """A system with the common ConfigMap mistake: a running container's environment follows the ConfigMap."""

    name = "live-env"

    def __init__(self) -> None:
        super().__init__(namespace="third-party")

    def exec_env(self, pod: str, container: str | None = None) -> dict[str, str]:
        env = super().exec_env(pod, container)
        for c in self.get("Pod", pod)["spec"]["containers"]:
            for source in c.get("envFrom") or ():
                cm = self.get("ConfigMap", source["configMapRef"]["name"])
                if cm is not None:
                    env.update(cm.get("data") or {})
        return env


class Reseeded(ModelDriver):
    """The model with other names, uids, IPs and clock: another seed, epoch and namespace."""

    name = "reseeded"

    def __init__(self) -> None:
        super().__init__(namespace="reseeded", config=m.Config(seed=99, epoch=1_800_000_000))
