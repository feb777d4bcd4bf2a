"""The cluster driver hands subscribers its observations in the order it took them (no cluster needed).

Each watched kind has its own watch thread, and each calls `ClusterDriver._changed` after updating the
cache. If a thread could be overtaken between taking its observation and delivering it, a subscriber
would see an older observation after a newer one: in CI an article rollout then saw the new ReplicaSet
(3 + 1 replicas), then not (3 + 0), then again, while the API's watch showed it created once and never
scaled down.
"""

from __future__ import annotations

import threading

from kubesim.drivers.cluster import ClusterDriver


def test_observations_reach_subscribers_in_the_order_they_were_taken():
    driver = object.__new__(ClusterDriver)  # the delivery path only: no API client, no watches
    driver._lock = threading.RLock()
    driver._delivering = threading.Lock()
    driver._subscribers = []
    taken: list[int] = []
    first_taken = threading.Event()
    second_started = threading.Event()

    def observe():
        with driver._lock:
            taken.append(len(taken) + 1)
            n = taken[-1]
        if n == 1:
            first_taken.set()
            # the first observer dawdles between taking its observation and delivering it, long enough
            # for the second thread to take and deliver a later one if nothing keeps them in order
            second_started.wait(5)
            threading.Event().wait(0.3)
        return n

    driver.observe = observe
    delivered: list[int] = []
    driver._subscribers.append(delivered.append)

    first = threading.Thread(target=driver._changed)
    first.start()
    assert first_taken.wait(5)

    def second_call():
        second_started.set()
        driver._changed()

    second = threading.Thread(target=second_call)
    second.start()
    first.join(10)
    second.join(10)
    assert taken == [1, 2]
    assert delivered == [1, 2]
