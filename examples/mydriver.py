"""A third party's driver: how someone runs kubesim's suite against their own system.

Run it from the folder that holds this file::

    kubesim check --driver mydriver:Honest     # exit 0: every scenario and property holds
    kubesim check --driver mydriver:Buggy      # exit 1: the suite finds the planted bug
    python -m pytest --pyargs kubesim.features --driver mydriver:Buggy

A real driver wraps its own system: `apply` sends YAML to it, `get`/`list` read API JSON
back, `settle` waits until its controllers are idle, and so on (`kubesim.driver.Driver`
lists every method; `capabilities` says which optional ones it has). Here the "system" is
kubesim's embedded model, reached through its public class `kubesim.ModelDriver`, so the
example runs anywhere.

`Buggy` has the most common ConfigMap mistake of hand-written platforms: `exec` shows a
container the ConfigMap's current values, as if environment variables were read live,
where Kubernetes fixes them when the container starts (the article's claim C23).
"""

from __future__ import annotations

from kubesim import ModelDriver


class Honest(ModelDriver):
    """The wrapped system, faithfully: every request passes through unchanged."""

    name = "mydriver"


class Buggy(Honest):
    """The same system, but `exec ... printenv` re-reads the ConfigMaps named by `envFrom`."""

    def exec_env(self, pod: str, container: str | None = None) -> dict[str, str]:
        env = super().exec_env(pod, container)
        spec = self.get("Pod", pod)["spec"]
        for c in spec["containers"]:
            if container not in (None, c["name"]):
                continue
            for source in c.get("envFrom", []):
                ref = source.get("configMapRef")
                cm = self.get("ConfigMap", ref["name"]) if ref else None
                if cm is not None:
                    env.update({source.get("prefix", "") + k: v for k, v in (cm.get("data") or {}).items()})
            break
        return env
