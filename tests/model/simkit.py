"""Builders and recorders shared by the model's unit tests (imported as `simkit`).

Builders return plain API-shaped dicts (what `kubectl apply -f` would send); recorders
read a run of the model through `m.history` and reduce it to the numbers the tests assert.
Nothing here computes an expectation: the tests write their expected numbers literally.
"""

from __future__ import annotations

from kubesim import model as m

NS = "default"


def deployment(
    name: str = "web",
    *,
    replicas: int | None = 3,
    image: str = "nginx:1",
    max_surge=None,
    max_unavailable=None,
    strategy: str | None = None,
    min_ready_seconds: int | None = None,
    progress_deadline_seconds: int | None = None,
    revision_history_limit: int | None = None,
    paused: bool | None = None,
    annotations: dict | None = None,
    env: list | None = None,
    env_from: list | None = None,
    volumes: list | None = None,
    volume_mounts: list | None = None,
    grace_seconds: int | None = None,
    pod_annotations: dict | None = None,
) -> dict:
    """Return an apps/v1 Deployment manifest selecting ``app=<name>`` with one container ``app``."""
    container: dict = {"name": "app", "image": image}
    if env is not None:
        container["env"] = env
    if env_from is not None:
        container["envFrom"] = env_from
    if volume_mounts is not None:
        container["volumeMounts"] = volume_mounts
    pod_spec: dict = {"containers": [container]}
    if volumes is not None:
        pod_spec["volumes"] = volumes
    if grace_seconds is not None:
        pod_spec["terminationGracePeriodSeconds"] = grace_seconds
    tmpl_md: dict = {"labels": {"app": name}}
    if pod_annotations:
        tmpl_md["annotations"] = dict(pod_annotations)
    spec: dict = {
        "selector": {"matchLabels": {"app": name}},
        "template": {"metadata": tmpl_md, "spec": pod_spec},
    }
    if replicas is not None:
        spec["replicas"] = replicas
    if strategy == "Recreate":
        spec["strategy"] = {"type": "Recreate"}
    elif max_surge is not None or max_unavailable is not None:
        ru = {}
        if max_surge is not None:
            ru["maxSurge"] = max_surge
        if max_unavailable is not None:
            ru["maxUnavailable"] = max_unavailable
        spec["strategy"] = {"type": "RollingUpdate", "rollingUpdate": ru}
    if min_ready_seconds is not None:
        spec["minReadySeconds"] = min_ready_seconds
    if progress_deadline_seconds is not None:
        spec["progressDeadlineSeconds"] = progress_deadline_seconds
    if revision_history_limit is not None:
        spec["revisionHistoryLimit"] = revision_history_limit
    if paused is not None:
        spec["paused"] = paused
    md: dict = {"name": name, "namespace": NS}
    if annotations:
        md["annotations"] = dict(annotations)
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": md, "spec": spec}


def replicaset(name: str = "rs", *, replicas: int = 3, labels: dict | None = None, selector: dict | None = None, image: str = "nginx:1") -> dict:
    """Return a bare apps/v1 ReplicaSet manifest."""
    labels = labels or {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {"name": name, "namespace": NS, "labels": dict(labels)},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": dict(selector or labels)},
            "template": {"metadata": {"labels": dict(labels)}, "spec": {"containers": [{"name": "app", "image": image}]}},
        },
    }


def pod(name: str, *, labels: dict | None = None, image: str = "nginx:1", annotations: dict | None = None) -> dict:
    """Return a bare v1 Pod manifest."""
    md: dict = {"name": name, "namespace": NS, "labels": dict(labels or {})}
    if annotations:
        md["annotations"] = dict(annotations)
    return {"apiVersion": "v1", "kind": "Pod", "metadata": md, "spec": {"containers": [{"name": "app", "image": image}]}}


def service(name: str = "web", *, selector: dict | None = None, port: int = 80, target_port=None, type_: str | None = None,
            node_port: int | None = None, ports: list | None = None, publish_not_ready: bool | None = None) -> dict:
    """Return a v1 Service manifest selecting ``app=<name>`` by default."""
    if ports is None:
        p: dict = {"port": port}
        if target_port is not None:
            p["targetPort"] = target_port
        if node_port is not None:
            p["nodePort"] = node_port
        ports = [p]
    spec: dict = {"selector": dict(selector if selector is not None else {"app": name}), "ports": ports}
    if type_ is not None:
        spec["type"] = type_
    if publish_not_ready is not None:
        spec["publishNotReadyAddresses"] = publish_not_ready
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": NS}, "spec": spec}


def configmap(name: str, data: dict) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": NS}, "data": dict(data)}


def run(*actions, st=None, config: m.Config | None = None):
    """Start a cluster (or continue `st`), perform every action, and settle."""
    st = m.new_cluster(config) if st is None else st
    for a in actions:
        st = m.step(st, a)
    return m.settle(st)


def image_of(rs: dict) -> str:
    return rs["spec"]["template"]["spec"]["containers"][0]["image"]


def rs_by_image(st, image: str, ns: str = NS) -> dict | None:
    """The ReplicaSet whose pod template runs `image`."""
    for rs in st.list("ReplicaSet", ns):
        if image_of(rs) == image:
            return rs
    return None


def spec_of(rs: dict | None) -> int:
    return 0 if rs is None else rs["spec"].get("replicas", 1)


def available_of(rs: dict | None) -> int:
    return 0 if rs is None else (rs.get("status") or {}).get("availableReplicas", 0)


def rollout_sizes(st, new_image: str, ns: str = NS):
    """(old spec, old available, new spec, new available) now; "old" sums every other RS."""
    old_spec = old_avail = new_spec = new_avail = 0
    for rs in st.list("ReplicaSet", ns):
        if image_of(rs) == new_image:
            new_spec, new_avail = spec_of(rs), available_of(rs)
        else:
            old_spec += spec_of(rs)
            old_avail += available_of(rs)
    return (old_spec, old_avail, new_spec, new_avail)


def record_rollout(st, new_image: str, *, max_ms: int | None = 3_600_000, ns: str = NS):
    """Run `st` to rest through `m.history`; return (last state, deduplicated `rollout_sizes` steps)."""
    steps: list[tuple] = []
    last = st
    for s in m.history(st, max_ms=max_ms):
        sizes = rollout_sizes(s, new_image, ns)
        if not steps or steps[-1] != sizes:
            steps.append(sizes)
        last = s
    return last, steps


def condition(obj: dict, ctype: str) -> dict | None:
    for c in (obj.get("status") or {}).get("conditions") or ():
        if c.get("type") == ctype:
            return c
    return None


def pods_of(st, ns: str = NS, *, active_only: bool = True) -> list[dict]:
    out = st.list("Pod", ns)
    if active_only:
        out = [p for p in out if not p["metadata"].get("deletionTimestamp")]
    return out


def revision_of(rs: dict) -> str | None:
    return (rs["metadata"].get("annotations") or {}).get("deployment.kubernetes.io/revision")
