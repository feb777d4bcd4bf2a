"""The event recorder (`record_event`) and its correlator: what becomes of an event a component records about an object.

Mirrors client-go `tools/record` (`events_cache.go`, `EventCorrelator.EventCorrelate`, and
`recordEvent` in `event.go`), which the controllers and the kubelet record through:

1. `EventAggregator.EventAggregate`: events of one source about one object with the same type
   and reason are "similar". Once 10 distinct messages of similar events were seen with no gap
   over 10 minutes, each further one becomes the combined event
   ``(combined from similar events): <message>`` (one Event whose count rises).
2. `eventLogger.eventObserve`: an event seen before (same source, object, type, reason and
   message; or the combined event) updates the stored Event: count + 1, lastTimestamp now,
   same name and firstTimestamp.
3. `EventSourceObjectSpamFilter.Filter`: each source may write 25 events of one type (Normal or
   Warning; `getSpamKey` includes the type) about an object at once, then one per 5 minutes (a
   token bucket); an event over the limit is not written, though steps 1 and 2 have counted it
   (the next written update carries the higher count).

The correlator's caches live in the cluster state (`ClusterState.recorder`): per involved
object uid, one entry per source component and event type, holding ``(component, type)``, the
bucket's tokens, the time of its last event `at_ms`, `similar` ``((type, reason, messages,
last_ms), ...)`` and `seen`, the events written: ``(key, event name, count, first stamp)`` each.
An entry is stored flat (`_pack`): ``(source, tokens, at_ms, similar, key, name, count, first,
key, name, ...)``, or, after a single first event (the usual case: one per object and source),
``(source, tokens, at_ms, reason, message, name, first)``, from which `similar` and `seen`
follow; `_unpack` reads either (and the nested form ``(source, tokens, at_ms, similar, seen)``
of older state files). An object's entry goes when the object is removed (no event names a
removed object's uid again).

Abstracts: upstream's caches are LRUs of 4096 entries per recorder, so on a large cluster
old entries fall out and their counts restart; the model forgets nothing while the object
exists. When the set of similar messages is full upstream drops an arbitrary one
(`PopAny`); the model drops the oldest.
"""

from __future__ import annotations

from .clock import rfc3339
from .pmap import interner
from .state import ClusterState, compact_message, event_record, full_message, put_in, table_put

#: `defaultAggregateMaxEvents` and `defaultAggregateIntervalInSeconds`.
AGGREGATE_MAX_EVENTS = 10
AGGREGATE_INTERVAL_MS = 600_000
#: `defaultSpamBurst` and `defaultSpamQPS` (1/300 per second: one token every 5 minutes).
SPAM_BURST = 25
SPAM_REFILL_MS = 300_000
#: `EventAggregatorByReasonMessageFunc`.
COMBINED_PREFIX = "(combined from similar events): "


