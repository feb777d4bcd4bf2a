"""The model driver's observations: every list is `ClusterState.list` of the state observed, and a kind
whose table did not change keeps the very list of the observation before (what the monitor's caches
and `changed_kinds` rely on to skip unchanged kinds)."""

from __future__ import annotations

from kubesim.drivers.model import ModelDriver
from kubesim.invariants import Observation, new_events
from kubesim.invariants.view import new_events_where
from kubesim.model.kinds import CLUSTER_SCOPED
from kubesim.replay import Runner
from kubesim.stateful import deployment_manifest, heredoc

SCRIPT = [
    heredoc(deployment_manifest("web", 3, "RollingUpdate", 1, 0, 0, 2, "web:1", "none", 0)),
    "kubesim settle",
    "kubectl set image deployment/web web=web:2",
    "kubesim advance 2s",
    "kubectl scale deployment/web --replicas=12",
    "kubesim settle",
    "kubectl scale deployment/web --replicas=1",
    "kubesim settle",
]


def test_observations_list_what_the_state_lists_and_share_unchanged_lists():
    """On a rollout and a scale up and down (Event and Pod tables past a dozen entries), each observation of a
    state holds `state.list(kind, namespace)` (the same objects, Events equal), and a kind whose table is the
    same map as in the state before keeps the same list object."""
    runner = Runner(check=False)
    driver: ModelDriver = runner.driver
    seen: list[tuple] = []
    driver.subscribe(lambda obs: seen.append((driver.state, obs)))
    for command in SCRIPT:
        runner.run(command)
    assert len(seen) > 50
    assert max(len(obs.of("Event")) for _, obs in seen) > 20
    shared = 0
    for (st0, obs0), (st1, obs1) in zip(seen, seen[1:]):
        for kind, objs in obs1.objects.items():
            want = st1.list(kind, None if kind in CLUSTER_SCOPED else driver.namespace)
            assert objs == want, kind
            if kind != "Event":
                assert all(a is b for a, b in zip(objs, want)), kind
            if st0.objects.get(kind) is st1.objects.get(kind):
                assert objs is obs0.objects[kind], kind
                shared += 1
    assert shared > len(seen)
    # `observe()` gives lists of its own
    fresh = driver.observe()
    assert fresh.objects == seen[-1][1].objects
    assert all(fresh.objects[k] is not seen[-1][1].objects[k] for k in fresh.objects)


def test_new_events_where_is_new_events_filtered():
    """`new_events_where(prev, cur, keep)` is ``[e for e in new_events(prev, cur) if keep(e)]``, for events
    that are the same objects, equal copies, counted again, nameless or new."""
    shared = {"metadata": {"name": "a"}, "reason": "SuccessfulDelete", "count": 1}
    prev = Observation(0, {"Event": [shared, {"metadata": {"name": "b"}, "reason": "Other", "count": 1}]})
    cur = Observation(1, {"Event": [
        shared,
        {"metadata": {"name": "b"}, "reason": "Other", "count": 1},
        {"metadata": {"name": "c"}, "reason": "SuccessfulDelete", "count": 1},
        {"metadata": {}, "reason": "SuccessfulDelete"},
        {"metadata": {"name": "a"}, "reason": "SuccessfulDelete", "count": 2},
    ]})  # fmt: skip
    for keep in (lambda e: True, lambda e: e.get("reason") == "SuccessfulDelete", lambda e: False):
        assert new_events_where(prev, cur, keep) == [e for e in new_events(prev, cur) if keep(e)]
    assert [e["metadata"].get("name") for e in new_events(prev, cur)] == ["c", None, "a"]
    assert new_events(cur, cur) == [] and new_events_where(prev, prev, None) == []
