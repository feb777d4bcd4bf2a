"""Tests for model/deployment/rolling.py: the RollingUpdate strategy, one bounded step per sync.

Every expected sequence below was derived by hand from upstream
`pkg/controller/deployment/rolling.go` (`rolloutRolling`, `reconcileNewReplicaSet`,
`reconcileOldReplicaSets`, `cleanupUnhealthyReplicas`, `scaleDownOldReplicaSetsForRollingUpdate`)
and `util/deployment_util.go` (`ResolveFenceposts`, `NewRSNewReplicas`, `MaxUnavailable`), and is
written literally. A step is ``(old spec, old available, new spec, new available)``, recorded
from `m.history` after the image change and de-duplicated; the order of equal-time steps is the
model's default interleaving (FIFO work queue: a ReplicaSet's own sync runs before the
Deployment's next one when both are queued by the same write).

Timing in the default `m.Config`: a pod's container starts (and, without a readiness delay,
is ready) 1 s after the pod is bound; deleted pods are gone 1 s later.
"""

from __future__ import annotations

import pytest

from kubesim import model as m
from simkit import NS, condition, deployment, pods_of, rs_by_image, record_rollout, rollout_sizes, run, service

NEW = "nginx:2"


def _rolled(replicas, max_surge, max_unavailable, new_image=NEW, **kw):
    """Create the Deployment at nginx:1, let it settle, change the image; return (state, steps)."""
    st = run(m.Apply(deployment(replicas=replicas, max_surge=max_surge, max_unavailable=max_unavailable, **kw)))
    st = m.step(st, m.SetImage("web", "app", new_image))
    return record_rollout(st, new_image)


# The sequences. Derivation notes per case: surge/unav from ResolveFenceposts (surge ceil,
# unavailable floor, both 0 -> unavailable 1); maxTotal = replicas + surge; minAvailable =
# replicas - MaxUnavailable.
SEQUENCES = {
    # surge ceil(0.75)=1, unav floor(0.75)=0; maxTotal 4, minAvailable 3.
    # Create B at min(4-3, 3)=1; old step: 4-3-(1-0)=0 -> nothing. B available -> maxScaledDown
    # 4-3-0=1, available 4 > 3 -> A 3->2; next sync B 2 (3<4); ... surge-only, never below 3.
    "3-25%-25%": (
        (3, "25%", "25%"),
        [
            (3, 3, 0, 0),
            (3, 3, 1, 0),
            (3, 3, 1, 1),
            (2, 3, 1, 1),
            (2, 2, 1, 1),
            (2, 2, 2, 1),
            (2, 2, 2, 2),
            (1, 2, 2, 2),
            (1, 1, 2, 2),
            (1, 1, 3, 2),
            (1, 1, 3, 3),
            (0, 1, 3, 3),
            (0, 0, 3, 3),
        ],
    ),
    # surge 0, unav 1; maxTotal 3, minAvailable 2. B is created at 0 (3 >= 3), and in the same
    # sync the old step scales A 3->2 (maxScaledDown 3-2-0=1, available 3 > 2). Delete first.
    "3-0-1": (
        (3, 0, 1),
        [
            (3, 3, 0, 0),
            (2, 3, 0, 0),
            (2, 3, 1, 0),
            (2, 2, 1, 0),
            (2, 2, 1, 1),
            (1, 2, 1, 1),
            (1, 1, 1, 1),
            (1, 1, 2, 1),
            (1, 1, 2, 2),
            (0, 1, 2, 2),
            (0, 0, 2, 2),
            (0, 0, 3, 2),
            (0, 0, 3, 3),
        ],
    ),
    # maxTotal 13, minAvailable 8. Create B at 3; same sync: maxScaledDown 13-8-3=2 -> A 8.
    # Next: B 3+min(13-11, 7)=5. B's 5 available: maxScaledDown 13-8-0=5, available 13 -> A 3.
    # B 5+min(13-8, 5)=10. Then A 0.
    "10-3-2": (
        (10, 3, 2),
        [
            (10, 10, 0, 0),
            (8, 10, 3, 0),
            (8, 10, 5, 0),
            (8, 8, 5, 0),
            (8, 8, 5, 5),
            (3, 8, 5, 5),
            (3, 3, 5, 5),
            (3, 3, 10, 5),
            (3, 3, 10, 10),
            (0, 3, 10, 10),
            (0, 0, 10, 10),
        ],
    ),
    # ceil(2.5)=3, floor(2.5)=2: the same numbers as 10/3/2.
    "10-25%-25%": (
        (10, "25%", "25%"),
        [
            (10, 10, 0, 0),
            (8, 10, 3, 0),
            (8, 10, 5, 0),
            (8, 8, 5, 0),
            (8, 8, 5, 5),
            (3, 8, 5, 5),
            (3, 3, 5, 5),
            (3, 3, 10, 5),
            (3, 3, 10, 10),
            (0, 3, 10, 10),
            (0, 0, 10, 10),
        ],
    ),
    # surge 0, unav 1 (clamped to replicas 1); minAvailable 0, maxTotal 1: B created at 0 and
    # A 1->0 in the same sync; then B 1. There is a moment with no available pod.
    "1-0-1": (
        (1, 0, 1),
        [
            (1, 1, 0, 0),
            (0, 1, 0, 0),
            (0, 1, 1, 0),
            (0, 0, 1, 0),
            (0, 0, 1, 1),
        ],
    ),
    # surge 5, unav 0: B created at full size 5 (min(10-5, 5)); A goes once all 5 are available
    # (maxScaledDown 10-5-0=5, available 10 > 5): blue-green.
    "5-100%-0": (
        (5, "100%", 0),
        [
            (5, 5, 0, 0),
            (5, 5, 5, 0),
            (5, 5, 5, 5),
            (0, 5, 5, 5),
            (0, 0, 5, 5),
        ],
    ),
}


