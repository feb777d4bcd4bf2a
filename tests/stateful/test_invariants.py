"""The invariant library on hand-made observations and through a driver."""

from __future__ import annotations

from kubesim.driver import Observation
from kubesim.drivers.model import ModelDriver
from kubesim.invariants import INVARIANTS, LAYERS, InvariantMonitor, check_all, max_surge, max_unavailable

from kubesim.stateful import deployment_manifest


def deployment(replicas: int, surge, unavailable, uid: str = "d1") -> dict:
    ru = {"maxSurge": surge, "maxUnavailable": unavailable}
    return {
        "metadata": {"name": "web", "uid": uid, "generation": 2},
        "spec": {"replicas": replicas, "strategy": {"type": "RollingUpdate", "rollingUpdate": ru}, "template": {"metadata": {"labels": {"app": "web"}}}},
        "status": {"observedGeneration": 1},
    }


def replicaset(name: str, replicas: int, available: int, revision: int, image: str) -> dict:
    return {
        "metadata": {
            "name": name,
            "uid": name,
            "ownerReferences": [{"kind": "Deployment", "name": "web", "uid": "d1", "controller": True}],
            "annotations": {"deployment.kubernetes.io/revision": str(revision), "deployment.kubernetes.io/desired-replicas": "4"},
        },
        "spec": {"replicas": replicas, "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"image": image}]}}},
        "status": {"availableReplicas": available},
    }


def obs(t: float, d: dict, *rss: dict) -> Observation:
    return Observation(time=t, objects={"Deployment": [d], "ReplicaSet": list(rss)})


def test_every_invariant_is_registered_in_a_layer_with_its_upstream_rule():
    """Every registered invariant has a known layer and a docstring naming what upstream does."""
    assert {inv.layer for inv in INVARIANTS.values()} <= set(LAYERS)
    assert len(INVARIANTS) >= 15
    for inv in INVARIANTS.values():
        assert "Upstream" in inv.doc or "upstream" in inv.doc, inv.name


def test_fenceposts_round_surge_up_and_unavailable_down():
    """On replicas 10 with 25%/25%, maxSurge is 3 and maxUnavailable 2; on 1 replica with 0%/25%, the both-zero rule gives 1."""
    assert (max_surge(deployment(10, "25%", "25%")), max_unavailable(deployment(10, "25%", "25%"))) == (3, 2)
    assert (max_surge(deployment(1, "0%", "25%")), max_unavailable(deployment(1, "0%", "25%"))) == (0, 1)


def test_surge_violation_names_every_value_and_the_time():
    """On a scale-up to 5 replicas with replicas 4 and maxSurge 1, the message names the sum, the limit and t."""
    d = deployment(4, 1, 0)
    before = obs(11, d, replicaset("web-a", 4, 4, 1, "web:1"), replicaset("web-b", 0, 0, 2, "web:2"))
    after = obs(12, d, replicaset("web-a", 4, 4, 1, "web:1"), replicaset("web-b", 2, 0, 2, "web:2"))
    found = [v.message for v in check_all(after, before) if v.invariant == "total_replicas_within_surge_limit"]
    assert found == [
        "total_replicas_within_surge_limit violated for Deployment/web at t=12s: 6 replicas after scaling web-b 0->2; limit is replicas(4) + maxSurge(1) = 5"
    ]


def test_a_scale_up_seen_on_the_replicasets_before_the_deployment_is_held_to_the_controllers_replicas():
    """Scaling a settled Deployment 4 -> 8 (maxSurge 25%): `scaleReplicaSet` grows its ReplicaSet to 8 and writes
    desired-replicas 8 in the same update. A real cluster's ReplicaSet watch can show that before the Deployment watch
    shows replicas 8: the limit is then 8 + maxSurge(25% of 8 = 2) = 10, not 4 + 1. The same growth annotated with the
    observed 4 (a controller that grew past its own limit) is still a violation, as is a growth past the lagging limit."""
    d = deployment(4, "25%", "25%")
    before = obs(20, d, replicaset("web-a", 4, 4, 1, "web:1"))

    def grown(replicas: int, desired: str) -> Observation:
        rs = replicaset("web-a", replicas, 4, 1, "web:1")
        rs["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"] = desired
        return obs(21, d, rs)

    def surge(after: Observation) -> list[str]:
        return [v.message for v in check_all(after, before) if v.invariant == "total_replicas_within_surge_limit"]

    assert surge(grown(8, "8")) == []
    assert surge(grown(8, "4")) == [
        "total_replicas_within_surge_limit violated for Deployment/web at t=21s: 8 replicas after scaling web-a 4->8; limit is replicas(4) + maxSurge(1) = 5"
    ]
    assert surge(grown(11, "8")) == [
        "total_replicas_within_surge_limit violated for Deployment/web at t=21s: 11 replicas after scaling web-a 4->11; limit is "
        "replicas(8, the grown ReplicaSets' desired-replicas; the Deployment is still seen with 4) + maxSurge(2) = 10"
    ]


def _at_revision(d: dict, revision: int, image: str) -> dict:
    """`d` as the controller leaves it: the revision annotation, and the template of its new ReplicaSet."""
    tmpl = {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"image": image}]}}
    return {**d, "metadata": {**d["metadata"], "annotations": {"deployment.kubernetes.io/revision": str(revision)}}, "spec": {**d["spec"], "template": tmpl}}


