"""Tests for model/events.py: how the recorders' correlator turns occurrences into Events.

Expectations are derived by hand from client-go `tools/record/events_cache.go`:
`EventAggregator.EventAggregate` (similar events: same source, object, type and reason; the 10th
distinct message within 10 minutes and every later one become "(combined from similar events): ..."),
`eventLogger.eventObserve` (a repeat of the same event, or of the combined event, bumps count and
lastTimestamp and keeps name and firstTimestamp), and `EventSourceObjectSpamFilter.Filter` (token bucket
per source, object and event type (`getSpamKey`): burst 25, one token per 300 s; a filtered occurrence is
counted but not written).
kubectl's `DescribeEvents` prints count > 1 as "<last> (xN over <first>)".
"""

from __future__ import annotations

from kubesim import model as m
from kubesim.model.clock import parse_ms, rfc3339
from kubesim.model.events import correlate
from kubesim.model.pmap import pmap
from kubesim.model.state import Config, ImageBehaviour, compact_event, event_dict
from simkit import NS, deployment, run

POD = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": NS, "uid": "u-1"}}


def _at(st, ms):
    return st.evolve(now=ms)


def _record(st, reason="R", message="m", component="kubelet", etype="Normal"):
    return correlate(st, POD, etype, reason, message, component, rfc3339(st.config.epoch, st.now))


def _events(st, **match):
    return [e for e in st.list("Event", NS) if all(e.get(k) == v for k, v in match.items())]


def _t(st, stamp):
    return parse_ms(st.config.epoch, stamp)


def test_thirty_replicas_nine_single_events_then_one_combined():
    """On a ReplicaSet creating 30 pods at once: occurrences 1-9 are single SuccessfulCreate events; from the
    10th distinct message on they are the combined event; the spam filter writes the first 25 occurrences, so
    the combined event is written 16 times (occurrences 10-25) and shows count 16; occurrences 26-30 are dropped."""
    st = run(m.Apply(deployment(replicas=30)))
    assert len(st.list("Pod", NS)) == 30
    created = _events(st, reason="SuccessfulCreate")
    single = [e for e in created if not e["message"].startswith("(combined from similar events): ")]
    combined = [e for e in created if e["message"].startswith("(combined from similar events): Created pod: ")]
    assert len(single) == 9 and all(e["count"] == 1 and e["message"].startswith("Created pod: ") for e in single)
    assert len(combined) == 1 and combined[0]["count"] == 16
    assert {e["involvedObject"]["kind"] for e in created} == {"ReplicaSet"}


def test_identical_events_are_one_event_with_a_count():
    """On the same event three times (60 s apart): one Event, count 3, firstTimestamp the first, lastTimestamp the last."""
    st = m.new_cluster()
    for t in (0, 60_000, 120_000):
        st = _record(_at(st, t), reason="BackOff", message="Back-off restarting failed container")
    (ev,) = _events(st, reason="BackOff")
    assert ev["count"] == 3
    assert (_t(st, ev["firstTimestamp"]), _t(st, ev["lastTimestamp"])) == (0, 120_000)


def test_spam_filter_burst_then_one_per_five_minutes():
    """On 30 events of distinct reasons about one object at one instant, 25 are written; 299 s later none
    more; at 300 s one more; another source about the same object has its own bucket."""
    st = m.new_cluster()
    for i in range(30):
        st = _record(st, reason=f"R{i}")
    assert len(_events(st)) == 25
    st = _record(_at(st, 299_000), reason="Late1")
    assert len(_events(st)) == 25
    st = _record(_at(st, 300_000), reason="Late2")
    assert len(_events(st)) == 26 and _events(st, reason="Late2")
    st = _record(st, reason="Other", component="default-scheduler")
    assert _events(st, reason="Other")


def test_spam_filter_has_a_bucket_per_event_type():
    """`getSpamKey` (client-go v0.36 events_cache.go) joins the event's type to source and object: after 25
    Warning events about a pod at one instant a Normal one is still written, and a 26th Warning one is not
    (as on the real node, where a pod's Warning events stop while its Normal ones go on)."""
    st = m.new_cluster()
    for i in range(25):
        st = _record(st, reason=f"W{i}", etype="Warning")
    st = _record(st, reason="N", etype="Normal")
    st = _record(st, reason="W25", etype="Warning")
    assert _events(st, reason="N") and not _events(st, reason="W25")
    assert len(_events(st, type="Warning")) == 25


def test_aggregation_restarts_after_ten_quiet_minutes():
    """On 9 distinct messages, then a gap over 600 s: the similar-event record is fresh again, so the next
    message is a single event (not combined); a gap of exactly 600 s keeps the record (`interval > maxInterval`)."""
    st = m.new_cluster()
    for i in range(9):
        st = _record(st, message=f"m{i}")
    st = _record(_at(st, 600_000), message="m9")
    assert _events(st, message="(combined from similar events): m9")
    st = m.new_cluster()
    for i in range(9):
        st = _record(st, message=f"m{i}")
    st = _record(_at(st, 600_001), message="m9")
    assert _events(st, message="m9") and not [e for e in _events(st) if e["message"].startswith("(combined")]


def test_combined_event_keeps_its_name_and_takes_the_latest_message():
    """On the 10th and 11th distinct messages: one combined Event whose count is 2 and whose message is the latest."""
    st = m.new_cluster()
    for i in range(11):
        st = _record(_at(st, i * 1000), message=f"m{i}")
    (ev,) = [e for e in _events(st) if e["message"].startswith("(combined")]
    assert ev["message"] == "(combined from similar events): m10" and ev["count"] == 2
    assert (_t(st, ev["firstTimestamp"]), _t(st, ev["lastTimestamp"])) == (9000, 10_000)


