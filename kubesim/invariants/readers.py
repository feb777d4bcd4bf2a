"""Reading API JSON and the Deployment arithmetic (`deployment_util.go`), written independently of the model.

These readers re-implement what the model computes on purpose: an invariant that called the model's own readers
would check the model against itself."""

from __future__ import annotations

import json
import math
from datetime import datetime, timezone
from typing import Iterable

from .caches import id_cache
from .registry import DESIRED_REPLICAS, HASH_LABEL, REVISION


def meta_of(obj: dict) -> dict:
    return obj.get("metadata") or {}


def name_of(obj: dict) -> str:
    return meta_of(obj).get("name", "")


def uid_of(obj: dict) -> str:
    return meta_of(obj).get("uid", "")


def controller_of(obj: dict) -> dict | None:
    """The ownerReference with ``controller: true`` (`metav1.GetControllerOf`)."""
    for ref in meta_of(obj).get("ownerReferences") or ():
        if ref.get("controller"):
            return ref
    return None


def is_terminating(obj: dict) -> bool:
    return bool(meta_of(obj).get("deletionTimestamp"))


def pod_active(pod: dict) -> bool:
    """`controller.IsPodActive`: not Succeeded/Failed and no deletionTimestamp."""
    return (pod.get("status") or {}).get("phase") not in ("Succeeded", "Failed") and not is_terminating(pod)


def _ready_condition(pod: dict) -> dict | None:
    for c in (pod.get("status") or {}).get("conditions") or ():
        if c.get("type") == "Ready":
            return c
    return None


def pod_ready(pod: dict) -> bool:
    """`podutil.IsPodReady`: the Ready condition is True."""
    c = _ready_condition(pod)
    return c is not None and c.get("status") == "True"


_EPOCH_CACHE: dict[str, float] = {}


def parse_time(stamp: str | None) -> float | None:
    """Unix seconds of an RFC 3339 API timestamp."""
    if not stamp:
        return None
    t = _EPOCH_CACHE.get(stamp)
    if t is None:
        t = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp()
        _EPOCH_CACHE[stamp] = t
    return t


def pod_available(pod: dict, min_ready_seconds: int, now_unix: float) -> bool:
    """`podutil.IsPodAvailable`: ready, and Ready since strictly more than minReadySeconds."""
    if not pod_ready(pod):
        return False
    if not min_ready_seconds:
        return True
    since = parse_time(_ready_condition(pod).get("lastTransitionTime"))
    return since is not None and since + min_ready_seconds < now_unix


def count_ready(pods: Iterable[dict], min_ready_seconds: int, now_unix: float) -> tuple[int, int, int]:
    """(pods ready, pods available, active pods available): `pod_ready`, `pod_available` and `pod_active` in one pass."""
    ready = available = active_available = 0
    for pod in pods:
        c = _ready_condition(pod)
        if c is None or c.get("status") != "True":
            continue
        ready += 1
        if min_ready_seconds:
            since = parse_time(c.get("lastTransitionTime"))
            if since is None or not since + min_ready_seconds < now_unix:
                continue
        available += 1
        if pod_active(pod):
            active_available += 1
    return ready, available, active_available


def selector_matches(selector: dict | None, labels: dict | None) -> bool:
    """A `metav1.LabelSelector` (matchLabels and matchExpressions); nil selects nothing."""
    if selector is None:
        return False
    labels = labels or {}
    for k, v in (selector.get("matchLabels") or {}).items():
        if labels.get(k) != v:
            return False
    for e in selector.get("matchExpressions") or ():
        key, op, values = e.get("key"), e.get("operator"), e.get("values") or ()
        present = key in labels
        if op == "In" and not (present and labels[key] in values):
            return False
        if op == "NotIn" and present and labels[key] in values:
            return False
        if op == "Exists" and not present:
            return False
        if op == "DoesNotExist" and present:
            return False
    return True


def service_selects(selector: dict | None, labels: dict | None) -> bool:
    """A Service's plain selector map; empty selects nothing (user-managed endpoints)."""
    if not selector:
        return False
    labels = labels or {}
    return all(labels.get(k) == v for k, v in selector.items())


def revision_of(obj: dict) -> int:
    """`deploymentutil.Revision`: the revision annotation as an integer (0 when absent)."""
    raw = (meta_of(obj).get("annotations") or {}).get(REVISION)
    try:
        return int(raw) if raw is not None else 0
    except ValueError:
        return 0


def spec_replicas(obj: dict | None) -> int:
    if obj is None:
        return 0
    r = (obj.get("spec") or {}).get("replicas")
    return 1 if r is None else r


def desired_replicas(rs: dict) -> int | None:
    """The desired-replicas annotation (the Deployment's replicas when the controller last scaled or created
    `rs`: `SetReplicasAnnotations`), or None when it is missing or not a count."""
    raw = (meta_of(rs).get("annotations") or {}).get(DESIRED_REPLICAS)
    return int(raw) if isinstance(raw, str) and raw.isdigit() else None