def test_scale_down_below_min_available_is_a_violation_but_removing_unavailable_replicas_is_not():
    """On replicas 4, maxUnavailable 1: scaling a fully available old RS 4->2 breaks the rule; 4->3 of an RS with 3 available does not."""
    d = _at_revision(deployment(4, 1, 1), 2, "web:2")
    new = replicaset("web-b", 1, 0, 2, "web:2")
    bad = check_all(obs(2, d, replicaset("web-a", 2, 4, 1, "web:1"), new), obs(1, d, replicaset("web-a", 4, 4, 1, "web:1"), new))
    assert [v.invariant for v in bad] == ["available_replicas_within_unavailable_limit"]
    ok = check_all(obs(2, d, replicaset("web-a", 3, 3, 1, "web:1"), new), obs(1, d, replicaset("web-a", 4, 3, 1, "web:1"), new))
    assert ok == []


def test_a_scale_down_seen_before_the_deployment_that_allowed_it_is_not_held_to_the_older_spec():
    """An apply changes the image and maxUnavailable 0 -> 1 (replicas 3, maxSurge 0): the controller creates the new
    ReplicaSet (revision 2) and scales the old one 3 -> 2. A real cluster's ReplicaSet watch can show both before the
    Deployment watch shows the applied spec (CI, 4 December 2026): the Deployment seen is revision 1, the old template,
    maxUnavailable 0, which the controller did not act on, so the step is not checked. The same shrink with no newer
    ReplicaSet of another template is still held to the Deployment seen."""
    stale = _at_revision(deployment(3, "25%", "25%"), 1, "web:1")  # maxSurge 1, maxUnavailable 0 at 3 replicas
    def rs(name: str, replicas: int, available: int, revision: int, image: str) -> dict:
        out = replicaset(name, replicas, available, revision, image)
        out["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"] = "3"  # no scaling event
        return out

    old = lambda n: rs("web-a", n, 3, 1, "web:1")  # noqa: E731

    def unavailable(after: Observation, before: Observation) -> list[str]:
        return [v.invariant for v in check_all(after, before) if v.invariant == "available_replicas_within_unavailable_limit"]

    new = rs("web-b", 0, 0, 2, "web:2")
    assert unavailable(obs(14.1, stale, old(2), new), obs(14.0, stale, old(3))) == []
    assert unavailable(obs(14.1, stale, old(2)), obs(14.0, stale, old(3))) == ["available_replicas_within_unavailable_limit"]
    # the new ReplicaSet renumbered a sync ahead of the Deployment's annotation has the Deployment's template: checked
    renumbered = rs("web-b", 0, 0, 2, "web:1")
    assert unavailable(obs(14.1, stale, old(2), renumbered), obs(14.0, stale, old(3))) == ["available_replicas_within_unavailable_limit"]


