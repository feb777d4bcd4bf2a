"""Pod predicates the controllers share (`pkg/api/v1/pod/util.go`, `controller_utils.go`)."""

from __future__ import annotations

import math

from .clock import parse_ms


def is_active(pod: dict) -> bool:
    """`controller.IsPodActive`: not Succeeded, not Failed, no deletionTimestamp."""
    return pod["status"].get("phase") not in ("Succeeded", "Failed") and not pod["metadata"].get("deletionTimestamp")


def is_terminating(pod: dict) -> bool:
    """Marked for deletion but not yet in a terminal phase."""
    return bool(pod["metadata"].get("deletionTimestamp")) and pod["status"].get("phase") not in ("Succeeded", "Failed")


def ready_condition(pod: dict) -> dict | None:
    for c in pod["status"].get("conditions") or ():
        if c.get("type") == "Ready":
            return c
    return None


def is_ready(pod: dict) -> bool:
    """`podutil.IsPodReady`: the Ready condition is True."""
    c = ready_condition(pod)
    return c is not None and c.get("status") == "True"


def ready_since_ms(pod: dict, epoch: int) -> int | None:
    """Logical time (ms, whole seconds as stored) of the Ready condition's last transition."""
    c = ready_condition(pod)
    if c is None or c.get("status") != "True":
        return None
    return parse_ms(epoch, c.get("lastTransitionTime"))


def available_at_ms(pod: dict, min_ready_seconds: int, epoch: int) -> int | None:
    """Return the first logical instant at which a ready pod counts as available.

    `podutil.IsPodAvailable`: ready, and either minReadySeconds is 0 or
    ``lastTransitionTime + minReadySeconds`` is strictly before now. With the stored
    second-resolution timestamp `t`, the pod is available from ``t + minReady + 1 ms``.
    """
    since = ready_since_ms(pod, epoch)
    if since is None:
        return None
    if min_ready_seconds == 0:
        return since
    return since + min_ready_seconds * 1000 + 1


def is_available(pod: dict, min_ready_seconds: int, now_ms: int, epoch: int) -> bool:
    """`podutil.IsPodAvailable` at logical time `now_ms`."""
    if not is_ready(pod):
        return False
    if min_ready_seconds == 0:
        return True
    at = available_at_ms(pod, min_ready_seconds, epoch)
    return at is not None and at <= now_ms


def max_restarts(pod: dict) -> int:
    return max((c.get("restartCount", 0) for c in pod["status"].get("containerStatuses") or ()), default=0)


_PHASE_RANK = {"Pending": 0, "Unknown": 1, "Running": 2}


def _log_rank(t_ms: int, now_ms: int) -> int:
    d_ns = (now_ms - t_ms) * 1_000_000
    return int(math.log2(d_ns)) if d_ns > 0 else -1


def compare_for_deletion(a: tuple, b: tuple, now_ms: int, epoch: int) -> int:
    """Order two (pod, rank) pairs: negative when `a` should be deleted before `b`.

    Mirrors `controller.ActivePodsWithRanks.Less` with PodDeletionCost and
    LogarithmicScaleDown on (both default-on since v1.22):
    1. unassigned < assigned; 2. Pending < Unknown < Running; 3. not ready < ready;
    4. lower pod-deletion-cost first; 5. higher rank (more related pods on the same node)
    first; 6. both ready: the more recently ready first, comparing floor(log2(age in ns))
    buckets, and lower UID first inside one bucket; 7. more container restarts first;
    8. newer first, again by log2 buckets with the UID as tie-break.
    """
    pa, ra = a
    pb, rb = b
    na, nb = pa["spec"].get("nodeName", ""), pb["spec"].get("nodeName", "")
    if bool(na) != bool(nb):
        return -1 if not na else 1
    pha, phb = _PHASE_RANK.get(pa["status"].get("phase"), 3), _PHASE_RANK.get(pb["status"].get("phase"), 3)
    if pha != phb:
        return -1 if pha < phb else 1
    rda, rdb = is_ready(pa), is_ready(pb)
    if rda != rdb:
        return -1 if not rda else 1
    ca, cb = deletion_cost(pa), deletion_cost(pb)
    if ca != cb:
        return -1 if ca < cb else 1
    if ra != rb:
        return -1 if ra > rb else 1
    ua, ub = pa["metadata"]["uid"], pb["metadata"]["uid"]
    if rda and rdb:
        ta, tb = ready_since_ms(pa, epoch), ready_since_ms(pb, epoch)
        if ta != tb:
            diff = _log_rank(ta, now_ms) - _log_rank(tb, now_ms)
            if diff == 0:
                return -1 if ua < ub else 1
            return -1 if diff < 0 else 1
    xa, xb = max_restarts(pa), max_restarts(pb)
    if xa != xb:
        return -1 if xa > xb else 1
    ta, tb = parse_ms(epoch, pa["metadata"]["creationTimestamp"]), parse_ms(epoch, pb["metadata"]["creationTimestamp"])
    if ta != tb:
        diff = _log_rank(ta, now_ms) - _log_rank(tb, now_ms)
        if diff == 0:
            return -1 if ua < ub else 1
        return -1 if diff < 0 else 1
    return 0


def deletion_cost(pod: dict) -> int:
    """The `controller.kubernetes.io/pod-deletion-cost` annotation (0 when absent or invalid)."""
    raw = (pod["metadata"].get("annotations") or {}).get("controller.kubernetes.io/pod-deletion-cost")
    try:
        return int(raw) if raw is not None else 0
    except ValueError:
        return 0
