"""Recording traces: from any kubesim driver's `subscribe()` stream, or from a real cluster.

`DriverRecorder` turns a driver's observations (whole snapshots) into per-object changes:
each observation is compared with the one before, and every object that appeared,
changed (new resourceVersion) or disappeared becomes a line, in resourceVersion order.
The embedded model driver reports every controller step, so its traces hold every write.

`record_cluster` watches a real cluster read-only: for each kind one list, then one watch
from the list's resourceVersion (re-listed if the watch expires), every request a GET
through the official client. It never writes.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Callable, Iterator

from kubesim.model.kinds import KINDS

from .format import RECORDED_KINDS, Change, TraceWriter, change_of



class DriverRecorder:
    """Writes the trace of everything a driver shows from now on; `close()` stops it.

    Times are Unix seconds: a cluster driver's observations carry the wall-clock time of
    their t=0 (``_meta``); for the embedded model, t=0 is its configured epoch (logical time).
    """

    def __init__(self, driver, out, kinds: tuple = RECORDED_KINDS) -> None:
        self.kinds = kinds
        self._lock = threading.Lock()
        self._driver = driver
        first = driver.observe()
        self._offset = self._epoch_of(driver, first)
        self._last = self._index(first)
        self.writer = TraceWriter(out, {"source": f"driver:{getattr(driver, 'name', type(driver).__name__)}",
                                        "namespace": getattr(driver, "namespace", None), "kinds": list(kinds), "started": first.time + self._offset})
        for kind, objs in self._last.items():
            for obj in objs.values():
                self.writer.write(change_of(kind, "ADDED", obj, first.time + self._offset, initial=True))
        self._unsubscribe = driver.subscribe(self._observed)

    @staticmethod
    def _epoch_of(driver, obs) -> float:
        meta = obs.objects.get("_meta")
        if meta and isinstance(meta[0], dict) and "epoch" in meta[0]:
            return float(meta[0]["epoch"])
        state = getattr(driver, "state", None)
        epoch = getattr(getattr(state, "config", None), "epoch", None)
        if isinstance(epoch, int):
            return float(epoch)
        return time.time() - obs.time

    def _index(self, obs) -> dict:
        return {k: {o["metadata"]["name"]: o for o in obs.objects.get(k, ())} for k in self.kinds}

    def _observed(self, _obs) -> None:
        # A driver that watches on several threads (the cluster driver: one per kind) calls
        # back from each, so a callback's snapshot may be older than one already written:
        # diffing it would show objects vanish and come back. A snapshot taken under the lock
        # is never older than the last one written.
        with self._lock:
            obs = self._driver.observe()
            now = self._index(obs)
            at = obs.time + self._offset
            out: list[Change] = []
            gone: list[Change] = []
            for kind in self.kinds:
                before, after = self._last.get(kind, {}), now[kind]
                for name, obj in after.items():
                    old = before.get(name)
                    if old is None:
                        out.append(change_of(kind, "ADDED", obj, at))
                    elif old is not obj and old.get("metadata", {}).get("resourceVersion") != obj["metadata"].get("resourceVersion"):
                        out.append(change_of(kind, "MODIFIED", obj, at))
                for name, obj in before.items():
                    if name not in after:
                        c = change_of(kind, "DELETED", obj, at)
                        gone.append(Change(c.kind, c.namespace, c.name, c.type, None, c.time, c.obj))
            out.sort(key=lambda c: int(c.resource_version) if (c.resource_version or "").isdigit() else 0)
            for c in out + gone:
                self.writer.write(c)
            self._last = now

    def close(self) -> None:
        self._unsubscribe()


class Reader:
    """The recorder's only access to a cluster: HTTP GETs (list and watch) through the official client."""

    def __init__(self, api_client) -> None:
        self.api = api_client
        self.methods: list[str] = []

    def _get(self, path: str, query: list, stream: bool = False):
        """One GET: the parsed JSON body, or (`stream`) the open response to read lines from."""
        self.methods.append("GET")
        method, url, headers, body, _ = self.api.param_serialize(
            method="GET", resource_path=path, query_params=query, header_params={"Accept": "application/json"}, auth_settings=["BearerToken"]
        )
        resp = self.api.call_api(method, url, header_params=headers, body=body, _request_timeout=None if stream else 30)
        if resp.status >= 400:
            raise RuntimeError(f"GET {path}: HTTP {resp.status}")
        return resp.response if stream else json.loads(resp.read())

    def list(self, kind: str, namespace: str | None) -> dict:
        return self._get(_path(kind, namespace), [])

    def watch(self, kind: str, namespace: str | None, rv: str, timeout: int) -> Iterator[dict]:
        resp = self._get(_path(kind, namespace), [("watch", "1"), ("resourceVersion", rv), ("allowWatchBookmarks", "false"), ("timeoutSeconds", str(timeout))], True)
        try:
            buf = b""
            for chunk in resp.stream(4096):
                buf += chunk
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    if line.strip():
                        yield json.loads(line)
        finally:
            resp.release_conn()


