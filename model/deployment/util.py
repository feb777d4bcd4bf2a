"""Deployment arithmetic: pure functions of values, as in upstream's `deployment_util.go`.

Mirrors `pkg/controller/deployment/util/deployment_util.go` and the ReplicaSet sort
orders of `pkg/controller/controller_utils.go`. Names keep upstream's, in snake_case.
"""

from __future__ import annotations

import json
from functools import lru_cache

from ..clock import parse_ms
from ..intstr import round_half_away, scaled_value
from ..state import ALPHANUMS

REVISION = "deployment.kubernetes.io/revision"
REVISION_HISTORY = "deployment.kubernetes.io/revision-history"
DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS = "deployment.kubernetes.io/max-replicas"
ROLLBACK_TO = "deprecated.deployment.rollback.to"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
HASH_LABEL = "pod-template-hash"
MAX_REV_HISTORY_CHARS = 2000

# Condition reasons, verbatim.
NEW_RS_REASON = "NewReplicaSetCreated"
FOUND_NEW_RS_REASON = "FoundNewReplicaSet"
NEW_RS_AVAILABLE_REASON = "NewReplicaSetAvailable"
RS_UPDATED_REASON = "ReplicaSetUpdated"
TIMED_OUT_REASON = "ProgressDeadlineExceeded"
PAUSED_REASON = "DeploymentPaused"
RESUMED_REASON = "DeploymentResumed"
MIN_AVAILABLE_REASON = "MinimumReplicasAvailable"
MIN_UNAVAILABLE_REASON = "MinimumReplicasUnavailable"

_SKIP_COPY = {LAST_APPLIED, REVISION, REVISION_HISTORY, DESIRED_REPLICAS, MAX_REPLICAS, ROLLBACK_TO}


def replicas(obj: dict) -> int:
    """`*spec.replicas` (defaulted to 1 by the API server)."""
    return obj["spec"].get("replicas", 1)


def is_rolling_update(d: dict) -> bool:
    return d["spec"].get("strategy", {}).get("type", "RollingUpdate") == "RollingUpdate"


def resolve_fenceposts(max_surge, max_unavailable, desired: int) -> tuple[int, int]:
    """`ResolveFenceposts`: surge rounds up, unavailable down; both 0 makes unavailable 1.

    10 replicas, 25%/25% -> (3, 2). 1 replica, 0/25% -> (0, 0) -> (0, 1).
    A pure function of its arguments, memoised (every rolling-update step asks it several times).
    """
    try:
        return _resolve_fenceposts(max_surge, max_unavailable, desired)
    except TypeError:  # an unhashable value: resolve it uncached (scaled_value says what is wrong with it)
        return _resolve_fenceposts.__wrapped__(max_surge, max_unavailable, desired)


