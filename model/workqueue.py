"""The work queue and timers, as pure functions over `ClusterState`.

Like client-go's workqueue, a queued item is not queued twice; `AddAfter` becomes a
timer that, when logical time reaches it, puts the item on the queue.
"""

from __future__ import annotations

from bisect import insort

from .pmap import EMPTY
from .state import ClusterState, MapMutation, TransientState, Work, building


def enqueue(st: ClusterState, work: Work) -> ClusterState:
    """Return `st` with `work` at the tail of the queue, unless it is already queued."""
    if work in st.queued:
        return st
    pos = st.qtail
    if type(st) is TransientState:  # in place, in the sync's builders (state.BUILT)
        building(st, "queue")[pos] = work
        building(st, "queued")[work] = pos
        return st.evolve(qtail=pos + 1)
    return st.evolve(queue=st.queue.set(pos, work), queued=st.queued.set(work, pos), qtail=pos + 1)


def enqueue_many(st: ClusterState, works) -> ClusterState:
    """Return `st` with every item of `works` enqueued, in order (one bulk update)."""
    # a transient has builders of its own; a write's handlers (the usual case) enqueue a few items, and
    # plain sets beat a mutation for those
    if type(st) is TransientState or type(works) is list and len(works) <= 4:
        return st.evolve(**queue_changes(st, works))
    queue, queued, tail = st.queue, st.queued, st.qtail
    qm, dm = queue.mutate(), queued.mutate()
    for w in works:
        if w in dm:
            continue
        qm[tail] = w
        dm[w] = tail
        tail += 1
    return st.evolve(queue=qm.finish(), queued=dm.finish(), qtail=tail)


def dequeue(st: ClusterState, work: Work) -> ClusterState:
    """Return `st` without `work` in the queue."""
    pos = st.queued.get(work)
    if pos is None:
        return st
    if type(st) is TransientState:
        queue = building(st, "queue")
        del queue[pos]
        del building(st, "queued")[work]
        changes = None
    else:
        queue = st.queue.delete(pos)
        changes = {"queue": queue, "queued": st.queued.delete(work)}
    head = st.qhead
    while head < st.qtail and head not in queue:
        head += 1
    return st.evolve(qhead=head) if changes is None else st.evolve(qhead=head, **changes)


def pop_head(st: ClusterState) -> tuple[ClusterState, Work]:
    """Return `st` without the work at the head of the (non-empty) queue, and that work."""
    head = st.qhead
    work = st.queue[head]
    tail = st.qtail
    if type(st) is TransientState:  # in place, in the builders (state.BUILT)
        d = st.__dict__
        queue, queued = d["queue"], d["queued"]
        if type(queue) is not MapMutation:
            queue = d["queue"] = queue.mutate()
        if type(queued) is not MapMutation:
            queued = d["queued"] = queued.mutate()
        del queue[head]
        del queued[work]
        head += 1
        while head < tail and head not in queue:
            head += 1
        d["qhead"] = head
        return st, work
    queue = st.queue.delete(head)
    head += 1
    while head < tail and head not in queue:
        head += 1
    return st.evolve(queue=queue, queued=st.queued.delete(work), qhead=head), work


def add_timer(st: ClusterState, at_ms: int, work: Work) -> ClusterState:
    """Return `st` with a timer that enqueues `work` at logical time `at_ms` (at least now)."""
    at_ms = max(at_ms, st.now)
    slot = st.timers.get(at_ms)
    times = st.timer_times
    if slot is None:
        slot = EMPTY
        times = list(times)
        insort(times, at_ms)
        times = tuple(times)
    seq = st.seq + 1
    return st.evolve(timers=st.timers.set(at_ms, slot.set(seq, work)), timer_times=times, seq=seq)


def fire_timers(st: ClusterState, at_ms: int) -> ClusterState:
    """Move logical time to `at_ms` and enqueue the work of every timer due then.

    `at_ms` must not pass a pending timer: time only moves from timer to timer.
    """
    assert st.timer_times == () or at_ms <= st.timer_times[0], "time may not skip a timer"
    st = st.evolve(now=at_ms)
    if not st.timer_times or st.timer_times[0] != at_ms:
        return st
    slot = st.timers[at_ms]
    st = st.evolve(timers=st.timers.delete(at_ms), timer_times=st.timer_times[1:])
    return enqueue_many(st, (slot[s] for s in sorted(slot.keys())))


def queue_changes(st: ClusterState, works) -> dict:
    """The `ClusterState` fields that enqueue every item of `works`, in order (for a caller that
    makes one state copy of its own; `enqueue_many` is the same as a state change)."""
    tail = st.qtail
    if type(st) is TransientState:  # in place, in the builders (state.BUILT)
        d = st.__dict__
        queue, queued = d["queue"], d["queued"]
        for w in works:
            if w in queued:
                continue
            if type(queue) is not MapMutation:
                queue = d["queue"] = queue.mutate()
            if type(queued) is not MapMutation:
                queued = d["queued"] = queued.mutate()
            queue[tail] = w
            queued[w] = tail
            tail += 1
        return {"qtail": tail}
    queue, queued = st.queue, st.queued
    for w in works:
        if w in queued:
            continue
        queue = queue.set(tail, w)
        queued = queued.set(w, tail)
        tail += 1
    return {"queue": queue, "queued": queued, "qtail": tail}
