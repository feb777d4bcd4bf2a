"""The v1.36 defaulters and the registry strategies' `PrepareForCreate` resets, per kind (`DEFAULTERS`).

Mirrors `pkg/apis/apps/v1/defaults.go`, `pkg/apis/core/v1/defaults.go` and the strategies' `PrepareForCreate`
(status reset, Namespace finalizers, Service ipFamilies).
"""

from __future__ import annotations

import re

from kubesim.model.kinds import KINDS
from kubesim.model.qos import qos_class

from .schema import VOLUME

def set_defaults(obj: dict, kind: str) -> None:
    """Apply the v1.36 defaulters and `PrepareForCreate` status resets to `obj` in place."""
    meta = obj.setdefault("metadata", {})
    if not KINDS[kind].namespaced:
        meta.pop("namespace", None)
    elif not meta.get("namespace"):
        meta["namespace"] = "default"
    obj.pop("status", None)
    DEFAULTERS[kind](obj)


def _default_deployment(obj: dict) -> None:
    """Mirror `SetDefaults_Deployment` (pkg/apis/apps/v1/defaults.go)."""
    spec = obj.setdefault("spec", {})
    spec.setdefault("replicas", 1)
    strategy = spec.setdefault("strategy", {})
    strategy.setdefault("type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        rolling = strategy.setdefault("rollingUpdate", {})
        rolling.setdefault("maxUnavailable", "25%")
        rolling.setdefault("maxSurge", "25%")
    spec.setdefault("revisionHistoryLimit", 10)
    spec.setdefault("progressDeadlineSeconds", 600)
    _drop_zero(spec, "minReadySeconds", "paused")
    _default_template(spec)


def _default_replicaset(obj: dict) -> None:
    """Mirror `SetDefaults_ReplicaSet`: only `replicas` nil -> 1 (apps/v1 does not default the selector)."""
    spec = obj.setdefault("spec", {})
    spec.setdefault("replicas", 1)
    _drop_zero(spec, "minReadySeconds")
    _default_template(spec)


def _default_template(spec: dict) -> None:
    template = spec.setdefault("template", {})
    template.setdefault("metadata", {})
    _default_pod_spec(template.setdefault("spec", {}))


def _drop_zero(spec: dict, *keys: str) -> None:
    """Drop `omitempty` scalars that are at their zero value, as JSON encoding would."""
    for key in keys:
        if key in spec and not spec[key]:
            del spec[key]


def _default_pod(obj: dict) -> None:
    """Mirror `SetDefaults_Pod` + `SetDefaults_PodSpec` and the pod strategy's create-time status."""
    spec = obj.setdefault("spec", {})
    _default_pod_spec(spec)
    spec.setdefault("enableServiceLinks", True)
    obj["status"] = {"phase": "Pending", "qosClass": qos_class(spec)}


def _default_pod_spec(spec: dict) -> None:
    """Mirror `SetDefaults_PodSpec`, `SetDefaults_Container`, `SetDefaults_Volume` and the probe defaulters."""
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("securityContext", {})
    spec.setdefault("schedulerName", "default-scheduler")
    for container in spec.get("containers", []):
        if isinstance(container, dict):
            _default_container(container)
    for volume in spec.get("volumes", []):
        if isinstance(volume, dict):
            _default_volume(volume)


def _default_container(container: dict) -> None:
    if not container.get("imagePullPolicy"):
        container["imagePullPolicy"] = "Always" if image_tag(container.get("image", "")) == "latest" else "IfNotPresent"
    container.setdefault("terminationMessagePath", "/dev/termination-log")
    container.setdefault("terminationMessagePolicy", "File")
    container.setdefault("resources", {})
    for port in container.get("ports", []):
        if not port.get("protocol"):
            port["protocol"] = "TCP"
    for key in ("livenessProbe", "readinessProbe", "startupProbe"):
        if isinstance(container.get(key), dict):
            _default_probe(container[key])


def _default_probe(probe: dict) -> None:
    """Mirror `SetDefaults_Probe` and `SetDefaults_HTTPGetAction`."""
    for key, default in (("timeoutSeconds", 1), ("periodSeconds", 10), ("successThreshold", 1), ("failureThreshold", 3)):
        if not probe.get(key):
            probe[key] = default
    action = probe.get("httpGet")
    if isinstance(action, dict):
        if not action.get("path"):
            action["path"] = "/"
        if not action.get("scheme"):
            action["scheme"] = "HTTP"


VOLUME_SOURCES = tuple(key for key in VOLUME[2] if key != "name")


def _default_volume(volume: dict) -> None:
    """Mirror `SetDefaults_Volume` (no source -> emptyDir) and the 0644 defaultMode of configMap/secret."""
    if not any(volume.get(key) is not None for key in VOLUME_SOURCES):
        volume["emptyDir"] = {}
    for key in ("configMap", "secret"):
        source = volume.get(key)
        if isinstance(source, dict) and source.get("defaultMode") is None:
            source["defaultMode"] = 420


_DIGEST_RE = re.compile(r"@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}\Z")
_REFERENCE_RE = re.compile(
    r"(?:(?P<domain>(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*"
    r"[a-zA-Z0-9]))*(?::[0-9]+)?)/)?(?P<path>[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)"
    r"[a-z0-9]+)*)*)(?::(?P<tag>[\w][\w.-]{0,127}))?\Z"
)


def image_tag(image: str) -> str:
    """Return the tag `parsers.ParseImageName` finds: "latest" when there is neither tag nor digest, "" if invalid."""
    digest = _DIGEST_RE.search(image)
    name = image[: digest.start()] if digest else image
    match = _REFERENCE_RE.match(name)
    if match is None:
        return ""
    if match.group("domain") and "." not in match.group("domain") and ":" not in match.group("domain") \
            and match.group("domain") != "localhost" and match.group("domain").lower() != match.group("domain"):
        return ""
    tag = match.group("tag") or ""
    if not tag and not digest:
        return "latest"
    return tag


def _default_service(obj: dict) -> None:
    """Mirror `SetDefaults_Service` plus the single-stack IPv4 family the REST create fills in."""
    spec = obj.setdefault("spec", {})
    if not spec.get("sessionAffinity"):
        spec["sessionAffinity"] = "None"
    if spec["sessionAffinity"] == "None":
        spec.pop("sessionAffinityConfig", None)
    if not spec.get("type"):
        spec["type"] = "ClusterIP"
    for port in spec.get("ports", []):
        if not port.get("protocol"):
            port["protocol"] = "TCP"
        if port.get("targetPort") in (None, 0, ""):
            port["targetPort"] = port.get("port", 0)
    kind = spec["type"]
    externally_accessible = kind in ("NodePort", "LoadBalancer") or (kind == "ClusterIP" and spec.get("externalIPs"))
    if externally_accessible and not spec.get("externalTrafficPolicy"):
        spec["externalTrafficPolicy"] = "Cluster"
    if not spec.get("internalTrafficPolicy") and kind in ("ClusterIP", "NodePort", "LoadBalancer"):
        spec["internalTrafficPolicy"] = "Cluster"
    if kind == "LoadBalancer" and spec.get("allocateLoadBalancerNodePorts") is None:
        spec["allocateLoadBalancerNodePorts"] = True
    if kind != "ExternalName":
        spec.setdefault("ipFamilyPolicy", "SingleStack")
        spec.setdefault("ipFamilies", ["IPv4"])
    obj["status"] = {"loadBalancer": {}}


def _default_namespace(obj: dict) -> None:
    """Mirror `SetDefaults_Namespace` (name label) and the namespace strategy's finalizer and phase."""
    meta = obj["metadata"]
    if meta.get("name"):
        meta.setdefault("labels", {})["kubernetes.io/metadata.name"] = meta["name"]
    obj["spec"] = {"finalizers": ["kubernetes"]}
    obj["status"] = {"phase": "Active"}


#: Kind -> its v1.36 defaulters (`SetObjectDefaults_*`), for every kind `apply -f` accepts.
DEFAULTERS = {
    "Deployment": _default_deployment,
    "ReplicaSet": _default_replicaset,
    "Pod": _default_pod,
    "Service": _default_service,
    "ConfigMap": lambda o: None,
    "Namespace": _default_namespace,
}