@pytest.mark.parametrize("case", list(SEQUENCES), ids=list(SEQUENCES))
def test_rolling_update_sequence(case):
    """On an image change with (replicas, maxSurge, maxUnavailable), the ReplicaSets step exactly as rolling.go does."""
    (replicas, surge, unav), expected = SEQUENCES[case]
    st, steps = _rolled(replicas, surge, unav)
    assert steps == expected
    d = st.get("Deployment", NS, "web")
    assert d["status"]["updatedReplicas"] == replicas and d["status"]["availableReplicas"] == replicas


def test_default_strategy_is_25_percent_each():
    """On a Deployment without a strategy, the defaults (25%/25%) give the 3-replica surge-only sequence (SetDefaults_Deployment)."""
    st = run(m.Apply(deployment(replicas=3)))
    st = m.step(st, m.SetImage("web", "app", NEW))
    _, steps = record_rollout(st, NEW)
    assert steps == SEQUENCES["3-25%-25%"][1]


def test_available_never_below_min_available_and_spec_never_above_max_total():
    """On 10/3/2, at every intermediate state Σ spec <= 13 (replicas + maxSurge) and Σ available >= 8 (minAvailable)."""
    _, steps = _rolled(10, 3, 2)
    assert max(o + n for o, _, n, _ in steps) == 13
    assert min(oa + na for _, oa, _, na in steps) == 8


def test_terminating_pods_are_not_counted():
    """On 10/3/2, pods that are terminating are invisible to the math: 13 active pods, but 18 pods exist at t=2s.

    At t=2s the old RS goes 8->3 (5 pods terminate for 1 s) and the new RS 5->10 (5 pods created):
    3 + 5 + 10 = 18 objects; 3 + 10 = 13 active (reference §1.6, "max active 13, including terminating 18").
    """
    st = run(m.Apply(deployment(replicas=10, max_surge=3, max_unavailable=2)))
    st = m.step(st, m.SetImage("web", "app", NEW))
    most = most_active = 0
    for s in m.history(st):
        most = max(most, len(s.list("Pod", NS)))
        most_active = max(most_active, len(pods_of(s)))
    assert (most, most_active) == (18, 13)


