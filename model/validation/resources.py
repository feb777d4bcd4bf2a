"""Each served kind's `Validate*` / `Validate*Update` (`VALIDATORS`): Deployment, ReplicaSet, Pod, Namespace,
ConfigMap and Service.

Mirrors `pkg/apis/apps/validation/validation.go` and `pkg/apis/core/validation/validation.go`.
"""

from __future__ import annotations

import base64

from kubesim.model.errors import Cause, GoJSON, go_json_string
from kubesim.model.labels import selector_matches

from .fields import (
    IMMUTABLE_MSG,
    PERCENT_FMT,
    duplicate,
    forbidden,
    full_match,
    invalid,
    is_config_map_key,
    is_dns1123_label,
    is_valid_port_num,
    name_is_dns1035_label,
    name_is_dns_label,
    name_is_dns_subdomain,
    nonnegative,
    not_supported,
    regex_error,
    required,
    sorted_items,
    validate_label_selector,
    validate_labels,
    validate_object_meta,
)
from .pod import validate_pod_spec, validate_pod_template, validate_port_num_or_name, validate_protocol

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
        if not full_match(PERCENT_FMT).match(value):
            return [invalid(field, value, regex_error("a valid percent string must be a numeric string followed by an "
                                                      "ending '%'", PERCENT_FMT, "1%", "93%"))]
        return []
    return nonnegative(value, field)


def _percent_value(value: int | str) -> int | None:
    if isinstance(value, str) and full_match(PERCENT_FMT).match(value):
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
    for key, value in sorted_items(data):
        causes += [invalid(f"data[{key}]", key, msg) for msg in is_config_map_key(key)]
        if key in binary:
            causes.append(invalid(f"data[{key}]", key, "duplicate of key present in binaryData"))
        total += len(value.encode("utf-8", "surrogatepass"))
    for key, value in sorted_items(binary):
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
    causes += validate_protocol(port.get("protocol", ""), f"{path}.protocol")
    causes += validate_port_num_or_name(port.get("targetPort", 0), f"{path}.targetPort")
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
