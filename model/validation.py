"""Decide what the API server makes of an object on create or update: decode it, default it, validate it.

`admit` is the whole pipeline for the served kinds (v1 Pod, Service, ConfigMap, Namespace; apps/v1
ReplicaSet, Deployment). It mirrors, in this order:

* decoding: `sigs.k8s.io/json` strict decoding as the API server runs it for ``fieldValidation=Strict``
  (kubectl's default since v1.27): the first Go type error wins (``json: cannot unmarshal number into Go
  struct field ConfigMap.data of type string``), else every unknown field is listed
  (``strict decoding error: unknown field "spec.foo"``). Go decodes the JSON that kubectl produced from
  YAML, whose map keys are sorted, so fields are visited in sorted order.
* defaulting: `pkg/apis/apps/v1/defaults.go`, `pkg/apis/core/v1/defaults.go` and the registry strategies'
  `PrepareForCreate` (status reset, Namespace finalizers, Service ipFamilies).
* validation: `pkg/apis/apps/validation/validation.go`, `pkg/apis/core/validation/validation.go`,
  `k8s.io/apimachinery/pkg/api/validation/objectmeta.go` and `k8s.io/apimachinery/pkg/util/validation`.

Abstracts: fields the model does not use (resources, securityContext, affinity, ...) are accepted as
opaque JSON; the store, not this module, allocates clusterIP and nodePort, checks the nodePort range
and conflicts, generates names and adds uid/resourceVersion/creationTimestamp/generation. Admission
plugins (ServiceAccount, Priority, DefaultTolerationSeconds) are left out.
"""

from __future__ import annotations

import base64
import binascii
import copy
import json
import math
import re
from typing import Any

from kubesim.model.errors import ApiError, Cause, GoJSON, go_json_string
from kubesim.model.kinds import KINDS
from kubesim.model.qos import qos_class

__all__ = ["admit"]

# =============================================================================================== schema
# A type is a tuple: ("struct", GoName, {json field: type}), ("map", GoType, value type),
# ("slice", GoType, element type), ("string", GoType), ("int32",), ("int64",), ("bool",),
# ("intstr",), ("bytes",) or ("any",).

ANY = ("any",)
STR = ("string", "string")
I32 = ("int32",)
I64 = ("int64",)
BOOL = ("bool",)
INTSTR = ("intstr",)
STR_MAP = ("map", "map[string]string", STR)
STR_LIST = ("slice", "[]string", STR)


def _named(go_type: str) -> tuple:
    return ("string", go_type)


def _struct(name: str, fields: dict) -> tuple:
    return ("struct", name, fields)


OBJECT_META = _struct("ObjectMeta", {
    "name": STR, "generateName": STR, "namespace": STR, "selfLink": STR, "uid": _named("types.UID"),
    "resourceVersion": STR, "generation": I64, "creationTimestamp": ANY, "deletionTimestamp": ANY,
    "deletionGracePeriodSeconds": I64, "labels": STR_MAP, "annotations": STR_MAP, "ownerReferences": ANY,
    "finalizers": STR_LIST, "managedFields": ANY,
})

LABEL_SELECTOR = _struct("LabelSelector", {
    "matchLabels": STR_MAP,
    "matchExpressions": ("slice", "[]v1.LabelSelectorRequirement", _struct("LabelSelectorRequirement", {
        "key": STR, "operator": _named("v1.LabelSelectorOperator"), "values": STR_LIST,
    })),
})

PROBE = _struct("Probe", {
    "exec": ANY,
    "httpGet": _struct("HTTPGetAction", {
        "path": STR, "port": INTSTR, "host": STR, "scheme": _named("v1.URIScheme"), "httpHeaders": ANY,
    }),
    "tcpSocket": _struct("TCPSocketAction", {"port": INTSTR, "host": STR}),
    "grpc": ANY,
    "initialDelaySeconds": I32, "timeoutSeconds": I32, "periodSeconds": I32, "successThreshold": I32,
    "failureThreshold": I32, "terminationGracePeriodSeconds": I64,
})

CONTAINER = _struct("Container", {
    "name": STR, "image": STR, "command": STR_LIST, "args": STR_LIST, "workingDir": STR,
    "ports": ("slice", "[]v1.ContainerPort", _struct("ContainerPort", {
        "name": STR, "hostPort": I32, "containerPort": I32, "protocol": _named("v1.Protocol"), "hostIP": STR,
    })),
    "envFrom": ("slice", "[]v1.EnvFromSource", _struct("EnvFromSource", {
        "prefix": STR,
        "configMapRef": _struct("ConfigMapEnvSource", {"name": STR, "optional": BOOL}),
        "secretRef": ANY,
    })),
    "env": ("slice", "[]v1.EnvVar", _struct("EnvVar", {
        "name": STR, "value": STR,
        "valueFrom": _struct("EnvVarSource", {
            "fieldRef": ANY, "resourceFieldRef": ANY, "secretKeyRef": ANY, "fileKeyRef": ANY,
            "configMapKeyRef": _struct("ConfigMapKeySelector", {"name": STR, "key": STR, "optional": BOOL}),
        }),
    })),
    "resources": ANY, "resizePolicy": ANY, "restartPolicy": _named("v1.ContainerRestartPolicy"),
    "restartPolicyRules": ANY,
    "volumeMounts": ("slice", "[]v1.VolumeMount", _struct("VolumeMount", {
        "name": STR, "readOnly": BOOL, "recursiveReadOnly": ANY, "mountPath": STR, "subPath": STR,
        "mountPropagation": ANY, "subPathExpr": STR,
    })),
    "volumeDevices": ANY, "livenessProbe": PROBE, "readinessProbe": PROBE, "startupProbe": PROBE,
    "lifecycle": ANY, "terminationMessagePath": STR,
    "terminationMessagePolicy": _named("v1.TerminationMessagePolicy"), "imagePullPolicy": _named("v1.PullPolicy"),
    "securityContext": ANY, "stdin": BOOL, "stdinOnce": BOOL, "tty": BOOL,
})

VOLUME = _struct("Volume", {
    "name": STR,
    "configMap": _struct("ConfigMapVolumeSource", {
        "name": STR,
        "items": ("slice", "[]v1.KeyToPath", _struct("KeyToPath", {"key": STR, "path": STR, "mode": I32})),
        "defaultMode": I32, "optional": BOOL,
    }),
    **{source: ANY for source in (
        "hostPath", "emptyDir", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "secret", "nfs", "iscsi",
        "glusterfs", "persistentVolumeClaim", "rbd", "flexVolume", "cinder", "cephfs", "flocker", "downwardAPI",
        "fc", "azureFile", "vsphereVolume", "quobyte", "azureDisk", "photonPersistentDisk", "projected",
        "portworxVolume", "scaleIO", "storageos", "csi", "ephemeral", "image")},
})

