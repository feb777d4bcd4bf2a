"""The step layer's container-environment rules, over the `ContainerEnv` pseudo-kind (`kubectl exec printenv`)."""

from __future__ import annotations

from kubesim.driver import Observation

from ..readers import configmap_env_expected, name_of
from ..registry import ENV_KIND, Violation, invariant
from ..view import view


def _env_samples(obs: Observation) -> dict[tuple, dict]:
    return {(s["podUID"], s["container"], s["restartCount"], s["startedAt"]): s for s in obs.of(ENV_KIND)}


@invariant("step", reads=("ContainerEnv",))
def container_env_fixed_while_running(prev: Observation, cur: Observation) -> list[Violation]:
    """A running container's environment never changes.

    Upstream (kubelet `makeEnvironmentVariables`, called from `generateContainerConfig`
    when a container is created): the environment is resolved once per container start;
    ConfigMap changes reach a container only when it restarts. Compares what
    ``printenv`` showed for the same container start (pod UID, container, restartCount,
    startedAt) in both observations.
    """
    before = _env_samples(prev)
    if not before:
        return []
    out = []
    for key, s in _env_samples(cur).items():
        old = before.get(key)
        if old is not None and old["env"] != s["env"]:
            diff = sorted(k for k in set(old["env"]) | set(s["env"]) if old["env"].get(k) != s["env"].get(k))
            shown = ", ".join(f"{k}: {old['env'].get(k)!r} -> {s['env'].get(k)!r}" for k in diff)
            out.append(Violation("container_env_fixed_while_running", f"Pod/{s['pod']}", cur.time, f"container {s['container']} (started {s['startedAt']}) saw its environment change: {shown}"))
    return out


@invariant("step", reads=("ContainerEnv",))
def container_env_matches_configmap_at_start(prev: Observation, cur: Observation) -> list[Violation]:
    """A container starts with the ConfigMap data current at its start.

    Upstream (kubelet `makeEnvironmentVariables`): envFrom copies every key of the
    ConfigMap (v1.34+: no key is skipped), configMapKeyRef one key; `env` entries win.
    Checked on the first observation showing a container start, against the ConfigMaps
    of that observation or the previous one.
    """
    cur_samples = cur.of(ENV_KIND)
    if not cur_samples:
        return []
    before = _env_samples(prev)
    cms_now = {name_of(c): c for c in cur.of("ConfigMap")}
    cms_before = {name_of(c): c for c in prev.of("ConfigMap")}
    cv = view(cur)
    out = []
    for s in cur_samples:
        key = (s["podUID"], s["container"], s["restartCount"], s["startedAt"])
        if key in before:
            continue
        pod = cv.pod_by_name.get(s["pod"])
        spec = next((c for c in ((pod or {}).get("spec") or {}).get("containers") or () if c.get("name") == s["container"]), None)
        if spec is None:
            continue
        env = s["env"]
        wants = [w for w in (configmap_env_expected(spec, cms_now), configmap_env_expected(spec, cms_before)) if w is not None]
        if wants and not any(all(env.get(k) == val for k, val in w.items()) for w in wants):
            w = wants[0]
            diff = ", ".join(f"{k}={env.get(k)!r} (ConfigMap has {val!r})" for k, val in sorted(w.items()) if env.get(k) != val)
            out.append(Violation("container_env_matches_configmap_at_start", f"Pod/{s['pod']}", cur.time, f"container {s['container']} started with {diff}"))
    return out
