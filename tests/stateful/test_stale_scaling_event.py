"""Regression: a rollout blocked by a stale desired-replicas annotation is upstream's dead end, not a violation.

A long stateful run reported ``settled_deployment_is_complete`` on
`stateful_violation_replay.txt`. Minimized, it needs one Deployment only (the
overlapping ``web-canary`` is incidental): replicas 3 with maxSurge 0 / maxUnavailable
2 starts a rollout (old RS 3 -> 1, annotated desired-replicas=3; new RS at 0), then
replicas: 1 and a new template are applied together. Upstream v1.36 `isScalingEvent`
then sees desired-replicas 3 != 1 on the only active ReplicaSet and routes every sync to
`sync`, whose `scale` returns early because that ReplicaSet's spec.replicas already is 1,
so the annotation stays stale and `rolloutRolling` never runs
(kubernetes/kubernetes#102551; fixes #102579, #138036, #138840 not merged). The model
does the same, so the invariant excludes exactly that state
(`_stale_single_active_scaling`) and still fires on a rollout stalled without it.
"""

from __future__ import annotations

import copy
import os
from unittest import mock

from kubesim.driver import Observation
from kubesim.invariants import INVARIANTS
from kubesim.replay import first_violation, replay
from kubesim.model.deployment import rolling

from kubesim.stateful import deployment_manifest, heredoc

FIXTURE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "stateful_violation_replay.txt")
DESIRED = "deployment.kubernetes.io/desired-replicas"

MINIMIZED = "\n".join(
    [
        heredoc(deployment_manifest("web", 3, "RollingUpdate", 0, 2, 2, 0, "web:1", "none", 1)),
        "kubesim settle",
        "kubectl set image deployment/web web=web:3",
        "kubesim run deployment/default/web",
        "kubectl set image deployment/web web=web:4",
        "kubectl scale deployment/web --replicas=1",
        "kubesim settle",
    ]
)


def complete_violations(obs: Observation) -> list:
    return INVARIANTS["settled_deployment_is_complete"].check(obs)


def settled(script: str):
    runner = replay(script)
    return runner, runner.driver.observe()


def web_rss(obs: Observation) -> dict:
    return {rs["metadata"]["name"]: rs for rs in obs.objects["ReplicaSet"] if rs["metadata"]["name"].startswith("web-") and not rs["metadata"]["name"].startswith("web-canary")}


def test_found_script_replays_clean_and_ends_in_upstreams_dead_end():
    """On the script the stateful run found, no invariant breaks; web's only active RS is old, at replicas 1, annotated 3."""
    script = open(FIXTURE).read()
    err, _ = first_violation(script)
    assert err is None, err
    runner, obs = settled(script)
    d = runner.driver.get("Deployment", "web")
    assert d["spec"]["replicas"] == 1 and not (d.get("status") or {}).get("updatedReplicas")
    active = [rs for rs in web_rss(obs).values() if rs["spec"]["replicas"] > 0]
    assert [(rs["metadata"]["name"], rs["spec"]["replicas"], rs["metadata"]["annotations"][DESIRED]) for rs in active] == [("web-5d97957554", 1, "3")]


def test_minimized_script_is_the_same_dead_end():
    """On the minimized one-Deployment script, the template change is never rolled out and nothing is reported."""
    err, _ = first_violation(MINIMIZED)
    assert err is None, err
    runner, obs = settled(MINIMIZED)
    d = runner.driver.get("Deployment", "web")
    assert d["spec"]["template"]["spec"]["containers"][0]["image"] == "web:4"
    assert all(c["image"] != "web:4" for rs in web_rss(obs).values() for c in rs["spec"]["template"]["spec"]["containers"])


def test_invariant_still_fires_when_the_stall_is_not_upstreams_dead_end():
    """On the same settled state with the annotation current, absent, or a second active RS, the stall is a violation."""
    _, obs = settled(open(FIXTURE).read())
    assert complete_violations(obs) == []

    def variant(change) -> Observation:
        objects = copy.deepcopy(obs.objects)
        rss = {rs["metadata"]["name"]: rs for rs in objects["ReplicaSet"]}
        change(rss)
        return Observation(time=obs.time, objects=objects)

    def current(rss):
        rss["web-5d97957554"]["metadata"]["annotations"][DESIRED] = "1"

    def absent(rss):
        del rss["web-5d97957554"]["metadata"]["annotations"][DESIRED]

    def two_active(rss):
        rss["web-6f9b6f9fcc"]["spec"]["replicas"] = 1

    for change in (current, absent, two_active):
        found = complete_violations(variant(change))
        assert [v.subject for v in found] == ["Deployment/web"], change.__name__
        assert "old ReplicaSet web-5d97957554 has spec.replicas=1" in found[0].message


def test_invariant_fires_on_a_model_that_never_creates_the_new_replicaset():
    """On a plain template change (no scaling event) with the new-RS creation broken, the stalled rollout is reported."""
    script = "\n".join(
        [
            heredoc(deployment_manifest("web", 3, "RollingUpdate", 0, 2, 2, 0, "web:1", "none", 1)),
            "kubesim settle",
            "kubectl set image deployment/web web=web:3",
            "kubesim settle",
        ]
    )
    assert first_violation(script)[0] is None
    real = rolling.get_all_replica_sets_and_sync_revision
    with mock.patch.object(rolling, "get_all_replica_sets_and_sync_revision", lambda st, d, rss, create: real(st, d, rss, False)):
        err, _ = first_violation(script)
    assert err is not None and [v.invariant for v in err.violations] == ["settled_deployment_is_complete"], err