@lru_cache(maxsize=1024, typed=True)
def _resolve_fenceposts(max_surge, max_unavailable, desired: int) -> tuple[int, int]:
    surge = scaled_value(max_surge if max_surge is not None else 0, desired, True)
    unavailable = scaled_value(max_unavailable if max_unavailable is not None else 0, desired, False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


def _rolling(d: dict) -> dict:
    return d["spec"].get("strategy", {}).get("rollingUpdate") or {}


def max_unavailable(d: dict) -> int:
    """`MaxUnavailable`: 0 for Recreate or 0 replicas; else resolved, clamped to replicas."""
    if not is_rolling_update(d) or replicas(d) == 0:
        return 0
    ru = _rolling(d)
    _, unav = resolve_fenceposts(ru.get("maxSurge"), ru.get("maxUnavailable"), replicas(d))
    return min(unav, replicas(d))


def max_surge(d: dict) -> int:
    """`MaxSurge`: 0 for Recreate; else resolved (not clamped)."""
    if not is_rolling_update(d):
        return 0
    ru = _rolling(d)
    surge, _ = resolve_fenceposts(ru.get("maxSurge"), ru.get("maxUnavailable"), replicas(d))
    return surge


def min_available(d: dict) -> int:
    return replicas(d) - max_unavailable(d)


def spec_replicas(rs: dict | None) -> int:
    return 0 if rs is None else rs["spec"].get("replicas", 1)  # `replicas`, inlined: asked many times per sync


def status_of(rs: dict | None, field: str) -> int:
    return 0 if rs is None else (rs.get("status") or {}).get(field, 0)


def replica_count(rss) -> int:
    """`GetReplicaCountForReplicaSets`: Σ spec.replicas."""
    return sum(spec_replicas(rs) for rs in rss if rs is not None)


def actual_replica_count(rss) -> int:
    """`GetActualReplicaCountForReplicaSets`: Σ status.replicas."""
    return sum(status_of(rs, "replicas") for rs in rss if rs is not None)


def ready_replica_count(rss) -> int:
    return sum(status_of(rs, "readyReplicas") for rs in rss if rs is not None)


def available_replica_count(rss) -> int:
    return sum(status_of(rs, "availableReplicas") for rs in rss if rs is not None)


def terminating_replica_count(rss) -> int | None:
    """`GetTerminatingReplicaCountForReplicaSets`: nil if a synced RS does not report it."""
    total = 0
    for rs in rss:
        if rs is None:
            continue
        status = rs.get("status") or {}
        if not status.get("observedGeneration") and status.get("terminatingReplicas") is None:
            continue  # never synced
        if status.get("terminatingReplicas") is None:
            return None
        total += status["terminatingReplicas"]
    return total


def new_rs_new_replicas(d: dict, all_rss, new_rs: dict) -> int:
    """`NewRSNewReplicas`: how large the new ReplicaSet may be now.

    RollingUpdate: ``maxTotal = replicas + maxSurge``; if Σ spec >= maxTotal keep the
    current size, else grow by ``min(maxTotal - Σ spec, replicas - new.spec)``.
    Recreate: the full replica count.
    """
    if is_rolling_update(d):
        surge = scaled_value(_rolling(d).get("maxSurge") or 0, replicas(d), True)
        current = replica_count(all_rss)
        max_total = replicas(d) + surge
        if current >= max_total:
            return spec_replicas(new_rs)
        up = min(max_total - current, replicas(d) - spec_replicas(new_rs))
        return spec_replicas(new_rs) + up
    return replicas(d)


def deployment_complete(d: dict, status: dict) -> bool:
    """`DeploymentComplete`: updated == replicas == available == spec, generation observed."""
    n = replicas(d)
    return (
        status.get("updatedReplicas", 0) == n
        and status.get("replicas", 0) == n
        and status.get("availableReplicas", 0) == n
        and status.get("observedGeneration", 0) >= d["metadata"].get("generation", 1)
    )


def deployment_progressing(d: dict, new_status: dict) -> bool:
    """`DeploymentProgressing`: any of updated, ready, available grew, or old replicas shrank."""
    old = d.get("status") or {}
    old_old = old.get("replicas", 0) - old.get("updatedReplicas", 0)
    new_old = new_status.get("replicas", 0) - new_status.get("updatedReplicas", 0)
    return (
        new_status.get("updatedReplicas", 0) > old.get("updatedReplicas", 0)
        or new_old < old_old
        or new_status.get("readyReplicas", 0) > old.get("readyReplicas", 0)
        or new_status.get("availableReplicas", 0) > old.get("availableReplicas", 0)
    )


def has_progress_deadline(d: dict) -> bool:
    pds = d["spec"].get("progressDeadlineSeconds")
    return pds is not None and pds != 2**31 - 1


def has_revision_history_limit(d: dict) -> bool:
    lim = d["spec"].get("revisionHistoryLimit")
    return lim is not None and lim != 2**31 - 1


def get_condition(status: dict, ctype: str) -> dict | None:
    for c in status.get("conditions") or ():
        if c.get("type") == ctype:
            return c
    return None


def deployment_timed_out(d: dict, new_status: dict, now_ms: int, epoch: int) -> bool:
    """`DeploymentTimedOut`: ``lastUpdateTime + progressDeadlineSeconds`` strictly before now."""
    if not has_progress_deadline(d):
        return False
    cond = get_condition(new_status, "Progressing")
    if cond is None or cond.get("reason") == NEW_RS_AVAILABLE_REASON:
        return False
    if cond.get("reason") == TIMED_OUT_REASON:
        return True
    since = parse_ms(epoch, cond.get("lastUpdateTime"))
    return since is not None and since + d["spec"]["progressDeadlineSeconds"] * 1000 < now_ms


def new_condition(ctype: str, status: str, reason: str, message: str, stamp: str) -> dict:
    return {"type": ctype, "status": status, "lastUpdateTime": stamp, "lastTransitionTime": stamp, "reason": reason, "message": message}


def set_condition(status: dict, cond: dict) -> dict:
    """`SetDeploymentCondition`: no-op when status and reason are unchanged; the changed
    condition moves to the end; lastTransitionTime is kept when only the reason changes."""
    current = get_condition(status, cond["type"])
    if current is not None and current["status"] == cond["status"] and current.get("reason") == cond.get("reason"):
        return status
    if current is not None and current["status"] == cond["status"]:
        cond = {**cond, "lastTransitionTime": current["lastTransitionTime"]}
    conds = [c for c in status.get("conditions") or () if c.get("type") != cond["type"]]
    return {**status, "conditions": conds + [cond]}


def remove_condition(status: dict, ctype: str) -> dict:
    """`RemoveDeploymentCondition`: `status` itself when its conditions hold none of `ctype` (a copy would be
    equal), else a copy without them (and without an emptied `conditions`)."""
    if status.get("conditions") and get_condition(status, ctype) is None:
        return status
    conds = [c for c in status.get("conditions") or () if c.get("type") != ctype]
    out = {**status}
    if conds:
        out["conditions"] = conds
    else:
        out.pop("conditions", None)
    return out


# ----- templates, hashes, revisions ------------------------------------------------------


def template_without_hash(template: dict) -> dict:
    md = template.get("metadata") or {}
    labels = md.get("labels") or {}
    if HASH_LABEL not in labels:
        return template
    labels = {k: v for k, v in labels.items() if k != HASH_LABEL}
    return {**template, "metadata": {**md, "labels": labels}}


def template_key(template: dict) -> str:
    """A canonical text of a pod template, ignoring the pod-template-hash label."""
    return json.dumps(template_without_hash(template), sort_keys=True, separators=(",", ":"))


def equal_ignore_hash(t1: dict, t2: dict) -> bool:
    """`EqualIgnoreHash`: templates equal once the pod-template-hash label is removed."""
    return template_key(t1) == template_key(t2)


def compute_hash(template: dict, collision_count: int | None) -> str:
    """`controller.ComputeHash`: FNV-32a of the template (+ collisionCount), safe-encoded.

    Upstream hashes a Go struct dump we cannot reproduce byte for byte; this hashes the
    canonical JSON instead, so values differ from a real cluster's but have the same form
    (digits mapped through `SafeEncodeString`: only ``4-9, b, c, d, f``).
    """
    h = 0x811C9DC5
    data = template_key(template).encode()
    if collision_count is not None:
        data += (collision_count & 0xFFFFFFFF).to_bytes(4, "little") + b"\0\0\0\0"
    for byte in data:
        h ^= byte
        h = (h * 0x01000193) & 0xFFFFFFFF
    return "".join(ALPHANUMS[ord(c) % len(ALPHANUMS)] for c in str(h))


def revision(rs: dict | None) -> int:
    """`Revision`: the revision annotation as an int (0 when absent or invalid)."""
    if rs is None:
        return 0
    raw = (rs["metadata"].get("annotations") or {}).get(REVISION)
    try:
        return int(raw) if raw is not None else 0
    except ValueError:
        return 0


def max_revision(rss) -> int:
    return max((revision(rs) for rs in rss if rs is not None), default=0)


def last_revision(rss) -> int:
    """`LastRevision`: the second-highest revision number."""
    top = second = 0
    for rs in rss:
        v = revision(rs)
        if v >= top:
            second, top = top, v
        elif v > second:
            second = v
    return second


def creation_key(rs: dict) -> tuple:
    """`ReplicaSetsByCreationTimestamp`: oldest first, name breaking ties."""
    return (rs["metadata"]["creationTimestamp"], rs["metadata"]["name"])


def by_creation(rss) -> list[dict]:
    return sorted((rs for rs in rss if rs is not None), key=creation_key)


def by_revision(rss) -> list[dict]:
    """`ReplicaSetsByRevision`: ascending revision, then creation order."""
    return sorted(rss, key=lambda rs: (revision(rs), creation_key(rs)))


def by_size_newer(rss) -> list[dict]:
    """`ReplicaSetsBySizeNewer`: largest first; equal sizes newer first."""
    ordered = sorted(rss, key=creation_key, reverse=True)
    return sorted(ordered, key=lambda rs: -spec_replicas(rs))


def by_size_older(rss) -> list[dict]:
    """`ReplicaSetsBySizeOlder`: largest first; equal sizes older first."""
    ordered = sorted(rss, key=creation_key)
    return sorted(ordered, key=lambda rs: -spec_replicas(rs))


def filter_active(rss) -> list[dict]:
    """`FilterActiveReplicaSets`: spec.replicas > 0."""
    return [rs for rs in rss if rs is not None and spec_replicas(rs) > 0]


#: id(template) -> (template, key) for templates of *stored* objects, which are never
#: mutated: the entry keeps the dict alive, so its id cannot be reused while cached.
_STORED_KEYS: dict[int, tuple[dict, str]] = {}


def _stored_template_key(template: dict) -> str:
    """`template_key` of a template inside a stored object, memoised by identity."""
    hit = _STORED_KEYS.get(id(template))
    if hit is not None and hit[0] is template:
        return hit[1]
    if len(_STORED_KEYS) >= 4096:
        _STORED_KEYS.clear()
    key = template_key(template)
    _STORED_KEYS[id(template)] = (template, key)
    return key


def find_new_rs(d: dict, rss) -> dict | None:
    """`FindNewReplicaSet`: the oldest ReplicaSet whose template equals the Deployment's.

    `d` and `rss` are stored objects (read from the state), never mutated in place, so the answer is
    memoised by their identities (a rollout step asks it several times of the same objects).
    """
    template = d["spec"]["template"]
    rss = tuple(rss)
    memo = (id(template), *map(id, rss))
    hit = _NEW_RS.get(memo)
    if hit is not None:  # the entry holds the objects its key names, so no other object can have their ids
        return hit[2]
    key = _stored_template_key(template)
    found = None
    for rs in by_creation(rss):
        if _stored_template_key(rs["spec"]["template"]) == key:
            found = rs
            break
    if len(_NEW_RS) >= 1024:
        _NEW_RS.clear()
    _NEW_RS[memo] = (template, rss, found)  # keeps the objects alive: their ids are not reused meanwhile
    return found


#: (id(template), ids of the ReplicaSets) -> (template, ReplicaSets, `find_new_rs` of them).
_NEW_RS: dict[tuple, tuple] = {}


def find_old_rss(d: dict, rss) -> tuple[list[dict], list[dict]]:
    """`FindOldReplicaSets`: (old with pods, all old)."""
    new = find_new_rs(d, rss)
    all_old = [rs for rs in rss if new is None or rs["metadata"]["uid"] != new["metadata"]["uid"]]
    return [rs for rs in all_old if spec_replicas(rs) != 0], all_old


def find_active_or_latest(new_rs: dict | None, old_rss) -> dict | None:
    """`FindActiveOrLatest`: the only active ReplicaSet, else the newest when none is active."""
    if new_rs is None and not old_rss:
        return None
    old_sorted = sorted(old_rss, key=creation_key, reverse=True)
    active = filter_active(old_sorted + [new_rs])
    if len(active) == 0:
        return new_rs if new_rs is not None else old_sorted[0]
    if len(active) == 1:
        return active[0]
    return None


def desired_replicas_annotation(rs: dict) -> int | None:
    raw = (rs["metadata"].get("annotations") or {}).get(DESIRED_REPLICAS)
    try:
        return int(raw) if raw is not None else None
    except ValueError:
        return None


def max_replicas_annotation(rs: dict) -> int | None:
    raw = (rs["metadata"].get("annotations") or {}).get(MAX_REPLICAS)
    try:
        return int(raw) if raw is not None else None
    except ValueError:
        return None


def is_saturated(d: dict, rs: dict | None) -> bool:
    """`IsSaturated`: the new RS has all replicas, its desired annotation agrees, all available."""
    if rs is None:
        return False
    desired = desired_replicas_annotation(rs)
    if desired is None:
        return False
    n = replicas(d)
    return spec_replicas(rs) == n and desired == n and status_of(rs, "availableReplicas") == n


def replica_set_fraction(rs: dict, d: dict) -> int:
    """`getReplicaSetFraction`: ``round(rs.spec * (replicas + maxSurge) / max-replicas) - rs.spec``.

    Rounds half away from zero (Go's `math.Round`).
    """
    if replicas(d) == 0:
        return -spec_replicas(rs)
    deployment_max = replicas(d) + max_surge(d)
    before = max_replicas_annotation(rs)
    if not before:
        before = (d.get("status") or {}).get("replicas", 0)
        if before == 0:
            return 0
    return round_half_away(spec_replicas(rs) * deployment_max / before) - spec_replicas(rs)


def replica_set_proportion(rs: dict, d: dict, to_add: int, added: int) -> int:
    """`GetReplicaSetProportion`: this RS's share of `to_add`, bounded by what is left."""
    if rs is None or spec_replicas(rs) == 0 or to_add == 0 or to_add == added:
        return 0
    fraction = replica_set_fraction(rs, d)
    allowed = to_add - added
    return min(fraction, allowed) if to_add > 0 else max(fraction, allowed)


def replicas_annotations_need_update(rs: dict, desired: int, max_total: int) -> bool:
    ann = rs["metadata"].get("annotations") or {}
    return ann.get(DESIRED_REPLICAS) != str(desired) or ann.get(MAX_REPLICAS) != str(max_total)


def with_replicas_annotations(annotations: dict, desired: int, max_total: int) -> dict:
    return {**annotations, DESIRED_REPLICAS: str(desired), MAX_REPLICAS: str(max_total)}


def new_rs_annotations(d: dict, rs: dict, new_revision: int, exists: bool) -> tuple[bool, dict]:
    """`SetNewReplicaSetAnnotations`: copy the Deployment's annotations, bump the revision.

    The revision only ever grows; when an RS that had a revision gets a new one (a
    re-used template, e.g. after `rollout undo`), the old number is appended to
    revision-history (trimmed from the front to 2000 characters). A new RS also gets the
    desired/max replicas annotations.
    """
    ann = dict(rs["metadata"].get("annotations") or {})
    changed = False
    for k, v in (d["metadata"].get("annotations") or {}).items():
        if k in _SKIP_COPY or ann.get(k) == v:
            continue
        ann[k] = v
        changed = True
    had = REVISION in ann
    old_raw = ann.get(REVISION, "")
    try:
        old_rev = int(old_raw) if old_raw != "" else 0
    except ValueError:
        return False, rs["metadata"].get("annotations") or {}
    if old_rev < new_revision:
        ann[REVISION] = str(new_revision)
        changed = True
        if had:
            history = ann.get(REVISION_HISTORY, "")
            olds = history.split(",")
            if olds[0] == "":
                ann[REVISION_HISTORY] = old_raw
            else:
                total = len(history) + len(old_raw) + 1
                start = 0
                while total > MAX_REV_HISTORY_CHARS and start < len(olds):
                    total -= len(olds[start]) + 1
                    start += 1
                if total <= MAX_REV_HISTORY_CHARS:
                    ann[REVISION_HISTORY] = ",".join(olds[start:] + [old_raw])
    if not exists:
        n = replicas(d)
        if replicas_annotations_need_update({"metadata": {"annotations": ann}}, n, n + max_surge(d)):
            ann = with_replicas_annotations(ann, n, n + max_surge(d))
            changed = True
    return changed, ann
