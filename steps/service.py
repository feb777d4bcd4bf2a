"""Steps about Services: which pods the endpoints route to, over time."""

from __future__ import annotations

from pytest_bdd import parsers, step


def _ips(ep: dict | None, key: str) -> set[str]:
    return {a["ip"] for s in (ep or {}).get("subsets") or [] for a in s.get(key) or []}


def _watch_slack(obs) -> float:
    """Seconds by which a driver's observations of different kinds may disagree (`_meta.slack`;
    0 for the model, whose every observation is one consistent state)."""
    meta = obs.objects.get("_meta")
    return float(meta[0].get("slack", 0)) if meta else 0.0


def _pods_by_ip(world) -> dict[str, str]:
    return {p["status"]["podIP"]: p["metadata"]["name"] for p in world.driver.list("Pod") if p["status"].get("podIP")}


@step(parsers.parse('service "{svc}" routes to exactly the pods {names}'))
def _routes_to(world, svc: str, names: str):
    """The Service's ready endpoint addresses are the IPs of exactly these pods."""
    want = sorted(n.strip() for n in names.split(","))
    by_ip = _pods_by_ip(world)
    ips = _ips(world.driver.get("Endpoints", svc), "addresses")
    got = sorted(by_ip.get(ip, f"<unknown {ip}>") for ip in ips)
    assert got == want, f"Service {svc!r} routes to {got}, expected {want}."


@step(parsers.parse('pod "{pod}" is listed as not ready in the endpoints of "{svc}"'))
def _not_ready_listed(world, pod: str, svc: str):
    ip = world.driver.get("Pod", pod)["status"].get("podIP")
    ep = world.driver.get("Endpoints", svc)
    assert ip and ip in _ips(ep, "notReadyAddresses") and ip not in _ips(ep, "addresses"), f"Endpoints of {svc!r}: {ep.get('subsets')}."


def ready_endpoints(obs, svc: str) -> int:
    return len(_ips(obs.get("Endpoints", svc), "addresses"))


@step(parsers.parse('service "{svc}" had at least {n:d} ready endpoints throughout'))
@step(parsers.parse('服务 "{svc}" 始终至少有 {n:d} 个就绪的端点'))
def _endpoints_throughout(world, svc: str, n: int):
    """In every state seen since the last command, the Service had at least `n` ready addresses."""
    worst = min(world.since_mark(), key=lambda o: ready_endpoints(o, svc))
    got = ready_endpoints(worst, svc)
    assert got >= n, f"Service {svc!r} had only {got} ready endpoints at t={worst.time:g}s (expected at least {n} throughout)."


@step(parsers.parse('service "{svc}" never routed to a pod that was terminating or not ready'))
def _never_routed_badly(world, svc: str):
    """Each time the Service's endpoints were written, every ready address was a ready pod not terminating.

    Only states where the Endpoints object changed are checked: between a pod's change and
    the endpoints controller's next sync the old list legitimately lingers. On a driver whose
    observations of different kinds may trail each other (a real cluster: `_meta.slack`), an
    address whose pod was seen ready within that slack of the write, before or after it, is not
    counted against it: the controller writes from its informer cache, which may trail the pod's
    change, and the observer's watch of pods may deliver a change after the Endpoints write that
    followed it (a v1.36 run listed a new pod's IP 50 ms before the observer saw the pod get it).
    """
    observations = world.since_mark()
    good_at: list[set] = []  # per observation: the IPs of its pods that are ready and not terminating
    for obs in observations:
        good_at.append({
            p["status"].get("podIP")
            for p in obs.of("Pod")
            if not p["metadata"].get("deletionTimestamp")
            and any(c["type"] == "Ready" and c["status"] == "True" for c in p["status"].get("conditions") or [])
        })
    last_version = None
    for i, obs in enumerate(observations):
        ep = obs.get("Endpoints", svc)
        version = ep and ep["metadata"].get("resourceVersion")
        if version == last_version:
            continue
        last_version = version
        bad = _ips(ep, "addresses") - good_at[i]
        slack = _watch_slack(obs)
        if slack and bad:
            near = set().union(*(good_at[j] for j, o in enumerate(observations) if abs(o.time - obs.time) <= slack))
            bad -= near
        assert not bad, f"At t={obs.time:g}s the endpoints of {svc!r} were written with {sorted(bad)}, which are terminating or not ready."