POD_SPEC = _struct("PodSpec", {
    "volumes": ("slice", "[]v1.Volume", VOLUME),
    "initContainers": ANY, "containers": ("slice", "[]v1.Container", CONTAINER), "ephemeralContainers": ANY,
    "restartPolicy": _named("v1.RestartPolicy"), "terminationGracePeriodSeconds": I64,
    "activeDeadlineSeconds": I64, "dnsPolicy": _named("v1.DNSPolicy"), "nodeSelector": STR_MAP,
    "serviceAccountName": STR, "serviceAccount": STR, "automountServiceAccountToken": BOOL, "nodeName": STR,
    "hostNetwork": BOOL, "hostPID": BOOL, "hostIPC": BOOL, "shareProcessNamespace": BOOL, "securityContext": ANY,
    "imagePullSecrets": ANY, "hostname": STR, "subdomain": STR, "affinity": ANY, "schedulerName": STR,
    "tolerations": ANY, "hostAliases": ANY, "priorityClassName": STR, "priority": I32, "dnsConfig": ANY,
    "readinessGates": ANY, "runtimeClassName": STR, "enableServiceLinks": BOOL, "preemptionPolicy": ANY,
    "overhead": ANY, "topologySpreadConstraints": ANY, "setHostnameAsFQDN": BOOL, "os": ANY, "hostUsers": BOOL,
    "schedulingGates": ANY, "resourceClaims": ANY, "resources": ANY, "hostnameOverride": STR,
})

POD_TEMPLATE = _struct("PodTemplateSpec", {"metadata": OBJECT_META, "spec": POD_SPEC})

DEPLOYMENT_SPEC = _struct("DeploymentSpec", {
    "replicas": I32, "selector": LABEL_SELECTOR, "template": POD_TEMPLATE,
    "strategy": _struct("DeploymentStrategy", {
        "type": _named("v1.DeploymentStrategyType"),
        "rollingUpdate": _struct("RollingUpdateDeployment", {"maxUnavailable": INTSTR, "maxSurge": INTSTR}),
    }),
    "minReadySeconds": I32, "revisionHistoryLimit": I32, "paused": BOOL, "progressDeadlineSeconds": I32,
})

REPLICASET_SPEC = _struct("ReplicaSetSpec", {
    "replicas": I32, "minReadySeconds": I32, "selector": LABEL_SELECTOR, "template": POD_TEMPLATE,
})

SERVICE_SPEC = _struct("ServiceSpec", {
    "ports": ("slice", "[]v1.ServicePort", _struct("ServicePort", {
        "name": STR, "protocol": _named("v1.Protocol"), "appProtocol": STR, "port": I32, "targetPort": INTSTR,
        "nodePort": I32,
    })),
    "selector": STR_MAP, "clusterIP": STR, "clusterIPs": STR_LIST, "type": _named("v1.ServiceType"),
    "externalIPs": STR_LIST, "sessionAffinity": _named("v1.ServiceAffinity"), "loadBalancerIP": STR,
    "loadBalancerSourceRanges": STR_LIST, "externalName": STR,
    "externalTrafficPolicy": _named("v1.ServiceExternalTrafficPolicy"), "healthCheckNodePort": I32,
    "publishNotReadyAddresses": BOOL, "sessionAffinityConfig": ANY,
    "ipFamilies": ("slice", "[]v1.IPFamily", _named("v1.IPFamily")), "ipFamilyPolicy": _named("v1.IPFamilyPolicy"),
    "allocateLoadBalancerNodePorts": BOOL, "loadBalancerClass": STR,
    "internalTrafficPolicy": _named("v1.ServiceInternalTrafficPolicy"), "trafficDistribution": STR,
})


def _top(kind: str, extra: dict) -> tuple:
    return _struct(kind, {"apiVersion": STR, "kind": STR, "metadata": OBJECT_META, **extra})


SCHEMAS = {
    ("apps/v1", "Deployment"): _top("Deployment", {"spec": DEPLOYMENT_SPEC, "status": ANY}),
    ("apps/v1", "ReplicaSet"): _top("ReplicaSet", {"spec": REPLICASET_SPEC, "status": ANY}),
    ("v1", "Pod"): _top("Pod", {"spec": POD_SPEC, "status": ANY}),
    ("v1", "Service"): _top("Service", {"spec": SERVICE_SPEC, "status": ANY}),
    ("v1", "ConfigMap"): _top("ConfigMap", {
        "data": STR_MAP, "binaryData": ("map", "map[string][]uint8", ("bytes",)), "immutable": BOOL,
    }),
    ("v1", "Namespace"): _top("Namespace", {"spec": _struct("NamespaceSpec", {"finalizers": (
        "slice", "[]v1.FinalizerName", _named("v1.FinalizerName"))}), "status": ANY}),
}

# =============================================================================================== admit


def admit(obj: dict, *, old: dict | None = None, begin_create=None) -> dict:
    """Return a decoded, defaulted deep copy of `obj`, or raise the `ApiError` the API server would.

    `old` is the stored object on update; it enables the immutability rules (apps/v1 `spec.selector`,
    ConfigMap `immutable`). The result carries no server-assigned metadata. `begin_create(decoded)`, if given,
    runs between defaulting and validation, where the registry's `Store.Create` calls its `BeginCreate` hook
    (the Service node-port allocator, `store.begin_create`), so its errors come first.
    """
    if not isinstance(obj, dict):
        raise ApiError("BadRequest", "the body of the request was in an unknown format")
    api_version, kind = obj.get("apiVersion"), obj.get("kind")
    schema = SCHEMAS.get((api_version, kind)) if isinstance(api_version, str) and isinstance(kind, str) else None
    if schema is None:
        raise ApiError("BadRequest", f'no kind "{kind}" is registered for version "{api_version}"', kind=str(kind))
    decoded = decode(obj, schema, kind, api_version)
    set_defaults(decoded, kind)
    if begin_create is not None:
        begin_create(decoded)
    causes = validate(decoded, kind, old)
    if causes:
        meta = decoded.get("metadata", {})
        raise ApiError.invalid(
            kind, meta.get("name", ""), causes, group="apps" if api_version == "apps/v1" else "",
            resource=KINDS[kind].resource, namespace=meta.get("namespace", ""),
        )
    return decoded


# =============================================================================================== decoding


class _DecodeState:
    def __init__(self) -> None:
        self.type_error: str | None = None
        self.unknown: list[str] = []


def decode(obj: dict, schema: tuple, kind: str, api_version: str) -> dict:
    """Decode `obj` against `schema` as strict JSON decoding would; raise BadRequest on failure."""
    state = _DecodeState()
    result = _decode_value(obj, schema, state, [], "", "")
    detail = None
    if state.type_error is not None:
        detail = state.type_error
    elif state.unknown:
        detail = "strict decoding error: " + ", ".join(f'unknown field "{path}"' for path in state.unknown)
    if detail is not None:
        version = api_version.split("/")[-1]
        meta = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
        name = meta.get("name") if isinstance(meta.get("name"), str) else ""
        raise ApiError(
            "BadRequest", f'{kind} in version "{version}" cannot be handled as a {kind}: {detail}',
            kind=kind, resource=KINDS[kind].resource, name=name,
        )
    return result