def test_scale_up_returns_before_scale_down():
    """On a sync that scales the new RS up, no old RS is scaled down in the same sync (`rolloutRolling` returns).

    3 replicas, 25%/25%, right after B's first pod is available: one sync scales A 3->2 only;
    the next one scales B 1->2 only (each Deployment sync changes one RS size at most here).
    """
    st = run(m.Apply(deployment(replicas=3)))
    st = m.step(st, m.SetImage("web", "app", NEW))
    prev = None
    for s in m.history(st):
        sizes = rollout_sizes(s, NEW)
        if prev is not None and s is not st:
            changed_specs = (sizes[0] != prev[0]) + (sizes[2] != prev[2])
            assert changed_specs <= 1, (prev, sizes)
        prev = sizes


def test_creation_sync_also_scales_down():
    """On the sync that creates the new RS (10/3/2), the old RS is scaled 10->8 in that same sync.

    Creation happens in getAllReplicaSetsAndSyncRevision, so reconcileNewReplicaSet finds nothing
    to scale (13 >= 13) and reconcileOldReplicaSets runs: maxScaledDown = 13-8-3 = 2.
    """
    st = run(m.Apply(deployment(replicas=10, max_surge=3, max_unavailable=2)))
    st = m.step(st, m.SetImage("web", "app", NEW))
    st = m.step(st, m.RunWork(("deployment", NS, "web")))
    assert rollout_sizes(st, NEW)[0::2] == (8, 3)


def test_rollover_cleans_unhealthy_old_replicas_first():
    """On a second template change while the first new RS has unavailable pods, that RS is scaled down first.

    3 replicas, 25%/25% (surge 1, unav 0). v1 A=3/3, v2 never ready: B=1/0 stuck (old step
    4-3-1=0). v3: C is created at 0 (4 >= 4); old step maxScaledDown 4-3-0=1 ->
    `cleanupUnhealthyReplicas` (oldest first, A is healthy) takes B 1->0; the healthy scale-down
    finds available 3 <= 3. Then C grows as in the plain 3-replica sequence (upstream e2e "rollover").
    """
    st = run(m.Apply(deployment(replicas=3)))
    st = run(m.SetImage("web", "app", "nginx:never-ready"), st=st)
    specs = {rs["spec"]["template"]["spec"]["containers"][0]["image"]: rs["spec"]["replicas"] for rs in st.list("ReplicaSet", NS)}
    assert specs == {"nginx:1": 3, "nginx:never-ready": 1}
    st = m.step(st, m.SetImage("web", "app", "nginx:3"))
    st = m.step(st, m.RunWork(("deployment", NS, "web")))
    specs = {rs["spec"]["template"]["spec"]["containers"][0]["image"]: rs["spec"]["replicas"] for rs in st.list("ReplicaSet", NS)}
    assert specs == {"nginx:1": 3, "nginx:never-ready": 0, "nginx:3": 0}
    st = m.settle(st)
    specs = {rs["spec"]["template"]["spec"]["containers"][0]["image"]: rs["spec"]["replicas"] for rs in st.list("ReplicaSet", NS)}
    assert specs == {"nginx:1": 0, "nginx:never-ready": 0, "nginx:3": 3}


def _run_without(st, controller: str, until_ms: int):
    """Run every queued sync except `controller`'s, moving time up to `until_ms` (they stay queued)."""
    return _run_except(st, lambda w: w[0] == controller, until_ms)