def status_int(obj: dict | None, key: str) -> int:
    return ((obj or {}).get("status") or {}).get(key) or 0


_TEMPLATE_KEYS: dict[int, tuple] = id_cache()


def template_key(template: dict) -> str:
    """Canonical text of a pod template without the pod-template-hash label (`EqualIgnoreHash`)."""
    hit = _TEMPLATE_KEYS.get(id(template))
    if hit is not None and hit[0] is template:
        return hit[1]
    md = dict(template.get("metadata") or {})
    labels = {k: v for k, v in (md.get("labels") or {}).items() if k != HASH_LABEL}
    if labels:
        md["labels"] = labels
    else:
        md.pop("labels", None)
    key = json.dumps({**template, "metadata": md}, sort_keys=True, separators=(",", ":"))
    if len(_TEMPLATE_KEYS) > 4096:
        _TEMPLATE_KEYS.clear()
    _TEMPLATE_KEYS[id(template)] = (template, key)  # keeps `template` alive, so its id is not reused
    return key


def rs_template_key(rs: dict) -> str:
    return template_key((rs.get("spec") or {}).get("template") or {})


def deployment_template_key(d: dict) -> str:
    return template_key((d.get("spec") or {}).get("template") or {})


# ----- Deployment arithmetic (deployment_util.go), written independently of the model ------


def _scaled(value, total: int, round_up: bool) -> int:
    """`intstr.GetScaledValueFromIntOrPercent`."""
    if value is None:
        return 0
    if isinstance(value, int):
        return value
    s = str(value)
    if s.endswith("%"):
        pct = int(s[:-1])
        return math.ceil(pct * total / 100) if round_up else math.floor(pct * total / 100)
    return int(s)


def is_rolling(d: dict) -> bool:
    return ((d.get("spec") or {}).get("strategy") or {}).get("type", "RollingUpdate") != "Recreate"


def resolve_fenceposts(d: dict) -> tuple[int, int]:
    """`ResolveFenceposts`: surge rounds up, unavailable down; both 0 makes unavailable 1."""
    ru = ((d.get("spec") or {}).get("strategy") or {}).get("rollingUpdate") or {}
    desired = spec_replicas(d)
    surge = _scaled(ru.get("maxSurge", "25%"), desired, True)
    unavailable = _scaled(ru.get("maxUnavailable", "25%"), desired, False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


def max_surge(d: dict) -> int:
    """`MaxSurge`: 0 for Recreate, else the resolved surge (not clamped)."""
    return resolve_fenceposts(d)[0] if is_rolling(d) else 0


def max_unavailable(d: dict) -> int:
    """`MaxUnavailable`: 0 for Recreate or 0 replicas, else resolved and clamped to replicas."""
    if not is_rolling(d) or spec_replicas(d) == 0:
        return 0
    return min(resolve_fenceposts(d)[1], spec_replicas(d))


def deployment_complete(d: dict) -> bool:
    """`DeploymentComplete` on the stored status."""
    s = d.get("status") or {}
    n = spec_replicas(d)
    return (
        (s.get("updatedReplicas") or 0) == n
        and (s.get("replicas") or 0) == n
        and (s.get("availableReplicas") or 0) == n
        and (s.get("observedGeneration") or 0) >= (meta_of(d).get("generation") or 0)
    )


def configmap_env_expected(container: dict, configmaps: dict[str, dict]) -> dict[str, str] | None:
    """The variables a container takes from ConfigMaps, or None if one is missing.

    `makeEnvironmentVariables`: envFrom sources in order (with their prefix), then `env`
    entries, which win; a plain `env` value hides an envFrom key of the same name.
    """
    out: dict[str, str] = {}
    for src in container.get("envFrom") or ():
        ref = src.get("configMapRef")
        if ref is None:
            continue
        cm = configmaps.get(ref.get("name", ""))
        if cm is None:
            if ref.get("optional"):
                continue
            return None
        for k, val in (cm.get("data") or {}).items():
            out[src.get("prefix", "") + k] = val
    for e in container.get("env") or ():
        ref = (e.get("valueFrom") or {}).get("configMapKeyRef")
        if ref is None:
            out.pop(e.get("name"), None)
            continue
        data = (configmaps.get(ref.get("name", "")) or {}).get("data") or {}
        if ref.get("key") in data:
            out[e["name"]] = data[ref["key"]]
        else:
            out.pop(e.get("name"), None)
    return out



def uses_configmap_env(container: dict) -> bool:
    return any(src.get("configMapRef") for src in container.get("envFrom") or ()) or any(
        (e.get("valueFrom") or {}).get("configMapKeyRef") for e in container.get("env") or ()
    )