def json_kind(value: Any) -> str:
    """The word Go's `UnmarshalTypeError` uses for a JSON value."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def number_text(value: int | float) -> str:
    """A JSON number as Go's encoding/json prints it in an `UnmarshalTypeError`."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    return repr(value) if isinstance(value, float) else str(value)


def _type_error(state: _DecodeState, value: Any, go_type: str, struct: str, fields: list[str], shown: str | None = None):
    """Record Go's `UnmarshalTypeError` text, keeping only the first (`decodeState.saveError`)."""
    if state.type_error is not None:
        return
    what = shown or json_kind(value)
    if fields:
        state.type_error = f"json: cannot unmarshal {what} into Go struct field {struct}.{'.'.join(fields)} of type {go_type}"
    else:
        state.type_error = f"json: cannot unmarshal {what} into Go value of type {go_type}"


def _decode_value(value, typ, state, fields, struct, path):
    tag = typ[0]
    if value is None:
        return None
    if tag == "any":
        return copy.deepcopy(value)
    if tag == "struct":
        return _decode_struct(value, typ, state, fields, struct, path)
    if tag == "map":
        return _decode_map(value, typ, state, fields, struct, path)
    if tag == "slice":
        if not isinstance(value, list):
            return _type_error(state, value, typ[1], struct, fields)
        out = [_decode_value(item, typ[2], state, fields, struct, f"{path}[{i}]") for i, item in enumerate(value)]
        return [_zero(typ[2]) if item is None else item for item in out]
    if tag == "string":
        if not isinstance(value, str):
            return _type_error(state, value, typ[1], struct, fields)
        return value
    if tag == "bool":
        if not isinstance(value, bool):
            return _type_error(state, value, "bool", struct, fields)
        return value
    if tag in ("int32", "int64"):
        return _decode_int(value, tag, state, fields, struct)
    if tag == "intstr":
        if isinstance(value, str):
            return value
        return _decode_int(value, "int32", state, fields, struct)
    if tag == "bytes":
        return _decode_bytes(value, state, fields, struct)
    raise AssertionError(typ)


def _decode_int(value, go_type, state, fields, struct):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return _type_error(state, value, go_type, struct, fields)
    bits = 32 if go_type == "int32" else 64
    if isinstance(value, float) and (not value.is_integer() or math.isinf(value)):
        return _type_error(state, value, go_type, struct, fields, f"number {number_text(value)}")
    number = int(value)
    if not -(2 ** (bits - 1)) <= number < 2 ** (bits - 1):
        return _type_error(state, value, go_type, struct, fields, f"number {number_text(value)}")
    return number


def _decode_bytes(value, state, fields, struct):
    if not isinstance(value, str):
        return _type_error(state, value, "[]uint8", struct, fields)
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        if state.type_error is None:
            state.type_error = "illegal base64 data at input byte 0"
    return value


def _decode_struct(value, typ, state, fields, struct, path):
    _, name, members = typ
    if not isinstance(value, dict):
        return _type_error(state, value, _go_struct_type(name), struct, fields)
    out = {}
    for key in sorted(value, key=lambda k: str(k).encode("utf-8", "surrogatepass")):
        child_path = f"{path}.{key}" if path else key
        if key not in members:
            state.unknown.append(child_path)
            continue
        decoded = _decode_value(value[key], members[key], state, fields + [key], name, child_path)
        if decoded is not None:
            out[key] = decoded
    return {key: out[key] for key in value if key in out}


def _decode_map(value, typ, state, fields, struct, path):
    if not isinstance(value, dict):
        return _type_error(state, value, typ[1], struct, fields)
    out = {}
    for key in sorted(value, key=lambda k: str(k).encode("utf-8", "surrogatepass")):
        decoded = _decode_value(value[key], typ[2], state, fields, struct, f"{path}[{key}]")
        out[key] = _zero(typ[2]) if decoded is None else decoded
    return {key: out[key] for key in value}


def _zero(typ):
    return {"string": "", "int32": 0, "int64": 0, "bool": False, "struct": {}, "bytes": ""}.get(typ[0])


_GO_PACKAGES = {"ObjectMeta": "v1", "LabelSelector": "v1", "LabelSelectorRequirement": "v1"}


def _go_struct_type(name: str) -> str:
    return f"{_GO_PACKAGES.get(name, 'v1')}.{name}"


# =============================================================================================== defaults


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


_VOLUME_SOURCES = tuple(key for key in VOLUME[2] if key != "name")


def _default_volume(volume: dict) -> None:
    """Mirror `SetDefaults_Volume` (no source -> emptyDir) and the 0644 defaultMode of configMap/secret."""
    if not any(volume.get(key) is not None for key in _VOLUME_SOURCES):
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


# =============================================================================================== validation helpers

DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
DNS1123_SUBDOMAIN_FMT = DNS1123_LABEL_FMT + r"(\." + DNS1123_LABEL_FMT + ")*"
DNS1035_LABEL_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?"
QUALIFIED_NAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
LABEL_VALUE_FMT = "(" + QUALIFIED_NAME_FMT + ")?"
CONFIG_MAP_KEY_FMT = "[-._a-zA-Z0-9]+"
PERCENT_FMT = "[0-9]+%"

QUALIFIED_NAME_MSG = ("must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
                      "alphanumeric character")
FILE_MODE_MSG = "must be a number between 0 and 0777 (octal), both inclusive"
IMMUTABLE_MSG = "field is immutable"


def _full(fmt: str) -> re.Pattern:
    return re.compile("(?:" + fmt + r")\Z")


def regex_error(msg: str, fmt: str, *examples: str) -> str:
    """Mirror `RegexError`: the message, its examples and the regex (note the doubled space before "or")."""
    if not examples:
        return f"{msg} (regex used for validation is '{fmt}')"
    return msg + " (e.g. " + " or ".join(f"'{e}', " for e in examples) + f"regex used for validation is '{fmt}')"


def max_len_error(length: int) -> str:
    return f"must be no more than {length} characters"


def is_dns1123_label(value: str) -> list[str]:
    """Mirror `IsDNS1123Label` (apimachinery pkg/util/validation): a valid subdomain that is not a label
    (so: it has dots) gets "must not contain dots", anything else the RFC 1123 label regex message."""
    errs = []
    if len(value) > 63:
        errs.append(max_len_error(63))
    if not _full(DNS1123_LABEL_FMT).match(value):
        if _full(DNS1123_SUBDOMAIN_FMT).match(value):
            errs.append("must not contain dots")
            return errs
        errs.append(regex_error("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
                                "and must start and end with an alphanumeric character", DNS1123_LABEL_FMT,
                                "my-name", "123-abc"))
    return errs


def is_dns1123_subdomain(value: str) -> list[str]:
    """Mirror `IsDNS1123Subdomain`."""
    errs = []
    if len(value) > 253:
        errs.append(max_len_error(253))
    if not _full(DNS1123_SUBDOMAIN_FMT).match(value):
        errs.append(regex_error("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
                                "'-' or '.', and must start and end with an alphanumeric character",
                                DNS1123_SUBDOMAIN_FMT, "example.com"))
    return errs


