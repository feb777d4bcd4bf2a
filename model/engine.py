"""Running the cluster: controller work, timers, and the two ways to let time pass.

`step(state, action)` applies one action and returns the new state; it is the only
entry point that changes a state. Actions are small records (see `actions.py`):
user requests, environment events, and `RunWork` / `Tick` for the control plane.
`enabled(state)` lists the control-plane actions that could happen next, so a test can
choose the interleaving; `settle` and `advance` pick the default order (FIFO queue,
then the earliest timer).
"""

from __future__ import annotations

import gc
import weakref
from typing import Callable, Iterator

from .controllers import CONTROLLERS as _REGISTERED
from .state import ClusterState, TransientState, Work, freeze, transient
from .workqueue import dequeue, fire_timers, pop_head

#: Work item name -> the sync function of the controller registered under it (`controllers.py`).
CONTROLLERS: dict[str, Callable[..., ClusterState]] = {c.name: c.sync for c in _REGISTERED}


class NotSettled(Exception):
    """The cluster kept working past the step or time limit given to `settle`."""


class _CyclicGcPaused:
    """``with _CyclicGcPaused():`` runs its block with Python's cyclic garbage collector paused.

    States are trees of dicts, tuples and persistent maps: they hold no reference cycles,
    so reference counting frees everything a step drops. The cyclic collector would only
    re-scan the (large, live) state again and again: with 100,000 pods that is over half
    the run time. Nothing observable changes; the collector's setting is restored even
    on errors, and nested blocks leave it to the outermost one.

    A context manager rather than a decorator: a wrapper would hold its arguments until the
    call returns, so `settle(step(st, a))` would keep the pre-settle state, and every pod
    the run deletes, alive to the end.
    """

    __slots__ = ("paused",)

    def __enter__(self) -> None:
        self.paused = gc.isenabled()
        if self.paused:
            gc.disable()

    def __exit__(self, *exc) -> None:
        if self.paused:
            gc.enable()


def run_work(st: ClusterState, work: Work) -> ClusterState:
    """Take `work` off the queue and run its controller: one sync, one new state.

    The sync builds its result in a transient state (`state.transient`): its writes change one
    object instead of copying the state each time; `st` is left as it was.
    """
    st = dequeue(transient(st), work)
    return freeze(CONTROLLERS[work[0]](st, *work[1:]))


def run_next(st: ClusterState) -> ClusterState:
    """Run the work at the head of the queue (`run_work` of it)."""
    st, work = pop_head(transient(st))
    return freeze(CONTROLLERS[work[0]](st, *work[1:]))


def run_queue(st: ClusterState, max_steps: int = 10_000_000, observe: Callable[[ClusterState], None] | None = None) -> ClusterState:
    """Run queued work in FIFO order until the queue is empty (time does not move)."""
    box = [st]
    del st
    return _drain(box, max_steps, observe)


def _drain(box: list, max_steps: int = 10_000_000, observe: Callable[[ClusterState], None] | None = None) -> ClusterState:
    """`run_queue` of the state in the one-element list `box`, which it empties.

    The engine passes states this way so that no caller's variable keeps the state the run
    started from: each step drops the one before, and the objects a run replaces or deletes
    are freed as it goes instead of at its end (with 100,000 pods, one wake-up replaces tens
    of thousands).
    """
    with _CyclicGcPaused():
        st = box.pop()
        steps = 0
        controllers = CONTROLLERS
        if observe is None:
            # No one sees the states between syncs here, so one transient serves the whole run: its
            # mutation builders (`state.TransientState`) then take every write of the run in place.
            # The state it ends with is the one the syncs one by one would have built.
            st = transient(st)
            while st.queued:
                st, work = pop_head(st)
                st = controllers[work[0]](st, *work[1:])
                if type(st) is not TransientState:
                    st = transient(st)
                steps += 1
                if steps >= max_steps:
                    st = freeze(st)
                    raise NotSettled(f"Work was still queued after {steps} steps at t={st.now}ms: {list(st.pending_work())[:5]}.")
            return freeze(st)
        while st.queued:
            st, work = pop_head(transient(st))  # one sync builds one new state (see `run_work`)
            st = freeze(controllers[work[0]](st, *work[1:]))
            if observe is not None:
                observe(st)
            steps += 1
            if steps >= max_steps:
                raise NotSettled(f"Work was still queued after {steps} steps at t={st.now}ms: {list(st.pending_work())[:5]}.")
        return st


