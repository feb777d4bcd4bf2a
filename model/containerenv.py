"""What a container sees in its environment, and which ConfigMaps a pod references.

Mirrors the kubelet's `makeEnvironmentVariables` (`pkg/kubelet/kubelet_pods.go`) and the
Service link variables of `pkg/kubelet/envvars` (`FromServices`).
"""

from __future__ import annotations

import re

from .state import ClusterState

DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
_EXPANSION = re.compile(r"\$\$|\$\(([^)]*)\)")


def _expand(value: str, env: dict) -> str:
    """Expand ``$(VAR)`` against earlier variables; ``$$`` escapes; unknown refs stay as written."""

    def sub(m: re.Match) -> str:
        if m.group(0) == "$$":
            return "$"
        name = m.group(1)
        return env[name] if name in env else m.group(0)

    return _EXPANSION.sub(sub, value)


def resolve_env(st: ClusterState, pod: dict, container: dict) -> tuple[tuple, str | None]:
    """Return the container's environment at start, or the error that blocks the start.

    Mirrors kubelet `makeEnvironmentVariables` (v1.34+: relaxed names, so every
    ConfigMap key is injected): envFrom sources in order with their prefix, then `env`
    entries (which win), `$(VAR)` expanded against earlier ones; then Service links for
    Services that exist now (never overriding); image variables PATH/HOSTNAME/HOME.
    """
    ns = pod["metadata"]["namespace"]
    env: dict[str, str] = {}
    for src in container.get("envFrom") or ():
        ref = src.get("configMapRef")
        if ref is None:
            continue
        cm = st.get("ConfigMap", ns, ref.get("name", ""))
        if cm is None:
            if ref.get("optional"):
                continue
            return (), f'configmap "{ref.get("name", "")}" not found'
        prefix = src.get("prefix", "")
        for k, v in (cm.get("data") or {}).items():
            env[prefix + k] = v
    for e in container.get("env") or ():
        name = e["name"]
        if "valueFrom" not in e:
            env[name] = _expand(e.get("value", ""), env)
            continue
        vf = e["valueFrom"]
        if "configMapKeyRef" in vf:
            ref = vf["configMapKeyRef"]
            cm = st.get("ConfigMap", ns, ref.get("name", ""))
            if cm is None:
                if ref.get("optional"):
                    continue
                return (), f'configmap "{ref.get("name", "")}" not found'
            data = cm.get("data") or {}
            if ref["key"] not in data:
                if ref.get("optional"):
                    continue
                return (), f"couldn't find key {ref['key']} in ConfigMap {ns}/{ref.get('name', '')}"
            env[name] = data[ref["key"]]
        elif "fieldRef" in vf:
            env[name] = _field_ref(st, pod, vf["fieldRef"].get("fieldPath", ""))
    out = [_PATH, ("HOSTNAME", pod["metadata"]["name"])]
    out += [(k, v) for k, v in env.items() if k not in ("PATH", "HOSTNAME")]
    if pod["spec"].get("enableServiceLinks", True):
        links = service_env(st, ns)
    else:
        links = service_env(st, ns, only_master=True)
    out += [kv for kv in links if kv[0] not in env] if env else links  # the service-link pairs are shared, not copied
    out.append(_HOME)
    return tuple(out), None


_HOME = ("HOME", "/root")
_PATH = ("PATH", DEFAULT_PATH)


def _field_ref(st: ClusterState, pod: dict, path: str) -> str:
    md = pod["metadata"]
    rt = st.runtime.get((md["namespace"], md["name"]))
    values = {
        "metadata.name": md["name"],
        "metadata.namespace": md["namespace"],
        "metadata.uid": md["uid"],
        "spec.nodeName": pod["spec"].get("nodeName", ""),
        "spec.serviceAccountName": pod["spec"].get("serviceAccountName", ""),
        "status.podIP": rt.ip if rt else "",
        "status.hostIP": rt.host_ip if rt else "",
    }
    return values.get(path, "")


#: (id(Service table), ns, only_master) -> (table, variables): `service_env` is a pure function
#: of the (immutable) Service table; the entry keeps the table alive so its id is not reused.
_SERVICE_ENV: dict[tuple, tuple] = {}


def service_env(st: ClusterState, ns: str, only_master: bool = False) -> list[tuple[str, str]]:
    """Docker-link style variables for Services in `ns` (and `kubernetes` in default)."""
    table = st.table("Service")
    hit = _SERVICE_ENV.get((id(table), ns, only_master))
    if hit is not None and hit[0] is table:
        return list(hit[1])
    out = _service_env(st, ns, only_master)
    if len(_SERVICE_ENV) >= 256:
        _SERVICE_ENV.clear()
    _SERVICE_ENV[(id(table), ns, only_master)] = (table, tuple(out))
    return out


def _service_env(st: ClusterState, ns: str, only_master: bool) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    services = [] if only_master else [s for s in st.list("Service", ns)]
    master = st.get("Service", "default", "kubernetes")
    if master is not None and master not in services:
        services.append(master)
    for svc in sorted(services, key=lambda s: s["metadata"]["name"]):
        ip = svc["spec"].get("clusterIP")
        if not ip or ip == "None" or not svc["spec"].get("ports"):
            continue
        base = svc["metadata"]["name"].upper().replace("-", "_")
        ports = svc["spec"]["ports"]
        out.append((f"{base}_SERVICE_HOST", ip))
        out.append((f"{base}_SERVICE_PORT", str(ports[0]["port"])))
        for p in ports:
            if p.get("name"):
                out.append((f"{base}_SERVICE_PORT_{p['name'].upper().replace('-', '_')}", str(p["port"])))
        first = ports[0]
        out.append((f"{base}_PORT", f"{first.get('protocol', 'TCP').lower()}://{ip}:{first['port']}"))
        for p in ports:
            proto = p.get("protocol", "TCP")
            pfx = f"{base}_PORT_{p['port']}_{proto}"
            out += [(pfx, f"{proto.lower()}://{ip}:{p['port']}"), (f"{pfx}_PROTO", proto.lower()), (f"{pfx}_PORT", str(p["port"])), (f"{pfx}_ADDR", ip)]
    return out


def configmaps_used_by(pod: dict) -> set[str]:
    """Return the names of the ConfigMaps a pod's containers or volumes reference."""
    names: set[str] = set()
    spec = pod["spec"]
    for c in list(spec.get("containers") or ()) + list(spec.get("initContainers") or ()):
        for src in c.get("envFrom") or ():
            if src.get("configMapRef"):
                names.add(src["configMapRef"].get("name", ""))
        for e in c.get("env") or ():
            ref = (e.get("valueFrom") or {}).get("configMapKeyRef")
            if ref:
                names.add(ref.get("name", ""))
    for v in spec.get("volumes") or ():
        if v.get("configMap"):
            names.add(v["configMap"].get("name", ""))
        for src in (v.get("projected") or {}).get("sources") or ():
            if src.get("configMap"):
                names.add(src["configMap"].get("name", ""))
    return names
