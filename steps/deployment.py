"""Steps about Deployments: the order of a rolling update, its bounds, revisions, conditions.

Checks over a whole rollout read the observations recorded since the last command
(`World.since_mark`): every intermediate state the driver showed.
"""

from __future__ import annotations

import yaml
from pytest_bdd import parsers, step

from .kubectl import owned_replicasets, revision_of


def _image(rs: dict) -> str:
    return rs["spec"]["template"]["spec"]["containers"][0]["image"]


def _rss_of(obs, deployment: str) -> list[dict]:
    return [
        rs
        for rs in obs.of("ReplicaSet")
        if any(r.get("controller") and r.get("kind") == "Deployment" and r.get("name") == deployment for r in rs["metadata"].get("ownerReferences") or [])
    ]


def _active_pods(obs, rs_names: set[str] | None = None, app: str | None = None) -> list[dict]:
    out = []
    for p in obs.of("Pod"):
        if p["metadata"].get("deletionTimestamp") or p["status"].get("phase") in ("Succeeded", "Failed"):
            continue
        if app is not None and (p["metadata"].get("labels") or {}).get("app") != app:
            continue
        if rs_names is not None and not any(r.get("name") in rs_names for r in p["metadata"].get("ownerReferences") or []):
            continue
        out.append(p)
    return out


def _matches_image(image: str, column: str) -> bool:
    return image == column or image.endswith(":" + column)


@step("the ReplicaSets were scaled in this order:")
@step("ReplicaSet 的规模依次是:")
def _scaled_in_order(world, datatable):
    """The distinct successive values of spec.replicas, summed per image column, since the last command."""
    columns = datatable[0]
    want = [[int(c) for c in row] for row in datatable[1:]]
    got: list[list[int]] = []
    for obs in world.since_mark():
        row = [sum(rs["spec"].get("replicas", 1) for rs in obs.of("ReplicaSet") if _matches_image(_image(rs), col)) for col in columns]
        if not got or got[-1] != row:
            got.append(row)
    assert got == want, "ReplicaSet sizes went\n" + "\n".join(" ".join(f"{v:>3}" for v in r) for r in got) + f"\n(columns {columns})"


@step(parsers.parse("there were never more than {n:d} pods of {app} that were not terminating"))
def _never_more_pods(world, n: int, app: str):
    worst = max(world.since_mark(), key=lambda o: len(_active_pods(o, app=app)))
    got = len(_active_pods(worst, app=app))
    assert got <= n, f"{got} pods of {app} were not terminating at t={worst.time:g}s (limit {n})."


@step(parsers.parse("pods of {old} and {new} were running at the same time"))
def _coexist(world, old: str, new: str):
    def running(obs, col):
        return any(p["status"].get("phase") == "Running" and _matches_image(p["spec"]["containers"][0]["image"], col) for p in _active_pods(obs))

    assert any(running(o, old) and running(o, new) for o in world.since_mark()), f"Pods of {old} and {new} never ran at the same time."


