"""One controller sync builds one new state in a transient (`state.transient`), and leaves its input as it was.

The expectation is the model's own contract (model/__init__.py: a `ClusterState` is an
immutable value; `step` returns the next one): whatever a sync does inside, every state
a caller holds stays equal to what it was, and every state handed out is an ordinary,
immutable `ClusterState`.
"""

from __future__ import annotations

import dataclasses

import pytest

from kubesim import model as m
from kubesim.model import engine
from kubesim.model.actions import Apply, RunWork, SetImage
from kubesim.model.events import SPAM_BURST, correlate
from kubesim.model.state import ClusterState, TransientState, freeze, transient


def _deployment(n: int) -> dict:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "replicas": n,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "web", "image": "web:v1"}]}},
        },
    }


def _fields(st: ClusterState) -> dict:
    """Each field's value object: an unchanged state keeps every one of them."""
    return {f.name: getattr(st, f.name) for f in dataclasses.fields(ClusterState)}


def test_a_sync_leaves_its_input_state_unchanged_and_returns_an_immutable_state():
    st = m.settle(m.step(m.new_cluster(), Apply(_deployment(3))))
    st = m.step(st, SetImage("web", "web", "web:v2"))
    seen = []
    while st.queued:
        before = _fields(st)
        work = next(st.pending_work())
        after = m.step(st, RunWork(work))
        assert _fields(st) == before and all(getattr(st, k) is v for k, v in before.items())
        assert type(after) is ClusterState
        with pytest.raises(dataclasses.FrozenInstanceError):
            after.now = 1  # type: ignore[misc]
        seen.append(st)
        st = after
    assert len(seen) > 5


def test_history_states_stay_as_they_were_yielded():
    st = m.step(m.settle(m.step(m.new_cluster(), Apply(_deployment(4)))), SetImage("web", "web", "web:v2"))
    states, snapshots = [], []
    for s in m.history(st):
        states.append(s)
        snapshots.append(_fields(s))
    assert len({id(s) for s in states}) == len(states)
    for s, snap in zip(states, snapshots):
        assert type(s) is ClusterState
        assert all(getattr(s, k) is v for k, v in snap.items())


def test_transient_writes_in_place_and_freezes_into_a_cluster_state():
    st = m.new_cluster()
    t = transient(st)
    assert type(t) is TransientState and _fields(t) == _fields(st)
    assert t.evolve(now=5) is t and t.now == 5 and st.now == 0
    out = freeze(t)
    assert out is t and type(out) is ClusterState
    assert out.evolve(now=6) is not out and out.now == 5
    assert freeze(st) is st


def test_a_controller_that_fails_leaves_the_state_it_was_given(monkeypatch):
    st = m.step(m.new_cluster(), Apply(_deployment(2)))
    before = _fields(st)

    def broken(state, ns, name):
        state = state.evolve(now=state.now + 1)
        raise RuntimeError("sync failed")

    monkeypatch.setitem(engine.CONTROLLERS, "deployment", broken)
    with pytest.raises(RuntimeError):
        engine.run_work(st, ("deployment", "default", "web"))
    assert all(getattr(st, k) is v for k, v in before.items())


