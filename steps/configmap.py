"""Steps about configuration: the environment of running containers, crashes."""

from __future__ import annotations

from collections import Counter

from pytest_bdd import parsers, step


def _env_values(world, app: str, var: str) -> dict[str, str | None]:
    return {p["metadata"]["name"]: world.driver.exec_env(p["metadata"]["name"]).get(var) for p in world.pods_of(app)}


@step(parsers.re(r"every pod of (?P<app>[a-z0-9-]+) has (?P<var>[A-Z_]+)=(?P<value>.*)$"))
def _every_pod_has(world, app: str, var: str, value: str):
    values = _env_values(world, app, var)
    assert values and all(v == value for v in values.values()), f"{var} in the pods of {app}: {values}."


@step(parsers.re(r"(?P<n>\d+) pods of (?P<app>[a-z0-9-]+) have (?P<var>[A-Z_]+)=(?P<v1>\S+) and (?P<m>\d+) has (?P=var)=(?P<v2>\S+)$"))
@step(parsers.re(r"(?P<app>[a-z0-9-]+) 的 pod 中有 (?P<n>\d+) 个的 (?P<var>[A-Z_]+)=(?P<v1>\S+),(?P<m>\d+) 个的 (?P=var)=(?P<v2>\S+)$"))
def _mixed(world, n: str, app: str, var: str, v1: str, m: str, v2: str):
    """The app runs with mixed configuration: `n` pods see `v1`, `m` see `v2`."""
    values = _env_values(world, app, var)
    counts = Counter(values.values())
    assert counts == Counter({v1: int(n), v2: int(m)}), f"{var} in the pods of {app}: {values}."


@step(parsers.re(r"the container of (?P<pod>.+) crashes$"))
def _crash(world, pod: str):
    """Make the pod's container exit with an error (capability ``faults``)."""
    name = world.resolve(pod)
    world.notes["crashed"] = name
    world.driver.crash(name)


@step(parsers.re(r"the pod that crashed has (?P<var>[A-Z_]+)=(?P<value>\S+) and (?P<n>\d+) restarts?$"))
def _crashed_pod(world, var: str, value: str, n: str):
    name = world.notes["crashed"]
    env = world.driver.exec_env(name)
    pod = world.driver.get("Pod", name)
    restarts = sum(c.get("restartCount", 0) for c in pod["status"].get("containerStatuses") or [])
    assert env.get(var) == value and restarts == int(n), f"Pod {name}: {var}={env.get(var)!r}, {restarts} restarts."