def test_old_replica_sets_scaled_down_oldest_first():
    """On a rollover with two healthy old RSs, the healthy scale-down goes to the oldest first.

    4 replicas, maxSurge 0, maxUnavailable 2 (minAvailable 2, maxTotal 4). v2: B created at 0,
    A 4->2 in one sync; next sync B 0->2. Hold the Deployment controller while B's pods become
    available: A=2/2, B=2/2. v3, one sync: C created at 0 (4 >= 4); maxScaledDown 4-2-0=2;
    no unhealthy replicas; available 4 > 2 -> toScale 2, walking old RSs oldest first:
    A 2->0, B untouched (`scaleDownOldReplicaSetsForRollingUpdate`).
    """
    st = run(m.Apply(deployment(replicas=4, max_surge=0, max_unavailable=2)))
    st = m.step(st, m.SetImage("web", "app", NEW))
    st = m.run_queue(st)
    assert rollout_sizes(st, NEW) == (2, 2, 2, 0)
    st = _run_without(st, "deployment", st.now + 5_000)
    assert rollout_sizes(st, NEW) == (2, 2, 2, 2)
    st = m.step(st, m.SetImage("web", "app", "nginx:3"))
    st = m.step(st, m.RunWork(("deployment", NS, "web")))
    specs = {rs["spec"]["template"]["spec"]["containers"][0]["image"]: rs["spec"]["replicas"] for rs in st.list("ReplicaSet", NS)}
    assert specs == {"nginx:1": 0, NEW: 2, "nginx:3": 0}