def test_the_first_event_of_a_source_about_an_object_is_a_new_event_with_one_token_taken():
    """`correlate`'s short path (an object without a cache entry for the event's source and type, whether or not
    other sources have one) gives what client-go's correlator gives a new event: a new Event with count 1, one
    similar message, and one token of the burst taken; the same event again (the general path) counts 2 on that
    Event and takes another token."""
    from kubesim.model.events import _unpack

    st = m.settle(m.step(m.new_cluster(), Apply(_deployment(1))))
    pod = st.list("Pod", "default")[0]
    uid, name = pod["metadata"]["uid"], pod["metadata"]["name"]
    stamp = "2024-01-01T00:00:00Z"
    others = tuple(e for e in st.recorder[uid] if e[0] != ("kubelet", "Normal"))
    assert others  # the scheduler's entry
    for before in (st.evolve(recorder=st.recorder.delete(uid)), st.evolve(recorder=st.recorder.set(uid, others))):
        n = before.event_count + 1
        short = correlate(before, pod, "Normal", "Pulled", "Pulled image", "kubelet", stamp)
        ev = short.get("Event", "default", f"{name}.{n:016x}")
        assert (ev["count"], ev["message"], ev["firstTimestamp"], ev["lastTimestamp"]) == (1, "Pulled image", stamp, stamp)
        *kept, entry = short.recorder[uid]
        assert tuple(kept) == before.recorder.get(uid, ())
        assert _unpack(entry, "default", name) == (
            ("kubelet", "Normal"), SPAM_BURST - 1, st.now, (("Normal", "Pulled", ("Pulled image",), st.now),), (("Normal", "Pulled", "Pulled image"), ev["metadata"]["name"], 1, stamp)
        )
        again = correlate(short, pod, "Normal", "Pulled", "Pulled image", "kubelet", stamp)
        assert again.get("Event", "default", f"{name}.{n:016x}")["count"] == 2 and again.event_count == n
        assert _unpack(again.recorder[uid][-1], "default", name)[1] == SPAM_BURST - 2


@pytest.mark.parametrize("min_ready", [0, 10])
def test_every_state_of_a_rollout_is_the_same_with_and_without_transients(monkeypatch, min_ready):
    """The transient is an optimisation only: the run with in-place writes inside a sync and the run
    with a new immutable state per write observe the same states, in order. A sync that keeps a state
    and reads it again after its own writes breaks this: the ReplicaSet controller once counted the
    pods it had just created into the status it computes from the pods it listed before
    `manageReplicas` (upstream `syncReplicaSet` passes those to `calculateStatus`), so its first status
    said 3 replicas instead of 0 when minReadySeconds made it walk the pods."""
    from kubesim.statefile import dumps

    dep = _deployment(3)
    dep["spec"]["minReadySeconds"] = min_ready

    def run() -> list[str]:
        seen: list[str] = []
        st = m.step(m.new_cluster(), Apply(dep))
        st = m.settle(st, observe=lambda s: seen.append(dumps(s)))
        st = m.step(st, SetImage("web", "web", "web:v2"))
        m.settle(st, observe=lambda s: seen.append(dumps(s)))
        return seen

    with_transients = run()
    monkeypatch.setattr(engine, "transient", lambda st: st)
    assert run() == with_transients


@pytest.mark.parametrize("min_ready", [0, 10])
def test_a_run_no_one_observes_ends_in_the_state_the_observed_run_ends_in(monkeypatch, min_ready):
    """Without an observer the engine runs every sync of a `settle` / `advance` in one transient whose
    mutation builders take the writes in place; the state it ends with is the one the run with a new
    state per sync ends with (the same objects, events, indices, queue and timers, as the state file
    writes them), and holds only immutable maps."""
    from kubesim.statefile import dumps
    from kubesim.model.state import MapMutation

    dep = _deployment(6)
    dep["spec"]["minReadySeconds"] = min_ready

    def run(observe) -> list:
        st = m.settle(m.step(m.new_cluster(), Apply(dep)), observe=observe)
        st = m.settle(m.step(st, SetImage("web", "web", "web:v2")), observe=observe)
        st = m.advance(m.step(st, m.Scale("Deployment", "web", 2)), 90_000, observe=observe)
        return [st, dumps(st)]

    unobserved, observed = run(None), run(lambda s: None)
    assert unobserved[1] == observed[1] and unobserved[0] == observed[0]
    st = unobserved[0]
    assert type(st) is ClusterState
    assert not any(type(v) is MapMutation for v in (*st.__dict__.values(), *st.objects.values()))
    monkeypatch.setattr(engine, "transient", lambda st: st)  # no transient at all: a new state per write
    assert run(None)[1] == observed[1]
