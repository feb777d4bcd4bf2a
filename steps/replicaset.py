"""Steps about ReplicaSets and their pods: counts, replacements, adoption, scale-down order."""

from __future__ import annotations

from pytest_bdd import parsers, step


def _active_names(world, app: str) -> set[str]:
    return {p["metadata"]["name"] for p in world.pods_of(app)}


def _before(world, word: str) -> set[str]:
    """The pods that existed just before the first command containing `word`."""
    for command, pods in world.history:
        if word in command:
            return pods
    raise AssertionError(f"No command containing {word!r} was run in this scenario.")


@step(parsers.parse("there are {n:d} running pods of {app}"))
@step(parsers.parse("{app} 有 {n:d} 个运行中的 pod"))
def _running_pods(world, n: int, app: str):
    """Exactly `n` pods labelled app=`app` are Running and not terminating."""
    pods = world.pods_of(app)
    running = [p["metadata"]["name"] for p in pods if p["status"].get("phase") == "Running"]
    assert len(running) == n and len(pods) == n, f"Expected {n} running pods of {app}; active: " + ", ".join(
        f"{p['metadata']['name']} ({p['status'].get('phase')})" for p in pods
    )


@step(parsers.re(r"the deleted pods? (?:is|are) gone, replaced by (?P<n>\d+) pods? with (?:a )?new names?$"))
@step(parsers.re(r"被删除的 pod 已经不在了,由 (?P<n>\d+) 个新名字的 pod 代替$"))
def _replaced(world, n: str):
    """The picked pods are gone and exactly `n` pods exist that did not before the deletion."""
    apps = {(p["metadata"].get("labels") or {}).get("app") for p in world.driver.list("Pod")}
    alive = {p["metadata"]["name"] for a in apps if a for p in world.pods_of(a)}
    still = [name for name in world.picked if name in alive]
    assert not still, f"Deleted pods still active: {still}."
    fresh = sorted(alive - world.pods_before)
    assert len(fresh) == int(n), f"Expected {n} new pods, found {fresh} (before the deletion: {sorted(world.pods_before)})."


@step(parsers.parse("they are the {n:d} pods that ran before scaling up"))
def _kept_oldest(world, n: int):
    before = _before(world, "scale")
    apps = {(p["metadata"].get("labels") or {}).get("app") for p in world.driver.list("Pod")}
    alive = {p["metadata"]["name"] for a in apps if a for p in world.pods_of(a)}
    assert alive == before and len(alive) == n, f"Kept {sorted(alive)}; the pods before scaling up were {sorted(before)}."


@step(parsers.parse('pod "{name}" is gone'))
def _pod_gone(world, name: str):
    pod = world.driver.get("Pod", name)
    assert pod is None or pod["metadata"].get("deletionTimestamp"), f"Pod {name!r} still exists: {pod['status'].get('phase')}."


@step(parsers.parse('pod "{name}" is controlled by replicaset "{rs}"'))
def _controlled_by(world, name: str, rs: str):
    pod = world.driver.get("Pod", name)
    assert pod is not None, f"Pod {name!r} does not exist."
    refs = [r for r in pod["metadata"].get("ownerReferences") or [] if r.get("controller")]
    assert [(r["kind"], r["name"]) for r in refs] == [("ReplicaSet", rs)], f"Pod {name!r} is controlled by {refs}."


@step(parsers.parse('replicaset "{rs}" created only {n:d} pods'))
def _created_only(world, rs: str, n: int):
    """Count the ReplicaSet's SuccessfulCreate occurrences: the counts of its events, single or combined
    (client-go's correlator; exact below its spam filter's burst of 25 events)."""
    created = sum(
        e.get("count", 1)
        for e in world.driver.list("Event")
        if e["involvedObject"].get("kind") == "ReplicaSet" and e["involvedObject"]["name"] == rs and e.get("reason") == "SuccessfulCreate"
    )
    assert created == n, f"ReplicaSet {rs!r} created {created} pods, expected {n}."


@step(parsers.parse("no pod of {app} was replaced"))
def _not_replaced(world, app: str):
    alive = _active_names(world, app)
    assert alive <= world.pods_before, f"New pods appeared: {sorted(alive - world.pods_before)}."


@step(parsers.parse("none of the pods of {app} existed before the restart"))
def _all_replaced(world, app: str):
    before = _before(world, "restart")
    alive = _active_names(world, app)
    assert alive and not (alive & before), f"Pods from before the restart still run: {sorted(alive & before)}."


@step(parsers.parse('replicaset "{a}" controls {n:d} pods and replicaset "{b}" controls {m:d} pod'))
def _split_control(world, a: str, n: int, b: str, m: int):
    """Each ReplicaSet controls only its own pods (no stealing between overlapping selectors)."""

    def controlled(rs: str) -> list[str]:
        return [
            p["metadata"]["name"]
            for p in world.driver.list("Pod")
            if not p["metadata"].get("deletionTimestamp")
            and any(r.get("controller") and r.get("kind") == "ReplicaSet" and r.get("name") == rs for r in p["metadata"].get("ownerReferences") or [])
        ]

    assert (len(controlled(a)), len(controlled(b))) == (n, m), f"{a} controls {controlled(a)}; {b} controls {controlled(b)}."