def is_dns1035_label(value: str) -> list[str]:
    """Mirror `IsDNS1035Label`."""
    errs = []
    if len(value) > 63:
        errs.append(max_len_error(63))
    if not _full(DNS1035_LABEL_FMT).match(value):
        errs.append(regex_error("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start "
                                "with an alphabetic character, and end with an alphanumeric character",
                                DNS1035_LABEL_FMT, "my-name", "abc-123"))
    return errs


def _name_fn(check):
    """Build a `ValidateNameFunc`: with `prefix`, a trailing dash is masked (`maskTrailingDash`)."""
    def validate(name: str, prefix: bool = False) -> list[str]:
        if prefix and len(name) > 1 and name.endswith("-"):
            name = name[:-2] + "a"
        return check(name)
    return validate


name_is_dns_subdomain = _name_fn(is_dns1123_subdomain)
name_is_dns1035_label = _name_fn(is_dns1035_label)
name_is_dns_label = _name_fn(is_dns1123_label)


def is_qualified_name(value: str) -> list[str]:
    """Mirror `IsQualifiedName` (label keys, annotation keys)."""
    errs = []
    parts = value.split("/")
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            errs.append("prefix part must be non-empty")
        else:
            errs.extend("prefix part " + msg for msg in is_dns1123_subdomain(prefix))
    else:
        return ["a qualified name " + regex_error(QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc")
                + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]
    if not name:
        errs.append("name part must be non-empty")
    elif len(name) > 63:
        errs.append("name part " + max_len_error(63))
    if not _full(QUALIFIED_NAME_FMT).match(name):
        errs.append("name part " + regex_error(QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc"))
    return errs


def is_valid_label_value(value: str) -> list[str]:
    """Mirror `IsValidLabelValue`."""
    errs = []
    if len(value.encode("utf-8", "surrogatepass")) > 63:
        errs.append("must be no more than 63 bytes")
    if not _full(LABEL_VALUE_FMT).match(value):
        errs.append(regex_error("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' "
                                "or '.', and must start and end with an alphanumeric character", LABEL_VALUE_FMT,
                                "MyValue", "my_value", "12345"))
    return errs


def is_config_map_key(value: str) -> list[str]:
    """Mirror `IsConfigMapKey`."""
    errs = []
    if len(value.encode()) > 253:
        errs.append(max_len_error(253))
    if not _full(CONFIG_MAP_KEY_FMT).match(value):
        errs.append(regex_error("a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
                                CONFIG_MAP_KEY_FMT, "key.name", "KEY_NAME", "key-name"))
    if value == ".":
        errs.append("must not be '.'")
    elif value == "..":
        errs.append("must not be '..'")
    elif value.startswith(".."):
        errs.append("must not start with '..'")
    return errs


def is_relaxed_env_var_name(value: str) -> list[str]:
    """Mirror `IsRelaxedEnvVarName` (RelaxedEnvironmentVariableValidation, GA and locked on in v1.34)."""
    errs = []
    if not value:
        errs.append("environment variable name must be non-empty")
    if any(ord(ch) > 126 or ord(ch) < 32 or ch == "=" for ch in value):
        errs.append("a valid environment variable name must consist only of printable ASCII characters other than '='")
    return errs


def is_valid_port_num(port: int) -> list[str]:
    return [] if 1 <= port <= 65535 else ["must be between 1 and 65535, inclusive"]


def is_valid_port_name(port: str) -> list[str]:
    """Mirror `IsValidPortName` (an IANA_SVC_NAME)."""
    errs = []
    if len(port) > 15:
        errs.append(max_len_error(15))
    if not re.fullmatch("[-a-z0-9]+", port):
        errs.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if not re.search("[a-z]", port):
        errs.append("must contain at least one letter (a-z)")
    if "--" in port:
        errs.append("must not contain consecutive hyphens")
    if port and (port[0] == "-" or port[-1] == "-"):
        errs.append("must not begin or end with a hyphen")
    return errs


def invalid(field: str, value, detail: str) -> Cause:
    return Cause(field, "Invalid value", detail, value, True)


def required(field: str, detail: str = "") -> Cause:
    return Cause(field, "Required value", detail)


def forbidden(field: str, detail: str) -> Cause:
    return Cause(field, "Forbidden", detail)


def duplicate(field: str, value) -> Cause:
    return Cause(field, "Duplicate value", "", value, True)


def not_found(field: str, value) -> Cause:
    return Cause(field, "Not found", "", value, True)


def not_supported(field: str, value, supported: list[str]) -> Cause:
    return Cause(field, "Unsupported value", "supported values: " + ", ".join(f'"{s}"' for s in supported), value, True)


def nonnegative(value: int, field: str) -> list[Cause]:
    """Mirror `ValidateNonnegativeField`."""
    return [invalid(field, value, "must be greater than or equal to 0")] if value < 0 else []


def _sorted(mapping: dict) -> list:
    return sorted(mapping.items(), key=lambda kv: str(kv[0]).encode("utf-8", "surrogatepass"))


def validate_labels(labels: dict | None, field: str) -> list[Cause]:
    """Mirror `ValidateLabels`: key errors and value errors both on the map's path."""
    causes = []
    for key, value in _sorted(labels or {}):
        causes += [invalid(field, key, msg) for msg in is_qualified_name(key)]
        causes += [invalid(field, value, msg) for msg in is_valid_label_value(value)]
    return causes


def validate_annotations(annotations: dict | None, field: str) -> list[Cause]:
    """Mirror `ValidateAnnotations`: lower-cased qualified-name keys, at most 256 KiB in total."""
    causes = []
    total = 0
    for key, value in _sorted(annotations or {}):
        causes += [invalid(field, key, msg) for msg in is_qualified_name(key.lower())]
        total += len(key) + len(value)
    if total > 256 * 1024:
        causes.append(Cause(field, "Too long", f"must have at most {256 * 1024} bytes"))
    return causes


def validate_object_meta(meta: dict, name_fn, namespaced: bool = True) -> list[Cause]:
    """Mirror `ValidateObjectMetaAccessor` for the fields a client can set."""
    causes = []
    if meta.get("generateName"):
        causes += [invalid("metadata.generateName", meta["generateName"], msg) for msg in name_fn(meta["generateName"], True)]
    if not meta.get("name"):
        if not meta.get("generateName"):
            causes.append(required("metadata.name", "name or generateName is required"))
    else:
        causes += [invalid("metadata.name", meta["name"], msg) for msg in name_fn(meta["name"])]
    if namespaced:
        causes += [invalid("metadata.namespace", meta["namespace"], msg) for msg in name_is_dns_label(meta["namespace"])]
    causes += nonnegative(meta.get("generation", 0), "metadata.generation")
    causes += validate_labels(meta.get("labels"), "metadata.labels")
    causes += validate_annotations(meta.get("annotations"), "metadata.annotations")
    return causes


# =============================================================================================== selectors


_SELECTOR_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


def validate_label_selector(selector: dict, field: str) -> list[Cause]:
    """Mirror `ValidateLabelSelector` and `ValidateLabelSelectorRequirement`."""
    causes = validate_labels(selector.get("matchLabels"), f"{field}.matchLabels")
    for i, req in enumerate(selector.get("matchExpressions", [])):
        path = f"{field}.matchExpressions[{i}]"
        operator, values = req.get("operator", ""), req.get("values") or []
        if operator in ("In", "NotIn"):
            if not values:
                causes.append(required(f"{path}.values", "must be specified when `operator` is 'In' or 'NotIn'"))
        elif operator in ("Exists", "DoesNotExist"):
            if values:
                causes.append(forbidden(f"{path}.values", "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
        else:
            causes.append(invalid(f"{path}.operator", operator, "not a valid selector operator"))
        causes += [invalid(f"{path}.key", req.get("key", ""), msg) for msg in is_qualified_name(req.get("key", ""))]
        for j, value in enumerate(values):
            causes += [invalid(f"{path}.values[{j}]", value, msg) for msg in is_valid_label_value(value)]
    return causes


def selector_matches(selector: dict | None, labels: dict | None) -> bool:
    """Match as `LabelSelectorAsSelector(...).Matches`: a nil selector matches nothing, `{}` everything."""
    if selector is None:
        return False
    labels = labels or {}
    if any(labels.get(k) != v for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    for req in selector.get("matchExpressions") or []:
        key, op, values = req.get("key"), req.get("operator"), req.get("values") or []
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and key in labels and labels[key] in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


# =============================================================================================== pod spec


def validate_pod_spec(spec: dict, field: str) -> list[Cause]:
    """Mirror the parts of `ValidatePodSpec` the model relies on, in upstream order."""
    causes, volume_names = _validate_volumes(spec.get("volumes", []), f"{field}.volumes")
    causes += _validate_containers(spec.get("containers", []), volume_names, f"{field}.containers")
    restart = spec.get("restartPolicy", "")
    if not restart:
        causes.append(required(f"{field}.restartPolicy"))
    elif restart not in ("Always", "OnFailure", "Never"):
        causes.append(not_supported(f"{field}.restartPolicy", restart, ["Always", "OnFailure", "Never"]))
    dns = spec.get("dnsPolicy", "")
    if dns not in ("ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"):
        causes.append(not_supported(f"{field}.dnsPolicy", dns, ["ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"]))
    causes += validate_labels(spec.get("nodeSelector"), f"{field}.nodeSelector")
    if spec.get("activeDeadlineSeconds") is not None and not 1 <= spec["activeDeadlineSeconds"] <= 2**31 - 1:
        causes.append(invalid(f"{field}.activeDeadlineSeconds", spec["activeDeadlineSeconds"],
                              "must be between 1 and 2147483647, inclusive"))
    return causes


def _validate_volumes(volumes: list, field: str) -> tuple[list[Cause], set[str]]:
    """Mirror `ValidateVolumes`; return the causes and the names of the volumes that validated."""
    causes: list[Cause] = []
    names: set[str] = set()
    for i, volume in enumerate(volumes):
        path = f"{field}[{i}]"
        errs = _validate_volume_source(volume, path)
        name = volume.get("name", "")
        if not name:
            errs.append(required(f"{path}.name"))
        else:
            errs += [invalid(f"{path}.name", name, msg) for msg in is_dns1123_label(name)]
        if name in names:
            errs.append(duplicate(f"{path}.name", name))
        if errs:
            causes += errs
        else:
            names.add(name)
    return causes, names


def _validate_volume_source(volume: dict, path: str) -> list[Cause]:
    sources = [key for key in _VOLUME_SOURCES if volume.get(key) is not None]
    if not sources:
        return [required(path, "must specify a volume type")]
    if len(sources) > 1:
        return [forbidden(f"{path}.{sources[1]}", "may not specify more than 1 volume type")]
    if sources[0] != "configMap":
        return []
    source, base = volume["configMap"], f"{path}.configMap"
    causes = [] if source.get("name") else [required(f"{base}.name")]
    mode = source.get("defaultMode")
    if mode is not None and not 0 <= mode <= 0o777:
        causes.append(invalid(f"{base}.defaultMode", mode, FILE_MODE_MSG))
    for j, item in enumerate(source.get("items", [])):
        causes += _validate_key_to_path(item, f"{base}.items[{j}]")
    return causes


def _validate_key_to_path(item: dict, path: str) -> list[Cause]:
    """Mirror `validateKeyToPath` with `ValidateLocalNonReservedPath`."""
    causes = [] if item.get("key") else [required(f"{path}.key")]
    target = item.get("path", "")
    if not target:
        causes.append(required(f"{path}.path"))
    causes += _validate_local_path(target, f"{path}.path", reserved=True)
    mode = item.get("mode")
    if mode is not None and not 0 <= mode <= 0o777:
        causes.append(invalid(f"{path}.mode", mode, FILE_MODE_MSG))
    return causes


def _validate_local_path(target: str, field: str, reserved: bool = False) -> list[Cause]:
    """Mirror `validateLocalDescendingPath` (and the `..` prefix rule of `ValidateLocalNonReservedPath`)."""
    causes = []
    if target.startswith("/"):
        causes.append(invalid(field, target, "must be a relative path"))
    if ".." in target.replace("\\", "/").split("/"):
        causes.append(invalid(field, target, "must not contain '..'"))
    if reserved and target.startswith(".."):
        causes.append(invalid(field, target, "must not start with '..'"))
    return causes


def _validate_containers(containers: list, volume_names: set[str], field: str) -> list[Cause]:
    """Mirror `validateContainers` and `validateContainerCommon`."""
    if not containers:
        return [required(field)]
    causes: list[Cause] = []
    seen: set[str] = set()
    for i, container in enumerate(containers):
        path = f"{field}[{i}]"
        name = container.get("name", "")
        if not name:
            causes.append(required(f"{path}.name"))
        else:
            causes += [invalid(f"{path}.name", name, msg) for msg in is_dns1123_label(name)]
        if not container.get("image"):
            causes.append(required(f"{path}.image"))
        policy = container.get("terminationMessagePolicy", "")
        if policy not in ("File", "FallbackToLogsOnError"):
            causes.append(not_supported(f"{path}.terminationMessagePolicy", policy, ["File", "FallbackToLogsOnError"]))
        causes += _validate_container_ports(container.get("ports", []), f"{path}.ports")
        causes += _validate_env(container.get("env", []), f"{path}.env")
        causes += _validate_env_from(container.get("envFrom", []), f"{path}.envFrom")
        causes += _validate_volume_mounts(container.get("volumeMounts", []), volume_names, f"{path}.volumeMounts")
        pull = container.get("imagePullPolicy", "")
        if pull not in ("Always", "IfNotPresent", "Never"):
            causes.append(not_supported(f"{path}.imagePullPolicy", pull, ["Always", "IfNotPresent", "Never"]))
        if name in seen:
            causes.append(duplicate(f"{path}.name", name))
        seen.add(name)
        for key in ("livenessProbe", "readinessProbe", "startupProbe"):
            if container.get(key) is not None:
                causes += _validate_probe(container[key], key, f"{path}.{key}")
    return causes


def _validate_container_ports(ports: list, field: str) -> list[Cause]:
    """Mirror `validateContainerPorts`."""
    causes: list[Cause] = []
    names: set[str] = set()
    for i, port in enumerate(ports):
        path = f"{field}[{i}]"
        name = port.get("name", "")
        if name:
            msgs = is_valid_port_name(name)
            if msgs:
                causes += [invalid(f"{path}.name", name, msg) for msg in msgs]
            elif name in names:
                causes.append(duplicate(f"{path}.name", name))
            else:
                names.add(name)
        container_port = port.get("containerPort", 0)
        if container_port == 0:
            causes.append(required(f"{path}.containerPort"))
        else:
            causes += [invalid(f"{path}.containerPort", container_port, m) for m in is_valid_port_num(container_port)]
        if port.get("hostPort", 0) != 0:
            causes += [invalid(f"{path}.hostPort", port["hostPort"], m) for m in is_valid_port_num(port["hostPort"])]
        causes += _validate_protocol(port.get("protocol", ""), f"{path}.protocol")
    return causes


def _validate_protocol(protocol: str, field: str) -> list[Cause]:
    if not protocol:
        return [required(field)]
    if protocol not in ("SCTP", "TCP", "UDP"):
        return [not_supported(field, protocol, ["SCTP", "TCP", "UDP"])]
    return []


def _validate_env(env: list, field: str) -> list[Cause]:
    """Mirror `ValidateEnv` with relaxed names and `validateEnvVarValueFrom` for configMapKeyRef."""
    causes: list[Cause] = []
    for i, var in enumerate(env):
        path = f"{field}[{i}]"
        name = var.get("name", "")
        if not name:
            causes.append(required(f"{path}.name"))
        else:
            causes += [invalid(f"{path}.name", name, msg) for msg in is_relaxed_env_var_name(name)]
        causes += _validate_value_from(var, f"{path}.valueFrom")
    return causes


def _validate_value_from(var: dict, field: str) -> list[Cause]:
    source = var.get("valueFrom")
    if source is None:
        return []
    causes: list[Cause] = []
    present = [key for key in ("fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef", "fileKeyRef")
               if source.get(key) is not None]
    ref = source.get("configMapKeyRef")
    if ref is not None:
        causes += [invalid(f"{field}.configMapKeyRef.name", ref.get("name", ""), msg)
                   for msg in name_is_dns_subdomain(ref.get("name", ""))]
        key = ref.get("key", "")
        if not key:
            causes.append(required(f"{field}.configMapKeyRef.key"))
        else:
            causes += [invalid(f"{field}.configMapKeyRef.key", key, msg) for msg in is_config_map_key(key)]
    if not present:
        causes.append(invalid(field, "", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` "
                                         "or `secretKeyRef`"))
    elif var.get("value"):
        causes.append(invalid(field, "", "may not be specified when `value` is not empty"))
    elif len(present) > 1:
        causes.append(invalid(field, "", "may not have more than one field specified at a time"))
    return causes


def _validate_env_from(sources: list, field: str) -> list[Cause]:
    """Mirror `ValidateEnvFrom` and `validateConfigMapEnvSource`."""
    causes: list[Cause] = []
    for i, source in enumerate(sources):
        path = f"{field}[{i}]"
        prefix = source.get("prefix", "")
        if prefix:
            causes += [invalid(f"{path}.prefix", prefix, msg) for msg in is_relaxed_env_var_name(prefix)]
        count = 0
        ref = source.get("configMapRef")
        if ref is not None:
            count += 1
            name = ref.get("name", "")
            if not name:
                causes.append(required(f"{path}.configMapRef.name"))
            else:
                causes += [invalid(f"{path}.configMapRef.name", name, m) for m in name_is_dns_subdomain(name, True)]
        if source.get("secretRef") is not None:
            count += 1
        if count == 0:
            causes.append(invalid(field, "", "must specify one of: `configMapRef` or `secretRef`"))
        elif count > 1:
            causes.append(invalid(field, "", "may not have more than one field specified at a time"))
    return causes


def _validate_volume_mounts(mounts: list, volume_names: set[str], field: str) -> list[Cause]:
    """Mirror `ValidateVolumeMounts`."""
    causes: list[Cause] = []
    mount_points: set[str] = set()
    for i, mount in enumerate(mounts):
        path = f"{field}[{i}]"
        name, mount_path = mount.get("name", ""), mount.get("mountPath", "")
        if not name:
            causes.append(required(f"{path}.name"))
        if name not in volume_names:
            causes.append(not_found(f"{path}.name", name))
        if not mount_path:
            causes.append(required(f"{path}.mountPath"))
        if mount_path in mount_points:
            causes.append(invalid(f"{path}.mountPath", mount_path, "must be unique"))
        mount_points.add(mount_path)
        if mount.get("subPath"):
            causes += _validate_local_path(mount["subPath"], f"{field}.subPath")
    return causes


def _validate_probe(probe: dict, kind: str, field: str) -> list[Cause]:
    """Mirror `validateProbe`, `validateHandler` and the liveness/startup successThreshold rule."""
    causes: list[Cause] = []
    handlers = [key for key in ("exec", "httpGet", "tcpSocket", "grpc") if probe.get(key) is not None]
    if not handlers:
        causes.append(required(field, "must specify a handler type"))
    elif len(handlers) > 1:
        causes.append(forbidden(f"{field}.{handlers[1]}", "may not specify more than 1 handler type"))
    else:
        causes += _validate_handler(probe, handlers[0], field)
    for key in ("initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold"):
        causes += nonnegative(probe.get(key, 0), f"{field}.{key}")
    if kind != "readinessProbe" and probe.get("successThreshold", 1) != 1:
        causes.append(invalid(f"{field}.successThreshold", probe["successThreshold"], "must be 1"))
    return causes


def _validate_handler(probe: dict, handler: str, field: str) -> list[Cause]:
    action = probe[handler]
    path = f"{field}.{handler}"
    if handler not in ("httpGet", "tcpSocket"):
        return []
    causes = _validate_port_num_or_name(action.get("port", 0), f"{path}.port")
    if handler == "httpGet":
        if not action.get("path"):
            causes.insert(0, required(f"{path}.path"))
        scheme = action.get("scheme", "")
        if scheme not in ("HTTP", "HTTPS"):
            causes.append(not_supported(f"{path}.scheme", scheme, ["HTTP", "HTTPS"]))
    return causes


def _validate_port_num_or_name(port: int | str, field: str) -> list[Cause]:
    """Mirror `ValidatePortNumOrName`."""
    if isinstance(port, int):
        return [invalid(field, port, msg) for msg in is_valid_port_num(port)]
    return [invalid(field, port, msg) for msg in is_valid_port_name(port)]


def validate_pod_template(template: dict, field: str) -> list[Cause]:
    """Mirror `ValidatePodTemplateSpec` (its label path is `<field>.labels`, without `metadata`, as upstream)."""
    meta = template.get("metadata", {})
    causes = validate_labels(meta.get("labels"), f"{field}.labels")
    causes += validate_annotations(meta.get("annotations"), f"{field}.annotations")
    causes += validate_pod_spec(template.get("spec", {}), f"{field}.spec")
    return causes


# =============================================================================================== kinds


def validate(obj: dict, kind: str, old: dict | None = None) -> list[Cause]:
    """Return every field error the API server reports for `obj` (create, or update when `old` is given)."""
    return VALIDATORS[kind](obj, old)


def _validate_selector_and_template(spec: dict, kind_word: str) -> list[Cause]:
    """The selector/template part shared by `ValidateDeploymentSpec` and `ValidateReplicaSetSpec`."""
    causes: list[Cause] = []
    selector = spec.get("selector")
    selector_errors: list[Cause] = []
    if selector is None:
        causes.append(required("spec.selector"))
    else:
        selector_errors = validate_label_selector(selector, "spec.selector")
        causes += selector_errors
        if not selector.get("matchLabels") and not selector.get("matchExpressions"):
            causes.append(invalid("spec.selector", selector, f"empty selector is invalid for {kind_word}"))
    if selector_errors:
        causes.append(invalid("spec.selector", selector, "invalid label selector"))
        return causes
    template = spec.get("template", {})
    labels = template.get("metadata", {}).get("labels") or {}
    empty = selector is not None and not selector.get("matchLabels") and not selector.get("matchExpressions")
    if not empty and not selector_matches(selector, labels):
        causes.append(invalid("spec.template.metadata.labels", labels, "`selector` does not match template `labels`"))
    causes += validate_pod_template(template, "spec.template")
    restart = template.get("spec", {}).get("restartPolicy", "")
    if restart != "Always":
        causes.append(not_supported("spec.template.spec.restartPolicy", restart, ["Always"]))
    if template.get("spec", {}).get("activeDeadlineSeconds") is not None:
        causes.append(forbidden("spec.template.spec.activeDeadlineSeconds", "activeDeadlineSeconds in ReplicaSet is not Supported"))
    return causes


def _validate_deployment(obj: dict, old: dict | None) -> list[Cause]:
    """Mirror `ValidateDeployment` / `ValidateDeploymentSpec`, then the strategy's selector immutability."""
    spec = obj["spec"]
    causes = validate_object_meta(obj["metadata"], name_is_dns_subdomain)
    causes += nonnegative(spec["replicas"], "spec.replicas")
    causes += _validate_selector_and_template(spec, "deployment")
    causes += _validate_strategy(spec.get("strategy", {}))
    causes += nonnegative(spec.get("minReadySeconds", 0), "spec.minReadySeconds")
    if spec.get("revisionHistoryLimit") is not None:
        causes += nonnegative(spec["revisionHistoryLimit"], "spec.revisionHistoryLimit")
    deadline = spec.get("progressDeadlineSeconds")
    if deadline is not None:
        causes += nonnegative(deadline, "spec.progressDeadlineSeconds")
        if deadline <= spec.get("minReadySeconds", 0):
            causes.append(invalid("spec.progressDeadlineSeconds", deadline, "must be greater than minReadySeconds"))
    return causes + _selector_immutable(obj, old)


def _validate_strategy(strategy: dict) -> list[Cause]:
    """Mirror `ValidateDeploymentStrategy` and `ValidateRollingUpdateDeployment`."""
    kind = strategy.get("type", "")
    if kind == "Recreate":
        if strategy.get("rollingUpdate") is not None:
            return [forbidden("spec.strategy.rollingUpdate", "may not be specified when strategy `type` is 'Recreate'")]
        return []
    if kind != "RollingUpdate":
        return [not_supported("spec.strategy", _go_deployment_strategy(strategy), ["Recreate", "RollingUpdate"])]
    rolling = strategy.get("rollingUpdate", {})
    max_unavailable, max_surge = rolling.get("maxUnavailable", 0), rolling.get("maxSurge", 0)
    path = "spec.strategy.rollingUpdate"
    causes = _validate_int_or_percent(max_unavailable, f"{path}.maxUnavailable")
    causes += _validate_int_or_percent(max_surge, f"{path}.maxSurge")
    if _int_or_percent_value(max_unavailable) == 0 and _int_or_percent_value(max_surge) == 0:
        causes.append(invalid(f"{path}.maxUnavailable", max_unavailable, "may not be 0 when `maxSurge` is 0"))
    percent = _percent_value(max_unavailable)
    if percent is not None and percent > 100:
        causes.append(invalid(f"{path}.maxUnavailable", max_unavailable, "must not be greater than 100%"))
    return causes


def _go_int_or_string(value: int | str | None) -> str:
    """`intstr.IntOrString.MarshalJSON`; a nil v1 pointer converts to the zero value, 0."""
    return go_json_string(value) if isinstance(value, str) else str(value or 0)


def _go_deployment_strategy(strategy: dict) -> GoJSON:
    """The bad value of `ValidateDeploymentStrategy`'s NotSupported: the internal `apps.DeploymentStrategy`
    (fields Type, RollingUpdate *RollingUpdateDeployment{MaxUnavailable, MaxSurge}, no json tags), so the
    API server prints ``{"Type":"BlueGreen","RollingUpdate":null}``."""
    rolling = strategy.get("rollingUpdate")
    if rolling is None:
        rendered = "null"
    else:
        rendered = (f'{{"MaxUnavailable":{_go_int_or_string(rolling.get("maxUnavailable"))},'
                    f'"MaxSurge":{_go_int_or_string(rolling.get("maxSurge"))}}}')
    return GoJSON(f'{{"Type":{go_json_string(strategy.get("type", ""))},"RollingUpdate":{rendered}}}')


def _validate_int_or_percent(value: int | str, field: str) -> list[Cause]:
    """Mirror `ValidatePositiveIntOrPercent`."""
    if isinstance(value, str):
        if not _full(PERCENT_FMT).match(value):
            return [invalid(field, value, regex_error("a valid percent string must be a numeric string followed by an "
                                                      "ending '%'", PERCENT_FMT, "1%", "93%"))]
        return []
    return nonnegative(value, field)


def _percent_value(value: int | str) -> int | None:
    if isinstance(value, str) and _full(PERCENT_FMT).match(value):
        return int(value[:-1])
    return None


def _int_or_percent_value(value: int | str) -> int:
    """Mirror `getIntOrPercentValue`: a percent's number, an int, or `IntValue()` of another string."""
    percent = _percent_value(value)
    if percent is not None:
        return percent
    if isinstance(value, int):
        return value
    try:
        return int(value)
    except ValueError:
        return 0


def _selector_immutable(obj: dict, old: dict | None) -> list[Cause]:
    """Mirror the apps strategies' `ValidateImmutableField(spec.selector)` on update."""
    if old is None:
        return []
    new_selector = obj["spec"].get("selector")
    if new_selector != (old.get("spec") or {}).get("selector"):
        return [invalid("spec.selector", new_selector, IMMUTABLE_MSG)]
    return []


def _validate_replicaset(obj: dict, old: dict | None) -> list[Cause]:
    """Mirror `ValidateReplicaSet` / `ValidateReplicaSetSpec`, then the strategy's selector immutability."""
    spec = obj["spec"]
    causes = validate_object_meta(obj["metadata"], name_is_dns_subdomain)
    causes += nonnegative(spec["replicas"], "spec.replicas")
    causes += nonnegative(spec.get("minReadySeconds", 0), "spec.minReadySeconds")
    causes += _validate_selector_and_template(spec, "deployment")
    return causes + _selector_immutable(obj, old)


def _validate_pod(obj: dict, old: dict | None) -> list[Cause]:
    """Mirror `ValidatePodCreate` (object meta, pod-specific annotations, spec)."""
    causes = validate_object_meta(obj["metadata"], name_is_dns_subdomain)
    return causes + validate_pod_spec(obj["spec"], "spec")


def _validate_namespace(obj: dict, old: dict | None) -> list[Cause]:
    """Mirror `ValidateNamespace`: the name is an RFC 1123 label (`ValidateNamespaceName` = `NameIsDNSLabel`,
    so a dotted name gets `IsDNS1123Label`'s "must not contain dots")."""
    return validate_object_meta(obj["metadata"], name_is_dns_label, namespaced=False)


def _validate_config_map(obj: dict, old: dict | None) -> list[Cause]:
    """Mirror `ValidateConfigMapUpdate` (immutability first) and `ValidateConfigMap`."""
    causes: list[Cause] = []
    if old is not None and old.get("immutable"):
        message = "field is immutable when `immutable` is set"
        if not obj.get("immutable"):
            causes.append(forbidden("immutable", message))
        if (obj.get("data") or {}) != (old.get("data") or {}):
            causes.append(forbidden("data", message))
        if (obj.get("binaryData") or {}) != (old.get("binaryData") or {}):
            causes.append(forbidden("binaryData", message))
    causes += validate_object_meta(obj["metadata"], name_is_dns_subdomain)
    data, binary = obj.get("data") or {}, obj.get("binaryData") or {}
    total = 0
    for key, value in _sorted(data):
        causes += [invalid(f"data[{key}]", key, msg) for msg in is_config_map_key(key)]
        if key in binary:
            causes.append(invalid(f"data[{key}]", key, "duplicate of key present in binaryData"))
        total += len(value.encode("utf-8", "surrogatepass"))
    for key, value in _sorted(binary):
        causes += [invalid(f"binaryData[{key}]", key, msg) for msg in is_config_map_key(key)]
        total += len(base64.b64decode(value))
    if total > 1024 * 1024:
        causes.append(Cause("", "Too long", f"must have at most {1024 * 1024} bytes"))
    return causes


_SERVICE_TYPES = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]
#: Feature gate RelaxedServiceNameValidation (KEP-5311): alpha (off) in 1.34, beta and on by default in 1.36.
RELAXED_SERVICE_NAME_VALIDATION = True


def _validate_service(obj: dict, old: dict | None) -> list[Cause]:
    """Mirror `ValidateService` for ports, selector, type and nodePort rules (not IP families or IPs).

    The name: `ValidateServiceCreate` uses `NameIsDNSLabel` (RFC 1123 label) when the RelaxedServiceNameValidation
    gate is on, which it is by default in v1.36 (beta, pkg/features/kube_features.go); DNS-1035 otherwise.
    (`ValidateServiceUpdate` does not check the name again; it cannot change.)
    """
    spec = obj["spec"]
    causes = validate_object_meta(obj["metadata"], name_is_dns_label if RELAXED_SERVICE_NAME_VALIDATION
                                  else name_is_dns1035_label)
    ports = spec.get("ports", [])
    kind = spec.get("type", "")
    headless = spec.get("clusterIP") == "None"
    if not ports and not headless and kind != "ExternalName":
        causes.append(required("spec.ports"))
    if kind == "ExternalName" and not spec.get("externalName"):
        causes.append(required("spec.externalName"))
    names: set[str] = set()
    for i, port in enumerate(ports):
        causes += _validate_service_port(port, len(ports) > 1, names, f"spec.ports[{i}]")
    causes += validate_labels(spec.get("selector"), "spec.selector")
    if kind not in _SERVICE_TYPES:
        causes.append(not_supported("spec.type", kind, _SERVICE_TYPES))
    if kind == "ClusterIP":
        causes += [forbidden(f"spec.ports[{i}].nodePort", "may not be used when `type` is 'ClusterIP'")
                   for i, port in enumerate(ports) if port.get("nodePort", 0) != 0]
    seen_node_ports: set[tuple] = set()
    for i, port in enumerate(ports):
        if port.get("nodePort", 0) == 0:
            continue
        key = (port.get("protocol"), port["nodePort"])
        if key in seen_node_ports:
            causes.append(duplicate(f"spec.ports[{i}].nodePort", port["nodePort"]))
        seen_node_ports.add(key)
    seen_ports: set[tuple] = set()
    for i, port in enumerate(ports):
        key = (port.get("protocol"), port.get("port", 0))
        if key in seen_ports:
            # The bad value is the key, an internal `core.ServicePort` with only Protocol and Port set.
            causes.append(duplicate(f"spec.ports[{i}]", GoJSON(
                f'{{"Name":"","Protocol":{go_json_string(key[0] or "")},"AppProtocol":null,"Port":{key[1]},'
                '"TargetPort":0,"NodePort":0}')))
        seen_ports.add(key)
    return causes


def _validate_service_port(port: dict, require_name: bool, names: set[str], path: str) -> list[Cause]:
    """Mirror `validateServicePort`."""
    causes: list[Cause] = []
    name = port.get("name", "")
    if require_name and not name:
        causes.append(required(f"{path}.name"))
    elif name:
        causes += [invalid(f"{path}.name", name, msg) for msg in is_dns1123_label(name)]
        if name in names:
            causes.append(duplicate(f"{path}.name", name))
        else:
            names.add(name)
    causes += [invalid(f"{path}.port", port.get("port", 0), m) for m in is_valid_port_num(port.get("port", 0))]
    causes += _validate_protocol(port.get("protocol", ""), f"{path}.protocol")
    causes += _validate_port_num_or_name(port.get("targetPort", 0), f"{path}.targetPort")
    return causes


#: Kind -> its `Validate*` / `Validate*Update` function (update when `old` is given).
VALIDATORS = {
    "Deployment": _validate_deployment,
    "ReplicaSet": _validate_replicaset,
    "Pod": _validate_pod,
    "Service": _validate_service,
    "ConfigMap": _validate_config_map,
    "Namespace": _validate_namespace,
}


def to_json(obj: dict) -> str:
    """Render an admitted object as compact, key-sorted JSON (handy in tests and diffs)."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))
