"""The Service steps judge endpoint writes on observations of different kinds that may trail each other (a real
cluster's watches, `_meta.slack`) as they judge one consistent state (the model): only within the slack."""

from __future__ import annotations

import pytest

from kubesim.driver import Observation
from kubesim.steps.service import _never_routed_badly


def _pod(name: str, ip: str | None, ready: bool, terminating: bool = False) -> dict:
    md = {"name": name, "deletionTimestamp": "2026-12-04T17:05:02Z"} if terminating else {"name": name}
    return {"metadata": md, "status": {"podIP": ip, "conditions": [{"type": "Ready", "status": "True" if ready else "False"}]}}


def _eps(rv: str, *ips: str) -> dict:
    return {"metadata": {"name": "web", "resourceVersion": rv}, "subsets": [{"addresses": [{"ip": ip} for ip in ips]}]}


class _World:
    def __init__(self, observations):
        self.observations = observations

    def since_mark(self):
        return self.observations


def _obs(t: float, slack: float, pods: list, eps: dict) -> Observation:
    objects = {"Pod": pods, "Endpoints": [eps]}
    if slack:
        objects["_meta"] = [{"slack": slack}]
    return Observation(t, objects)


def _late_pod_watch(slack: float, seen_after: float) -> list:
    """An Endpoints write lists pod b's IP before the observer's pod watch shows b with that IP, ready."""
    a = _pod("a", "10.0.0.1", True)
    return [
        _obs(10.0, slack, [a, _pod("b", None, False)], _eps("1", "10.0.0.1")),
        _obs(10.1, slack, [a, _pod("b", None, False)], _eps("2", "10.0.0.1", "10.0.0.2")),
        _obs(10.1 + seen_after, slack, [a, _pod("b", "10.0.0.2", True)], _eps("2", "10.0.0.1", "10.0.0.2")),
    ]


def test_a_pod_seen_ready_just_after_the_write_is_forgiven_on_a_trailing_watch():
    _never_routed_badly(_World(_late_pod_watch(slack=2.0, seen_after=0.05)), "web")


@pytest.mark.parametrize(("slack", "seen_after"), [(0.0, 0.05), (2.0, 2.5)], ids=["consistent-states", "beyond-the-slack"])
def test_an_address_whose_pod_is_not_ready_at_the_write_fails(slack, seen_after):
    with pytest.raises(AssertionError, match=r"10\.0\.0\.2"):
        _never_routed_badly(_World(_late_pod_watch(slack, seen_after)), "web")


def test_a_pod_terminating_longer_than_the_slack_before_the_write_fails():
    a, b = _pod("a", "10.0.0.1", True), _pod("b", "10.0.0.2", True)
    gone = _pod("b", "10.0.0.2", True, terminating=True)
    observations = [
        _obs(20.0, 2.0, [a, b], _eps("1", "10.0.0.1", "10.0.0.2")),
        _obs(21.0, 2.0, [a, gone], _eps("1", "10.0.0.1", "10.0.0.2")),
        _obs(24.0, 2.0, [a, gone], _eps("2", "10.0.0.2", "10.0.0.1")),
    ]
    with pytest.raises(AssertionError, match=r"t=24s .*10\.0\.0\.2"):
        _never_routed_badly(_World(observations), "web")
    observations[2] = _obs(21.5, 2.0, [a, gone], _eps("2", "10.0.0.2", "10.0.0.1"))  # within the slack of t=20
    _never_routed_badly(_World(observations), "web")