def correlate(st: ClusterState, obj: dict, etype: str, reason: str, message: str, component: str, stamp: str) -> ClusterState:
    """Record an event about `obj` through the correlator (`EventCorrelate`); `stamp` is `st.now` in RFC 3339."""
    md = obj["metadata"]
    uid = md.get("uid", "")
    now = st.now
    entries = st.recorder.get(uid)
    if entries is None:
        return _first_event(st, obj, uid, etype, reason, message, component, stamp)
    # the spam filter's bucket: `getSpamKey` (source, object, type)
    others = []
    mine = None
    for e in entries:
        if e[0][0] == component and e[0][1] == etype:
            mine = e
        else:
            others.append(e)
    if mine is None:  # this source's first event about the object: as the first event about it
        return _first_event(st, obj, uid, etype, reason, message, component, stamp, entries)
    ns = md.get("namespace", "default")
    oname = md["name"]
    source, tokens, at, similar, seen = _unpack(mine, ns, oname)

    # EventAggregate: the distinct messages of similar events within the interval (`_aggregate`).
    hit = _AGGREGATED.get((id(similar), etype, reason, message, now))
    if hit is not None and hit[0] is similar:
        similar, key, text = hit[1]
    else:
        similar, key, text = _aggregate(similar, etype, reason, message, now)

    # Filter: the token bucket of this source and object.
    tokens = min(float(SPAM_BURST), tokens + (now - at) / SPAM_REFILL_MS)
    write = tokens >= 1
    if write:
        tokens -= 1
    tokens = _shared(tokens)

    # eventObserve: an event seen before keeps its name and firstTimestamp and counts on. `seen` is flat,
    # (key, name, count, first) per event, its keys distinct (an event seen again moves to the end), so the
    # last event is tried first (the usual repeat: a combined event counting on); no search raises (a new
    # event is the usual case).
    log = len(seen) - 4
    if log < 0 or seen[log] != key:
        keys = seen[::4]
        log = 4 * keys.index(key) if key in keys else -1
    n = st.event_count
    if log < 0:
        n += 1
        name, count, first = "%s.%016x" % (oname, n), 1, stamp
        rest = (*seen, key, name, count, first)
    else:
        name, count, first = seen[log + 1], seen[log + 2] + 1, seen[log + 3]
        rest = (*seen[:log], *seen[log + 4 :], key, name, count, first)
    others.append(_pack(source, tokens, now, similar, rest, ns, oname))
    recorder = put_in(st, "recorder", uid, tuple(others))
    if not write:
        return st.evolve(recorder=recorder, event_count=n)
    rec = event_record(first, obj.get("apiVersion", "v1"), obj["kind"], oname, uid, reason, text, etype, component, count, stamp, ns)
    return st.evolve(objects=table_put(st, "Event", (ns, name), rec), recorder=recorder, event_count=n)


def _first_event(st: ClusterState, obj: dict, uid: str, etype: str, reason: str, message: str, component: str, stamp: str, entries: tuple = ()) -> ClusterState:
    """`correlate` of the first event of a source and type about an object (no cache entry for them yet, whose
    other sources' and types' entries are `entries`), the usual case, without the general path's searches: one
    similar message, never seen before, a full token bucket (one token taken)."""
    md = obj["metadata"]
    n = st.event_count + 1
    oname = md["name"]
    name = "%s.%016x" % (oname, n)
    ns = md.get("namespace", "default")
    rec = event_record(stamp, obj.get("apiVersion", "v1"), obj["kind"], oname, uid, reason, message, etype, component, namespace=ns)
    source = _SOURCES.get((component, etype))
    if source is None:
        source = _SOURCES[(component, etype)] = (component, etype)
    # the record's message is the one `compact_message` keeps (shared): the entry keeps the same
    entry = (source, _FIRST_TOKENS, st.now, reason, rec[3], name, stamp)
    objects = table_put(st, "Event", (ns, name), rec)
    return st.evolve(objects=objects, recorder=put_in(st, "recorder", uid, (*entries, entry)), event_count=n)


def _first_parts(component: str, etype: str, reason: str, message: str, now: int) -> tuple:
    """(source, similar, key) of a first event's entry (see `_pack`), shared by the objects whose first event
    of a source is alike (`_FIRST`)."""
    parts = _FIRST.get((component, etype, reason, message, now))
    if parts is None:
        if len(_FIRST) >= 4096:
            _FIRST.clear()
        parts = _FIRST[(component, etype, reason, message, now)] = (_shared((component, etype)), ((etype, reason, (message,), now),), (etype, reason, message))
    return parts


def _pack(source: tuple, tokens: float, at: int, similar: tuple, seen: tuple, ns: str, oname: str) -> tuple:
    """A correlator entry about object `oname` in `ns` as stored: ``(source, tokens, at, reason, message, name,
    first)`` when it holds one first event of `at` (one similar group of one message, one event seen once under
    that message's key; the message as `state.compact_message` keeps it), else flat: ``(source, tokens, at,
    similar, *seen)`` (`seen`: key, name, count, first, ...)."""
    if len(seen) == 4 and len(similar) == 1 and seen[2] == 1:
        etype, reason, messages, last = similar[0]
        key = seen[0]
        if last == at and len(messages) == 1 and etype == source[1] and len(key) == 3 and key[0] == etype and key[1] == reason and key[2] == messages[0]:
            return (source, tokens, at, reason, compact_message(key[2], reason, ns, oname), seen[1], seen[3])
    return (source, tokens, at, similar, *seen)