def test_crash_loop_shows_one_backoff_event_with_a_rising_count():
    """On a container that crashes 5 s after each start: one BackOff Event counting every exit but the first
    (kubelet v1.36 `doBackOff`: the first exit finds no back-off entry, so that restart is at once and reports
    nothing), and one Pulled, Created and Started Event each counting every start (`startContainer` records
    "Container created" and "Container started" on each one). In a back-off the status is the exited
    instance's, so restartCount is one less than the exits (kubelet_pods.go `convertContainerStatus`)."""
    cfg = Config(images=pmap({"web:crash": ImageBehaviour(crash_after_ms=5_000)}))
    st = m.step(m.new_cluster(cfg), m.Apply(deployment(replicas=1, image="web:crash")))
    st = m.advance(st, 200_000)
    (pod,) = st.list("Pod", NS)
    status = pod["status"]["containerStatuses"][0]
    restarts = status["restartCount"]  # of the instance shown: in a back-off, the one that exited last
    starts, exits = restarts + 1, restarts + ("waiting" in status["state"])
    (backoff,) = _events(st, reason="BackOff")
    assert restarts >= 4 and backoff["count"] == exits - 1
    for reason, message in (("Pulled", 'Container image "web:crash" already present on machine'), ("Created", "Container created"), ("Started", "Container started")):
        (ev,) = _events(st, reason=reason)
        assert (ev["message"], ev["count"]) == (message, starts)


def test_removed_object_leaves_no_correlator_entry():
    """On a pod's removal its recorder entries go (memory stays bounded by the live objects)."""
    st = run(m.Apply(deployment(replicas=2)))
    uids = {p["metadata"]["uid"] for p in st.list("Pod", NS)}
    assert uids <= set(st.recorder.keys())
    st = run(m.Scale("Deployment", "web", 0), st=st)
    assert not uids & set(st.recorder.keys())


def test_compact_records_round_trip_counts():
    """An Event with a count, read back as API JSON and stored again, is the same compact record."""
    st = m.new_cluster()
    for t in (0, 5000):
        st = _record(_at(st, t))
    (key,) = st.objects["Event"].keys()
    rec = st.objects["Event"][key]
    assert compact_event(key, event_dict(key, rec)) == rec and len(rec) == 7


def test_invariants_see_an_event_counted_again_as_a_new_occurrence():
    """`new_events` lists an Event whose count rose (`eventObserve` patched it for a repeat) and `event_message`
    reads a combined event's latest message (`EventAggregatorByReasonMessageFunc` prefix removed)."""
    from kubesim.invariants import Observation, event_message, new_events

    def obs(count, message="Deleted pod: a"):
        return Observation(0, {"Event": [{"metadata": {"name": "e"}, "count": count, "message": message}]})

    assert new_events(obs(1), obs(1)) == []
    assert [e["count"] for e in new_events(obs(1), obs(2))] == [2]
    assert event_message(obs(2, "(combined from similar events): Deleted pod: b").of("Event")[0]) == "Deleted pod: b"


def test_the_scheduled_event_reads_back_with_its_pod_and_node():
    """The scheduler's `Scheduled` event names its pod and node (`Successfully assigned <ns>/<pod> to <node>`,
    default-scheduler's `schedule_one.go`) and round-trips through its compact record; an Event that only
    looks alike (another namespace in the text) keeps its message word for word."""
    st = run(m.Apply(deployment(replicas=2)))
    pods = sorted(p["metadata"]["name"] for p in st.list("Pod", NS))
    scheduled = sorted(_events(st, reason="Scheduled"), key=lambda e: e["involvedObject"]["name"])
    assert [e["message"] for e in scheduled] == [f"Successfully assigned {NS}/{p} to kubesim-worker" for p in pods]
    for e in scheduled:
        key = (e["metadata"]["namespace"], e["metadata"]["name"])
        assert event_dict(key, compact_event(key, e)) == e
    odd = {**scheduled[0], "message": f"Successfully assigned other/{pods[0]} to kubesim-worker"}
    key = (odd["metadata"]["namespace"], odd["metadata"]["name"])
    assert event_dict(key, compact_event(key, odd))["message"] == odd["message"]


def test_correlator_entries_of_the_nested_form_are_read():
    """A correlator entry in the nested form ``(source, tokens, at, similar, ((key, name, count, first), ...))``
    (as older state files hold it) counts on as the stored form does: the same repeat bumps the same Event."""
    from kubesim.model.events import _unpack

    st = m.new_cluster()
    for reason in ("A", "B"):
        st = _record(st, reason=reason)
    (entry,) = st.recorder["u-1"]
    source, tokens, at, similar, seen = _unpack(entry, NS, "p")
    nested = (source, tokens, at, similar, tuple(tuple(seen[i : i + 4]) for i in range(0, len(seen), 4)))
    old = st.evolve(recorder=st.recorder.set("u-1", (nested,)))
    a, b = _record(_at(st, 5000), reason="A"), _record(_at(old, 5000), reason="A")
    assert a.list("Event", NS) == b.list("Event", NS) and a.recorder == b.recorder
    (ev,) = _events(a, reason="A")
    assert ev["count"] == 2