def test_never_ready_rollout_stalls_and_times_out():
    """On 10/3/2 to an image that never becomes ready, the rollout stalls at old=8, new=5 (upstream e2e
    "proportional scaling"); the Service keeps 8 ready endpoints throughout; after
    progressDeadlineSeconds the Progressing condition is False/ProgressDeadlineExceeded.

    Last progress: t=1s (the new RS's 5 pods were counted). `DeploymentTimedOut` is
    ``lastUpdateTime + 30 s`` strictly before now; `requeueStuckDeployment` wakes the controller
    ``after + 1 s`` later, i.e. at t = 1 + 30 + 1 = 32 s.
    """
    st = run(m.Apply(deployment(replicas=10, max_surge=3, max_unavailable=2, progress_deadline_seconds=30)), m.Apply(service()))
    assert st.now == 1000
    st = m.step(st, m.SetImage("web", "app", "nginx:never-ready"))
    ready_counts = []
    last = st
    for s in m.history(st, max_ms=20_000):
        ep = s.get("Endpoints", NS, "web")
        ready_counts.append(sum(len(ss.get("addresses") or ()) for ss in (ep or {}).get("subsets") or ()))
        last = s
    st = last
    assert rollout_sizes(st, "nginx:never-ready") == (8, 8, 5, 0)
    assert min(ready_counts) == 8
    ep = st.get("Endpoints", NS, "web")
    assert [len(ss.get("addresses") or ()) for ss in ep["subsets"]] == [8]
    assert [len(ss.get("notReadyAddresses") or ()) for ss in ep["subsets"]] == [5]
    d = st.get("Deployment", NS, "web")
    prog = condition(d, "Progressing")
    assert (prog["status"], prog["reason"], prog["lastUpdateTime"]) == ("True", "ReplicaSetUpdated", "2026-01-01T00:00:01Z")
    assert st.now <= 2000
    # Just before the wake-up: still progressing; at it: timed out.
    st = m.advance(st, 31_999 - st.now)
    assert condition(st.get("Deployment", NS, "web"), "Progressing")["reason"] == "ReplicaSetUpdated"
    st = m.advance(st, 1)
    prog = condition(st.get("Deployment", NS, "web"), "Progressing")
    rs_name = next(rs["metadata"]["name"] for rs in st.list("ReplicaSet", NS) if rs["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:never-ready")
    assert prog == {
        "type": "Progressing",
        "status": "False",
        "lastUpdateTime": "2026-01-01T00:00:32Z",
        "lastTransitionTime": "2026-01-01T00:00:32Z",
        "reason": "ProgressDeadlineExceeded",
        "message": f'ReplicaSet "{rs_name}" has timed out progressing.',
    }
    # Timing out changes only the condition: the ReplicaSets stay as they were.
    assert rollout_sizes(st, "nginx:never-ready") == (8, 8, 5, 0)


@pytest.mark.parametrize("at_ms, timed_out", [(30_999, False), (31_000, False), (31_001, True)], ids=["deadline-1ms", "deadline", "deadline+1ms"])
def test_deadline_boundary_on_a_sync(at_ms, timed_out):
    """On a Deployment sync at lastUpdateTime(1 s) + 30 s -1 ms / +0 / +1 ms, only the last one times out
    (`DeploymentTimedOut`: ``from.Add(delta).Before(now)``, strictly before)."""
    st = run(m.Apply(deployment(replicas=10, max_surge=3, max_unavailable=2, progress_deadline_seconds=30)))
    st = m.step(st, m.SetImage("web", "app", "nginx:never-ready"))
    st = m.run_queue(st)
    st = m.step(st, m.AdvanceTime(at_ms - st.now))
    assert st.now == at_ms
    st = m.step(st, m.RunWork(("deployment", NS, "web")))
    reason = condition(st.get("Deployment", NS, "web"), "Progressing")["reason"]
    assert reason == ("ProgressDeadlineExceeded" if timed_out else "ReplicaSetUpdated")


def test_refused_unhealthy_cleanup_still_syncs_the_rollout_status():
    """A refused clean-up is dropped and the sync still writes the status (`reconcileOldReplicaSets`).

    3 replicas, maxSurge 1, maxUnavailable 1 (maxTotal 4, minAvailable 2). v2, one sync: B is
    created at 1 and A 3->2. A's own ReplicaSet sync is held, so its status keeps 3 available
    pods while B's two pods become available (B 1->2 on the next sync: 3 < 4). Then one sync:
    no scale-up (4 >= 4); maxScaledDown 4-2-0 = 2; `cleanupUnhealthyReplicas` finds A with
    spec 2 != available 3 and would take it 2 -> 3, so it returns "got invalid request to scale
    down"; upstream's `reconcileOldReplicaSets` answers ``false, nil`` and `rolloutRolling` goes on
    to `syncRolloutStatus`: availableReplicas 3 + 2 = 5, updatedReplicas 2, sizes untouched.
    """
    st = run(m.Apply(deployment(replicas=3, max_surge=1, max_unavailable=1)))
    a_name = rs_by_image(st, "nginx:1")["metadata"]["name"]
    st = m.step(st, m.SetImage("web", "app", NEW))
    st = m.step(st, m.RunWork(("deployment", NS, "web")))
    assert rollout_sizes(st, NEW)[0::2] == (2, 1)
    held = {("replicaset", NS, a_name), ("deployment", NS, "web")}.__contains__
    st = _run_except(st, held, st.now + 5_000)
    assert rollout_sizes(st, NEW) == (2, 3, 1, 1)
    st = m.step(st, m.RunWork(("deployment", NS, "web")))
    assert st.get("Deployment", NS, "web")["status"]["availableReplicas"] == 4
    st = _run_except(st, held, st.now + 5_000)
    assert rollout_sizes(st, NEW) == (2, 3, 2, 2)
    st = m.step(st, m.RunWork(("deployment", NS, "web")))
    assert rollout_sizes(st, NEW) == (2, 3, 2, 2)
    status = st.get("Deployment", NS, "web")["status"]
    assert (status["availableReplicas"], status["updatedReplicas"]) == (5, 2)


def _run_except(st, held, until_ms: int):
    """Run every queued work item for which `held(work)` is false, moving time up to `until_ms`."""
    while True:
        todo = [w for w in st.pending_work() if not held(w)]
        if todo:
            st = m.step(st, m.RunWork(todo[0]))
        elif st.timer_times and st.timer_times[0] <= until_ms:
            st = m.step(st, m.Tick())
        else:
            return st