def test_monitor_checks_every_intermediate_state_of_a_driver():
    """On a rollout through the model driver, the monitor sees every controller step and nothing breaks."""
    driver = ModelDriver()
    driver.start()
    monitor = InvariantMonitor(driver).start()
    driver.apply("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-config\ndata:\n  color: red\n")
    driver.apply(deployment_manifest("web", 3, "RollingUpdate", None, None, 0, 1, "web:1", "envFrom", 0))
    driver.settle()
    monitor.check_settled()
    driver.set_image("web", "web", "web:2")
    driver.settle()
    monitor.check_settled()
    monitor.stop()
    assert monitor.steps > 30
    assert monitor.violations == []


def test_changed_kinds_goes_by_identity_then_resource_version():
    """Equal objects are unchanged even when rebuilt; a new resourceVersion, a gone kind or other env samples are changes."""
    from kubesim.invariants import ENV_KIND, changed_kinds

    pod = {"metadata": {"name": "p", "uid": "u", "resourceVersion": "1"}}
    rebuilt = {"metadata": {"name": "p", "uid": "u", "resourceVersion": "1"}}
    written = {"metadata": {"name": "p", "uid": "u", "resourceVersion": "2"}}
    sample = {"pod": "p", "env": {"A": "1"}}
    before = Observation(0, {"Pod": [pod], "Service": [], ENV_KIND: [sample], "Event": [{"metadata": {"name": "e"}}]})
    assert changed_kinds(before, Observation(1, {"Pod": [rebuilt], "Service": [], ENV_KIND: [sample], "Event": [{"metadata": {"name": "e"}}]})) == set()
    assert changed_kinds(before, Observation(1, {"Pod": [written], ENV_KIND: [dict(sample)]})) == {"Pod", ENV_KIND, "Event"}


def test_new_events_are_the_events_with_new_names_in_observation_order():
    """`new_events` lists the events whose names the previous observation lacks, in order; nameless events count as named ''."""
    from kubesim.invariants import new_events

    def events(*names):
        return Observation(0, {"Event": [{"metadata": {"name": n}, "reason": n} for n in names]})

    assert [e["reason"] for e in new_events(events("a", "c"), events("a", "b", "c", "d"))] == ["b", "d"]
    assert new_events(events("a", "b"), events("b")) == []
    nameless = Observation(0, {"Event": [{"metadata": {}, "reason": "x"}, {"metadata": {"name": "a"}, "reason": "a"}]})
    assert [e["reason"] for e in new_events(events("a"), nameless)] == ["x"]


def test_an_old_replicaset_renumbered_as_the_new_one_may_grow_before_the_deployments_change_is_seen():
    """After `rollout undo` on a real cluster, the ReplicaSet watch can show the old ReplicaSet renumbered
    (revision 2 -> 4, by `getNewReplicaSet`) and scaled 0 -> 1 while the Deployment watch still shows the
    template and revision 3 it had before the undo (CI, 3 December 2026). Only the new ReplicaSet is ever
    renumbered, so that growth is the new one's; an old ReplicaSet growing without it is still caught."""
    d = deployment(4, 1, 0)
    d["metadata"]["annotations"] = {"deployment.kubernetes.io/revision": "3"}
    d["spec"]["template"]["spec"] = {"containers": [{"image": "web:3"}]}
    current = replicaset("web-c", 4, 4, 3, "web:3")
    before = obs(1, d, replicaset("web-b", 0, 0, 2, "web:2"), current)

    def grown(revision: int) -> list[str]:
        after = obs(2, d, replicaset("web-b", 1, 0, revision, "web:2"), current)
        return [v.message for v in check_all(after, before) if v.invariant == "old_replicasets_never_grow"]

    assert grown(4) == []
    assert grown(2) == ["old_replicasets_never_grow violated for Deployment/web at t=2s: old ReplicaSet scaled up (web-b 0->1) outside a scaling event"]
