"""The engine's two ways through a wake-up agree, and a settle frees what it replaces as it goes."""

from __future__ import annotations

import gc
import weakref

import pytest

from kubesim import model as m
import kubesim.model.engine as engine
from kubesim.model.actions import Apply, CrashContainer, Scale, SetImage
from kubesim.model.pmap import pmap
from kubesim.model.state import Config, ImageBehaviour


def _deployment(n: int, image: str = "web:v1", **spec) -> dict:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "replicas": n,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "web", "image": image}]}},
            **spec,
        },
    }


def _start(kind: str) -> tuple[m.ClusterState, int | None]:
    """A state with work and timers ahead, and the `max_ms` to settle it with."""
    if kind == "rollout":
        st = m.settle(m.step(m.new_cluster(), Apply(_deployment(6))))
        return m.step(st, SetImage("web", "web", "web:v2")), 3_600_000
    if kind == "stalled":  # never ready: the progress deadline fires 600 s later, then no-op re-checks
        st = m.settle(m.step(m.new_cluster(), Apply(_deployment(4))))
        return m.step(st, SetImage("web", "web", "web:never-ready")), None
    if kind == "scale-down":
        st = m.settle(m.step(m.new_cluster(), Apply(_deployment(5, minReadySeconds=3))))
        return m.step(st, Scale("Deployment", "web", 1)), 3_600_000
    if kind == "crash-loop":  # never settles: the limit stops it
        cfg = Config(images=pmap({"web:crash": ImageBehaviour(crash_after_ms=5_000)}))
        st = m.settle(m.step(m.new_cluster(cfg), Apply(_deployment(2, "web:crash"))), max_ms=20_000)
        name = sorted(k[1] for k in st.table("Pod").keys())[0]
        return m.step(st, CrashContainer(name)), 120_000
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["rollout", "stalled", "scale-down", "crash-loop"])
def test_settle_without_observer_equals_the_observed_path(kind):
    """With an observer, `settle` keeps each state before a wake-up and replays it; without one
    it keeps only weak references and undoes no-op wake-ups on the state after them. Both
    must give the same state, field for field (queue positions and timers included)."""
    st, max_ms = _start(kind)
    seen: list = []
    observed = m.settle(st, max_ms=max_ms, observe=seen.append)
    plain = m.settle(st, max_ms=max_ms)
    assert seen, "the observed path ran"
    assert plain == observed
    assert (plain.now, plain.seq, plain.qhead, plain.qtail, plain.timer_times) == (observed.now, observed.seq, observed.qhead, observed.qtail, observed.timer_times)


def test_settle_drops_no_op_wake_ups_on_the_plain_path():
    """The stalled rollout's last change is the ProgressDeadlineExceeded condition (600 s after
    the last progress); the re-checks after it change nothing and move no time."""
    st, _ = _start("stalled")
    out = m.settle(st, max_ms=None)
    cond = next(c for c in out.get("Deployment", "default", "web")["status"]["conditions"] if c["type"] == "Progressing")
    assert cond["reason"] == "ProgressDeadlineExceeded"
    assert out.settled
    assert out.now == m.settle(st, max_ms=None, observe=lambda s: None).now


def test_settle_frees_replaced_objects_while_it_runs(monkeypatch):
    """`settle(step(st, a))` with no other reference to `st`: the Pod table the rollout started
    from (every v1 pod) is freed before the rollout ends, not kept to the end of the call."""
    st = m.settle(m.step(m.new_cluster(), Apply(_deployment(4))))
    start_pods = weakref.ref(st.table("Pod"))
    box = [m.step(st, SetImage("web", "web", "web:v2"))]
    del st
    alive_at_end: list[bool] = []
    real = engine.CONTROLLERS["deployment"]

    def probe(state, ns, name):
        out = real(state, ns, name)
        status = (out.get("Deployment", ns, name) or {}).get("status") or {}
        if status.get("updatedReplicas") == 4 and status.get("availableReplicas") == 4 and status.get("replicas") == 4:
            gc.collect()
            alive_at_end.append(start_pods() is not None)
        return out

    monkeypatch.setitem(engine.CONTROLLERS, "deployment", probe)
    out = m.settle(box.pop())
    assert alive_at_end, "the rollout completed inside settle"
    assert alive_at_end[-1] is False
    assert all(p["spec"]["containers"][0]["image"] == "web:v2" for p in out.table("Pod").values())
