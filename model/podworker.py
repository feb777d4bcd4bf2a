"""The kubelet's pod worker timing: when a pod is synced again (pkg/kubelet/pod_workers.go).

`podWorkers.completeWork` requeues a pod after each sync: after `wait.Jitter(backOffPeriod, 0.5)`
(10-15 s; `backOffPeriod` in kubelet.go, `workerBackOffPeriodJitterFactor`) when the sync failed, as
when a container's ConfigMap is missing (a new pod's first failed attempt is followed by one more
within a second: the generic PLEG's next relist, `genericPlegRelistPeriod` 1 s, sees the sandbox that
attempt started and has the pod synced again; the real node shows attempts at 0, 0.7 and 12.8 s); after `wait.Jitter(syncFrequency, 0.5)`
(`Config.sync_frequency_ms`, `workerResyncIntervalJitterFactor`) when it succeeded. The jitter is
drawn from the cluster's seed.

Abstracts: the model holds no timer for the back-off wake-ups, so that a cluster with a blocked container
settles (it holds one for a new pod's PLEG attempt, 1 s after the first, `kubelet._pleg_attempt`: a settled
state has both attempts, as the real node has a second later). A blocked container's later attempts are played when the kubelet next looks at the pod (a change
of a ConfigMap the pod uses triggers that at once), each attempt before then having failed. The
periodic syncs only matter for ConfigMap volumes; they are counted from the pod's last container
start (upstream, any sync restarts the period, and a sync for another reason would take a volume
change earlier); the watch delay of the kubelet's ConfigMap cache is taken as zero.
"""

from __future__ import annotations

import hashlib

from .state import ClusterState

#: `backOffPeriod` (pkg/kubelet/kubelet.go): how long the pod worker waits after a failed sync.
BACKOFF_PERIOD_MS = 10_000
#: `genericPlegRelistPeriod` (kubelet.go): a new sandbox is seen, and its pod synced again, this much later.
PLEG_RELIST_MS = 1_000


def jittered(st: ClusterState, period_ms: int, *salt) -> int:
    """`wait.Jitter(period, 0.5)`: `period_ms` plus up to half of it, drawn from the cluster's seed and `salt`."""
    h = hashlib.blake2b(repr((st.config.seed, *salt)).encode(), digest_size=8).digest()
    return period_ms + ((int.from_bytes(h, "big") * (period_ms // 2)) >> 64)


def retry_attempts(st: ClusterState, uid: str, container: str, retry: tuple, *, resolvable: bool) -> tuple[list[int], tuple, int | None]:
    """Play the retries of a blocked container up to now.

    `retry` is (first failed attempt ms, index of the last attempt played, its ms); attempt 1 follows
    attempt 0 after `PLEG_RELIST_MS` (a retry that starts at index 1 has no new sandbox). Returns the times
    of the attempts that failed since (those before now, and one at now unless the environment
    is `resolvable` now), the new `retry`, and, if `resolvable`, when the container starts: the
    first attempt from now on.
    """
    first, k, at = retry
    now = st.now
    failed = []
    while True:
        nxt = at + (PLEG_RELIST_MS if k == 0 else jittered(st, BACKOFF_PERIOD_MS, uid, container, first, k + 1))
        if nxt > now or (nxt == now and resolvable):
            break
        failed.append(nxt)
        k, at = k + 1, nxt
    return failed, (first, k, at), (nxt if resolvable else None)


def next_periodic_sync(st: ClusterState, uid: str, rt) -> int:
    """The time of the first periodic sync of pod `uid` (kubelet record `rt`) after now."""
    anchor = max([rt.sandbox_ms, *(c.started_ms for c in rt.containers if c.started_ms is not None)])
    k, at = 0, anchor
    while at <= st.now:
        k += 1
        at += jittered(st, st.config.sync_frequency_ms, uid, anchor, k)
    return at


__all__ = ["BACKOFF_PERIOD_MS", "PLEG_RELIST_MS", "jittered", "next_periodic_sync", "retry_attempts"]