def tick(st: ClusterState) -> ClusterState:
    """Move time to the earliest timer and queue its work (no-op without timers)."""
    at = st.next_timer()
    return st if at is None else fire_timers(st, at)


def advance(st: ClusterState, ms: int, observe: Callable[[ClusterState], None] | None = None) -> ClusterState:
    """Let `ms` milliseconds of logical time pass, running everything due on the way."""
    with _CyclicGcPaused():
        until = st.now + ms
        box = [st]
        st = None
        st = _drain(box, observe=observe)
        while st.timer_times and st.timer_times[0] <= until:
            box = [fire_timers(st, st.timer_times[0])]
            st = None
            st = _drain(box, observe=observe)
        if st.now < until:
            st = st.evolve(now=until)
            if observe is not None:
                observe(st)
        return st


def _changed(before: ClusterState, after: ClusterState) -> bool:
    """Whether a wake-up counts: one that changes no object, no container and sets no new
    timer (a periodic re-check that finds nothing to do) does not."""
    return after.objects is not before.objects or after.runtime is not before.runtime or after.seq != before.seq


def _wake_states(st: ClusterState) -> list[ClusterState]:
    """Every state of one wake-up (fire the earliest timer, run what it queued), in order; the
    last is the state after it. Kept, so that observers see them without running it twice."""
    with _CyclicGcPaused():
        return list(_replay(st))


def _drop_earliest_timer(st: ClusterState) -> ClusterState:
    at = st.timer_times[0]
    return st.evolve(timers=st.timers.delete(at), timer_times=st.timer_times[1:])


def settle(
    st: ClusterState,
    *,
    max_ms: int | None = 3_600_000,
    observe: Callable[[ClusterState], None] | None = None,
) -> ClusterState:
    """Run until nothing more can happen, jumping from timer to timer.

    Time stops at the last instant something changed: wake-ups that would find nothing
    to do (e.g. the progress-deadline re-check of a Deployment that completed meanwhile)
    are dropped rather than waited for. Stops early (without error) once the next timer
    lies more than `max_ms` after the start: a crash-looping pod never settles.
    None means no limit.
    """
    with _CyclicGcPaused():
        start = st.now
        box = [st]
        st = None
        st = _drain(box, observe=observe)
        while st.timer_times:
            at = st.timer_times[0]
            if observe is None and (max_ms is None or at - start <= max_ms):
                # The wake-up without keeping the state before it (see `_drain`): what
                # `_changed` compares is kept as weak references and scalars, and a no-op
                # wake-up is undone on the state after it (it only moved time and the queue).
                objects, runtime = weakref.ref(st.objects), weakref.ref(st.runtime)
                seq, now, qhead, qtail, queue, queued = st.seq, st.now, st.qhead, st.qtail, st.queue, st.queued
                box = [fire_timers(st, at)]
                st = None
                st = _drain(box)
                if objects() is st.objects and runtime() is st.runtime and st.seq == seq:
                    st = st.evolve(now=now, qhead=qhead, qtail=qtail, queue=queue, queued=queued)
                continue
            states = _wake_states(st)  # kept: the observer sees them only if the wake-up counts
            after = states[-1]
            if not _changed(st, after):  # a no-op wake-up is dropped even past the limit: it costs no time
                st = _drop_earliest_timer(st)
                continue
            if max_ms is not None and st.timer_times[0] - start > max_ms:
                break
            if observe is not None:
                for s in states:
                    observe(s)
            st = after
        return st


def _replay(st: ClusterState) -> Iterator[ClusterState]:
    """The intermediate states of one wake-up (for observers)."""
    st = fire_timers(st, st.timer_times[0])
    yield st
    while st.queued:
        st = run_next(st)
        yield st


def history(st: ClusterState, max_ms: int | None = 3_600_000) -> Iterator[ClusterState]:
    """Yield every intermediate state from `st` until it settles (as `settle` would run it)."""
    yield st
    while st.queued:
        st = run_next(st)
        yield st
    start = st.now
    while st.timer_times:
        states = _wake_states(st)
        if not _changed(st, states[-1]):
            st = _drop_earliest_timer(st)
            continue
        if max_ms is not None and st.timer_times[0] - start > max_ms:
            return
        yield from states
        st = states[-1]
