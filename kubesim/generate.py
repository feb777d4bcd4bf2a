"""What generated runs are made of: the manifests users apply, and the choices Hypothesis draws them from.

Shared by the stateful machine (`kubesim.stateful`) and the differential runner
(`kubesim.differential`), so both write the same objects the same way. Every manifest is
YAML text, as `yaml.safe_dump` writes it, ready for a ``kubectl apply -f - <<EOF`` heredoc.
"""

from __future__ import annotations

from functools import lru_cache

import yaml
from hypothesis import strategies as st


DEPLOYMENTS = ("web", "web-canary")  # same labels: their selectors overlap, as users sometimes do
#: Images the local cluster's real node holds (cluster/images.py; it reaches no registry), the
#: last one never ready (its name says so, `model.images`).
IMAGES = ("example/web:1", "example/web:2", "rainbow/mc-user:1.0.RELEASE", "rainbow/mc-user:1.1.RELEASE-never-ready")
CONFIGMAP = "web-config"

# maxSurge / maxUnavailable as users write them; None leaves the 25% default.
FENCEPOSTS = (None, 0, 1, 2, "25%", "50%")


def fenceposts():
    """(maxSurge, maxUnavailable) pairs; a literal 0/0 (refused by validation) becomes 0/1."""
    return st.tuples(st.sampled_from(FENCEPOSTS), st.sampled_from(FENCEPOSTS)).map(lambda p: (p[0], 1) if p == (0, 0) else p)


@lru_cache(maxsize=4096)
def deployment_manifest(
    name, replicas, strategy, surge, unavailable, min_ready, history, image, env, ready_after, *, app="web", mount=False
) -> str:
    """The Deployment a user applies: labels app=`app` (default web), one container `web`.

    `mount` adds the ConfigMap's key ``color`` as the file ``/etc/web/color`` (a subPath
    mount, which the kubelet never refreshes, so its content is the ConfigMap's at container start).
    """
    template_md: dict = {"labels": {"app": app}}
    if ready_after:
        template_md["annotations"] = {"kubesim.dev/ready-after-seconds": str(ready_after)}
    container: dict = {"name": "web", "image": image}
    if env == "envFrom":
        container["envFrom"] = [{"configMapRef": {"name": CONFIGMAP}}]
    elif env == "keyRef":
        container["env"] = [{"name": "COLOR", "valueFrom": {"configMapKeyRef": {"name": CONFIGMAP, "key": "color"}}}]
    pod_spec: dict = {"containers": [container]}
    if mount:
        container["volumeMounts"] = [{"name": "config", "mountPath": "/etc/web/color", "subPath": "color"}]
        pod_spec["volumes"] = [{"name": "config", "configMap": {"name": CONFIGMAP}}]
    spec: dict = {"replicas": replicas}
    if min_ready:
        spec["minReadySeconds"] = min_ready
    spec["revisionHistoryLimit"] = history
    if strategy == "Recreate":
        spec["strategy"] = {"type": "Recreate"}
    else:
        ru = {k: v for k, v in (("maxSurge", surge), ("maxUnavailable", unavailable)) if v is not None}
        spec["strategy"] = {"type": "RollingUpdate", **({"rollingUpdate": ru} if ru else {})}
    spec["selector"] = {"matchLabels": {"app": app}}
    spec["template"] = {"metadata": template_md, "spec": pod_spec}
    return _yaml({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name}, "spec": spec})


@lru_cache(maxsize=16)
def configmap_manifest(color: str) -> str:
    return _yaml({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": CONFIGMAP}, "data": {"color": color}})


#: repr(obj) -> its YAML: dumping is slow (clone_deployment dumps the same Deployment again and
#: again), and for plain data `repr` shows everything the dump does (key order, types, values).
_DUMPED: dict[str, str] = {}
#: libyaml's emitter when PyYAML has it: the same text as `yaml.safe_dump` for these manifests
#: (plain maps, lists, strings and integers), four times faster.
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _yaml(obj: dict) -> str:
    key = repr(obj)
    text = _DUMPED.get(key)
    if text is None:
        text = yaml.dump(obj, Dumper=_DUMPER, sort_keys=False, default_flow_style=False)
        if len(_DUMPED) >= 4096:
            _DUMPED.clear()
        _DUMPED[key] = text
    return text


def heredoc(manifest: str) -> str:
    return f"kubectl apply -f - <<EOF\n{manifest.rstrip()}\nEOF"


@lru_cache(maxsize=4)
def service_manifest(service_type: str = "ClusterIP") -> str:
    """Service `web` selecting app=web; a NodePort one lets the API server allocate its port.

    A fixed node port (such as the article's 31000) would collide across namespaces run in parallel.
    """
    spec: dict = {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}]}
    if service_type != "ClusterIP":
        spec = {"type": service_type, **spec}
    return _yaml({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"}, "spec": spec})


SERVICE = service_manifest()