def _unpack(entry: tuple, ns: str, oname: str) -> tuple:
    """(source, tokens, at, similar, seen) of a stored entry about `oname` in `ns` (`_pack`), `seen` flat (key,
    name, count, first, ...)."""
    if len(entry) == 7:
        source, tokens, at, reason, message, name, first = entry
        message = full_message(message, ns, oname)
        _, similar, key = _first_parts(source[0], source[1], reason, message, at)
        return source, tokens, at, similar, (key, name, 1, first)
    if len(entry) == 5:  # nested (older state files): seen as a tuple of (key, name, count, first)
        return (*entry[:4], tuple(x for s in entry[4] for x in s))
    return (*entry[:4], entry[4:])


def _aggregate(similar: tuple, etype: str, reason: str, message: str, now: int) -> tuple:
    """`EventAggregate` of one event: (the source's similar-event groups after it, the key `eventObserve`
    counts it under, the message written). A pure function of its arguments, memoised in `_AGGREGATED`
    (the pods of one rollout go through the same groups at the same instants), but for a combined event."""
    arg = similar
    messages: tuple = ()
    rest = []
    for group in similar:
        if group[0] == etype and group[1] == reason:
            if now - group[3] <= AGGREGATE_INTERVAL_MS:
                messages = group[2]
        else:
            rest.append(group)
    if message not in messages:
        messages = (*messages, message)
    if len(messages) >= AGGREGATE_MAX_EVENTS:
        # upstream: PopAny. A set this full is its object's own (its messages name the object's pods, as the
        # ReplicaSet's do) and a new message changes it: neither shared nor memoised (no other event finds it).
        rest.append((etype, reason, messages[1:], now))
        return tuple(rest), _shared((etype, reason)), COMBINED_PREFIX + message
    rest.append(_shared((etype, reason, _shared(messages), now)))
    out = (_shared(tuple(rest)), _shared((etype, reason, message)), message)
    if len(_AGGREGATED) >= 4096:
        _AGGREGATED.clear()
    _AGGREGATED[(id(arg), etype, reason, message, now)] = (arg, out)  # keeps `arg` alive: its id is not reused meanwhile
    return out


#: (id(similar), type, reason, message, now) -> (similar, `_aggregate` of them).
_AGGREGATED: dict = {}
#: (component, type, reason, message, now) -> the shared parts of a first event's entry (source, similar, key).
_FIRST: dict = {}
#: (component, type) -> that tuple, kept once: the sources of correlator entries (a few).
_SOURCES: dict = {}
#: The token count after a first event (a full bucket, one taken), one float for every entry.
_FIRST_TOKENS = float(SPAM_BURST - 1)
#: Equal parts of correlator entries (sources, tokens, message sets, similar-event groups, keys), kept once:
#: many objects' entries hold equal ones (pods of one rollout start alike). Pure values, so sharing is safe.
_shared = interner()


def record_event(st: ClusterState, obj: dict, etype: str, reason: str, message: str, component: str) -> ClusterState:
    """Record a `v1.Event` about `obj` as `record.EventRecorder.Eventf` would: through the correlator
    (`events.correlate`), which counts repeats, combines similar events and rate-limits each source.

    The event is kept as a compact record (`state.event_record`); every read through
    `ClusterState.get/list/table` sees its API JSON (`state.event_dict`).
    """
    epoch, now = st.config.epoch, st.now
    if _STAMP[1] != now or _STAMP[0] != epoch:  # events of one instant share their timestamp string
        _STAMP[0], _STAMP[1], _STAMP[2] = epoch, now, rfc3339(epoch, now)
    return correlate(st, obj, etype, reason, message, component, _STAMP[2])


#: epoch and time of the last event, and its rfc3339 timestamp.
_STAMP: list = [None, None, ""]


__all__ = ["AGGREGATE_INTERVAL_MS", "AGGREGATE_MAX_EVENTS", "COMBINED_PREFIX", "SPAM_BURST", "SPAM_REFILL_MS", "correlate", "record_event"]