def _path(kind: str, namespace: str | None) -> str:
    return KINDS[kind].path(namespace or "")


def record_cluster(reader: Reader, out, namespace: str | None, seconds: float | None, header: dict,
                   kinds: tuple = RECORDED_KINDS, clock: Callable[[], float] = time.time, stop: threading.Event | None = None,
                   on_listed: Callable[[], None] | None = None) -> int:
    """List and watch `kinds` until `seconds` pass (or `stop` is set); return the number of changes written.

    `on_listed` is called once every kind's first list is written: from then on every change
    is recorded, so a change made earlier may show up in the `initial` lines instead.
    """
    writer = TraceWriter(out, {**header, "namespace": namespace, "kinds": list(kinds), "started": clock()})
    stop = stop or threading.Event()
    errors: list[str] = []
    unlisted = set(kinds)
    listed_lock = threading.Lock()

    def listed(kind: str) -> None:
        with listed_lock:
            if kind not in unlisted:
                return
            unlisted.discard(kind)
            if unlisted or on_listed is None:
                return
        on_listed()

    def follow(kind: str) -> None:
        known: dict[tuple, dict] = {}
        first = True
        while not stop.is_set():
            try:
                listing = reader.list(kind, namespace)
                items = {((o["metadata"].get("namespace") or ""), o["metadata"]["name"]): {**o, "kind": kind} for o in listing.get("items", ())}
                at = clock()
                for key, obj in items.items():
                    old = known.get(key)
                    if old is None or old["metadata"].get("resourceVersion") != obj["metadata"].get("resourceVersion"):
                        writer.write(change_of(kind, "ADDED" if old is None else "MODIFIED", obj, at, initial=first))
                for key in set(known) - set(items):
                    writer.write(change_of(kind, "DELETED", known[key], at))
                known, first = items, False
                listed(kind)
                rv = (listing.get("metadata") or {}).get("resourceVersion") or "0"
                for event in reader.watch(kind, namespace, rv, 60):
                    if stop.is_set():
                        return
                    etype, obj = event.get("type"), event.get("object") or {}
                    if etype not in ("ADDED", "MODIFIED", "DELETED"):
                        break  # ERROR (e.g. 410 Gone: the resourceVersion expired): list again
                    key = ((obj["metadata"].get("namespace") or ""), obj["metadata"]["name"])
                    obj = {**obj, "kind": kind}
                    writer.write(change_of(kind, etype, obj, clock()))
                    if etype == "DELETED":
                        known.pop(key, None)
                    else:
                        known[key] = obj
            except Exception as err:  # noqa: BLE001 - a broken watch is listed again; the error is reported at the end
                errors.append(f"{kind}: {type(err).__name__}: {err}")
                if stop.wait(1.0):
                    return

    threads = [threading.Thread(target=follow, args=(k,), name=f"trace-{k}", daemon=True) for k in kinds]
    for t in threads:
        t.start()
    try:
        stop.wait(seconds) if seconds is not None else stop.wait()
    except KeyboardInterrupt:
        pass
    stop.set()
    deadline = time.monotonic() + 2.0  # a watch blocked on a quiet stream is a daemon thread: left behind
    for t in threads:
        t.join(timeout=max(deadline - time.monotonic(), 0.0))
    if errors and writer.count == 0:
        raise RuntimeError(errors[0])
    return writer.count