@step(parsers.parse("the rollout took at least {n:d} seconds"))
def _took_at_least(world, n: int):
    obs = world.since_mark()
    start = obs[0].time
    last_change = obs[0]
    prev = None
    for o in obs:
        key = tuple((rs["metadata"]["name"], rs["spec"].get("replicas"), (rs.get("status") or {}).get("availableReplicas")) for rs in o.of("ReplicaSet"))
        if key != prev:
            last_change, prev = o, key
    took = last_change.time - start
    # The Ready condition's lastTransitionTime is kept in whole seconds (`metav1.Time`'s wire forms drop the
    # fraction), and `IsPodAvailable` counts minReadySeconds from it: on a real node, where readiness comes at any
    # instant, each wait for minReadySeconds may end up to 1 s early. The article's n seconds are n / minReadySeconds
    # such waits one after another.
    min_ready = max((d["spec"].get("minReadySeconds") or 0 for d in obs[-1].of("Deployment")), default=0)
    waits = -(-n // min_ready) if min_ready else 0
    assert took > n - waits if waits else took >= n, (
        f"The rollout took {took:g}s (expected at least {n}s, less {waits} x up to 1 s for readiness times kept in whole seconds)."
    )


@step(parsers.parse('the ReplicaSets of deployment "{name}" are:'))
def _replicasets_are(world, name: str, datatable):
    """Each row: image, spec.replicas, revision; rows compared as a set."""
    head = datatable[0]
    want = sorted(tuple(row) for row in datatable[1:])
    d = world.driver.get("Deployment", name)
    assert d is not None, f"Deployment {name!r} does not exist."
    fields = {"image": _image, "replicas": lambda rs: str(rs["spec"].get("replicas", 1)), "revision": lambda rs: str(revision_of(rs))}
    got = sorted(tuple(fields[h](rs) for h in head) for rs in owned_replicasets(world.driver, d))
    assert got == want, f"ReplicaSets of {name!r} ({', '.join(head)}):\n" + "\n".join(map(str, got))


@step(parsers.parse('the ReplicaSet of deployment "{name}" is named "{prefix}" followed by its pod-template-hash'))
def _named_by_hash(world, name: str, prefix: str):
    d = world.driver.get("Deployment", name)
    for rs in owned_replicasets(world.driver, d):
        h = rs["spec"]["template"]["metadata"]["labels"].get("pod-template-hash")
        assert h and rs["metadata"]["name"] == prefix + h, f"ReplicaSet {rs['metadata']['name']!r} has pod-template-hash {h!r}."


@step(parsers.parse('deployment "{name}" controls {n:d} ReplicaSet, which controls {m:d} pods'))
def _controls(world, name: str, n: int, m: int):
    d = world.driver.get("Deployment", name)
    rss = owned_replicasets(world.driver, d)
    assert len(rss) == n, f"Deployment {name!r} controls {[rs['metadata']['name'] for rs in rss]}."
    uids = {rs["metadata"]["uid"] for rs in rss}
    pods = [p for p in world.driver.list("Pod") if any(r.get("controller") and r.get("uid") in uids for r in p["metadata"].get("ownerReferences") or [])]
    assert len(pods) == m, f"The ReplicaSets control {len(pods)} pods."


@step(parsers.parse('deployment "{name}" has condition {ctype} "{status}" with reason "{reason}"'))
def _condition(world, name: str, ctype: str, status: str, reason: str):
    d = world.driver.get("Deployment", name)
    cond = next((c for c in (d.get("status") or {}).get("conditions") or [] if c["type"] == ctype), None)
    assert cond and (cond["status"], cond.get("reason")) == (status, reason), f"Condition {ctype} of {name!r}: {cond}."


@step(parsers.parse('deployment "{name}" is an API object of apps/v1'))
def _api_object(world, name: str):
    d = world.driver.get("Deployment", name)
    assert d and d["apiVersion"] == "apps/v1" and d["kind"] == "Deployment" and d["metadata"].get("uid"), f"Got {d and d.get('apiVersion')}."
    for rs in owned_replicasets(world.driver, d):
        assert rs["apiVersion"] == "apps/v1" and rs["kind"] == "ReplicaSet"


def _events_by(world, component: str, reason: str) -> list[dict]:
    return [
        e
        for e in world.driver.list("Event")
        if e.get("reason") == reason and component in ((e.get("source") or {}).get("component"), e.get("reportingComponent"))
    ]


@step(parsers.parse('the events show the "{component}" scaling ReplicaSets'))
def _scaling_events(world, component: str):
    assert _events_by(world, component, "ScalingReplicaSet"), f"No ScalingReplicaSet event from {component!r}."


@step(parsers.parse('the events show the "{component}" creating pods'))
def _creating_events(world, component: str):
    assert _events_by(world, component, "SuccessfulCreate"), f"No SuccessfulCreate event from {component!r}."


# ---------------------------------------------------------------------- the outline
def _intstr(text: str):
    return text if text.endswith("%") else int(text)


@step(parsers.parse('a Deployment "{name}" of {replicas:d} replicas with maxSurge "{surge}" and maxUnavailable "{unavailable}"'))
def _deployment_with_strategy(world, name: str, replicas: int, surge: str, unavailable: str):
    """Create and roll out a Deployment (minReadySeconds 10, as in the article) with this strategy."""
    manifest = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "minReadySeconds": 10,
            "selector": {"matchLabels": {"app": name}},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": _intstr(surge), "maxUnavailable": _intstr(unavailable)}},
            "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [{"name": name, "image": "example/web:1"}]}},
        },
    }
    world.files[f"{name}.yaml"] = yaml.safe_dump(manifest, sort_keys=False)
    result = world.run(f"kubectl apply -f {name}.yaml")
    assert result.ok, result.error
    world.driver.settle(timeout=1200)


