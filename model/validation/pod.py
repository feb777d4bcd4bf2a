"""What `ValidatePodSpec` checks of a pod spec or template: volumes, containers, ports, env, mounts, probes.

Mirrors `pkg/apis/core/validation/validation.go` for the fields the model reads.
"""

from __future__ import annotations

from kubesim.model.errors import Cause

from .defaults import VOLUME_SOURCES
from .fields import (
    FILE_MODE_MSG,
    duplicate,
    forbidden,
    invalid,
    is_config_map_key,
    is_dns1123_label,
    is_relaxed_env_var_name,
    is_valid_port_name,
    is_valid_port_num,
    name_is_dns_subdomain,
    nonnegative,
    not_found,
    not_supported,
    required,
    validate_annotations,
    validate_labels,
)

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
    sources = [key for key in VOLUME_SOURCES if volume.get(key) is not None]
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
        causes += validate_protocol(port.get("protocol", ""), f"{path}.protocol")
    return causes


def validate_protocol(protocol: str, field: str) -> list[Cause]:
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
    causes = validate_port_num_or_name(action.get("port", 0), f"{path}.port")
    if handler == "httpGet":
        if not action.get("path"):
            causes.insert(0, required(f"{path}.path"))
        scheme = action.get("scheme", "")
        if scheme not in ("HTTP", "HTTPS"):
            causes.append(not_supported(f"{path}.scheme", scheme, ["HTTP", "HTTPS"]))
    return causes


def validate_port_num_or_name(port: int | str, field: str) -> list[Cause]:
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