@step(parsers.parse("the rollout finished with {n:d} pods of {image}"))
def _finished_with(world, n: int, image: str):
    pods = _active_pods(world.driver.observe())
    images = [p["spec"]["containers"][0]["image"] for p in pods]
    assert images == [image] * n, f"Pods run {images}."


@step(parsers.parse('the ReplicaSets of deployment "{name}" added up to at most {n:d} replicas, reaching it'))
def _peak_spec(world, name: str, n: int):
    peak = max(sum(rs["spec"].get("replicas", 1) for rs in _rss_of(o, name)) for o in world.since_mark())
    assert peak == n, f"The ReplicaSets of {name!r} added up to at most {peak} replicas (expected {n})."


@step(parsers.parse("there were at most {n:d} pods of {app} that were not terminating, reaching it"))
def _peak_pods(world, n: int, app: str):
    """The peak of pods not terminating. On a real cluster (`_meta.slack`) the old and the new
    ReplicaSet's controllers act independently: the old one's delete may reach the API a moment
    after the new one's create, so a pod whose termination followed within the slack is not counted."""
    obs = world.since_mark()
    meta = obs[-1].objects.get("_meta") if obs else None
    slack = float(meta[0].get("slack", 0)) if meta else 0.0
    ended: dict[str, float] = {}
    seen: set[str] = set()
    for o in obs:
        active = {p["metadata"]["name"] for p in _active_pods(o, app=app)}
        for name in seen - active:
            ended.setdefault(name, o.time)
        seen |= active
    peak = max(
        len([p for p in _active_pods(o, app=app) if not (slack and p["metadata"]["name"] in ended and ended[p["metadata"]["name"]] - o.time <= slack)])
        for o in obs
    )
    assert peak == n, f"At most {peak} pods of {app} were not terminating (expected {n})."


@step(parsers.parse("at least {n:d} pods of {name} were available throughout, reaching it"))
def _min_available(world, name: str, n: int):
    low = min(sum((rs.get("status") or {}).get("availableReplicas", 0) for rs in _rss_of(o, name)) for o in world.since_mark())
    assert low == n, f"At least {low} pods of {name} were available throughout (expected {n})."


@step(parsers.re(r"every pod of (?P<app>[a-z0-9-]+) runs (?P<image>\S+)$"))
@step(parsers.re(r"(?P<app>[a-z0-9-]+) 的每个 pod 都运行 (?P<image>\S+)$"))
def _every_pod_runs(world, app: str, image: str):
    pods = world.pods_of(app)
    images = sorted(p["spec"]["containers"][0]["image"] for p in pods)
    assert pods and set(images) == {image}, f"Pods of {app} run {images}."


@step(parsers.parse("the ReplicaSet of {image} is the one created first"))
def _created_first(world, image: str):
    first = world.observations[0]
    seen_first = None
    for o in world.observations:
        rss = [rs for rs in o.of("ReplicaSet")]
        if rss:
            seen_first = sorted(rss, key=lambda rs: rs["metadata"]["creationTimestamp"])[0]
            break
    del first
    current = [rs for rs in world.driver.list("ReplicaSet") if _image(rs) == image]
    assert seen_first and [rs["metadata"]["uid"] for rs in current] == [seen_first["metadata"]["uid"]], (
        f"The ReplicaSet of {image} is {[rs['metadata']['name'] for rs in current]}, the first one was {seen_first and seen_first['metadata']['name']}."
    )
