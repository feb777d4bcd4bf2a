"""Recording: the cluster recorder only reads (GET list, GET watch from the list's
resourceVersion), and writes the trace format; the driver recorder marks what existed
before it started as ``initial`` and turns each snapshot into per-object changes."""

from __future__ import annotations

import io
import json
import threading
import time
from urllib.parse import parse_qsl, urlencode

from kubesim.drivers.model import ModelDriver
from kubesim.trace import format as tf
from kubesim.trace.record import DriverRecorder, Reader, record_cluster


def _pod(name: str, rv: str, ready: bool = False) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "shop", "resourceVersion": rv, "uid": f"u-{name}",
            "managedFields": [{"manager": "kubelet"}]},
            "spec": {"containers": [{"name": "c", "image": "img:1"}]},
            "status": {"conditions": [{"type": "Ready", "status": "True" if ready else "False"}]}}


class _Stream:
    """The urllib3 response a watch is read from."""

    def __init__(self, chunks: list[bytes]) -> None:
        self._chunks = list(chunks)
        self.released = False

    def stream(self, _size):
        yield from self._chunks

    def release_conn(self) -> None:
        self.released = True


class _Response:
    """What `ApiClient.call_api` returns (kubernetes.client.rest.RESTResponse)."""

    def __init__(self, body: bytes, chunks: list[bytes] = ()) -> None:
        self.status = 200
        self._body = body
        self.response = _Stream(chunks)

    def read(self) -> bytes:
        return self._body


class FakeApiClient:
    """Answers `kubernetes.client.ApiClient`'s `param_serialize` and `call_api` as the official
    client (v30 and later) does, and remembers every request."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, dict]] = []
        self.watches = 0
        self.lock = threading.Lock()

    def param_serialize(self, method, resource_path, query_params=None, header_params=None, auth_settings=None, **_):
        return method, resource_path + "?" + urlencode(query_params or []), dict(header_params or {}), None, []

    def call_api(self, method, url, header_params=None, body=None, post_params=None, _request_timeout=None):
        path, _, qs = url.partition("?")
        query = dict(parse_qsl(qs))
        with self.lock:
            self.calls.append((method, path, query))
        if not path.endswith("/pods"):
            return _Response(json.dumps({"items": [], "metadata": {"resourceVersion": "100"}}).encode(), [])
        if query.get("watch") != "1":  # the list: before the watch, then what the watch left
            items, rv = ([_pod("a", "90")], "100") if not self.watches else ([_pod("b", "102")], "103")
            return _Response(json.dumps({"items": items, "metadata": {"resourceVersion": rv}}).encode())
        with self.lock:
            self.watches += 1
            first = self.watches == 1
        if not first:
            time.sleep(0.05)
            return _Response(b"", [])
        events = [{"type": "MODIFIED", "object": _pod("a", "101", ready=True)}, {"type": "ADDED", "object": _pod("b", "102")},
                  {"type": "DELETED", "object": _pod("a", "103", ready=True)}]
        body = b"".join(json.dumps(e).encode() + b"\n" for e in events)
        return _Response(b"", [body[:37], body[37:]])  # a line split across chunks


def test_the_cluster_recorder_only_reads_and_writes_the_trace_format():
    api = FakeApiClient()
    out = io.StringIO()
    count = record_cluster(Reader(api), out, "shop", 0.4, {"source": "cluster", "context": "test"})
    methods = {m for m, _, _ in api.calls}
    assert methods == {"GET"}
    pod_calls = [(p, q) for _, p, q in api.calls if p.endswith("/pods")]
    assert pod_calls[0] == ("/api/v1/namespaces/shop/pods", {})
    assert pod_calls[1] == ("/api/v1/namespaces/shop/pods", {"watch": "1", "resourceVersion": "100", "allowWatchBookmarks": "false", "timeoutSeconds": "60"})
    paths = {p for _, p, _ in api.calls}
    for kind in tf.RECORDED_KINDS:
        assert any(p.endswith("/" + {"Endpoints": "endpoints"}.get(kind, kind.lower() + "s")) for p in paths), kind
    trace = tf.parse_lines(out.getvalue().splitlines(), "recorded")
    assert trace.header["context"] == "test" and trace.header["namespace"] == "shop"
    seen = [(c.type, c.name, c.resource_version, c.initial) for c in trace.changes]
    assert seen[:4] == [("ADDED", "a", "90", True), ("MODIFIED", "a", "101", False), ("ADDED", "b", "102", False), ("DELETED", "a", "103", False)]
    assert count == len(trace.changes) == 4  # re-lists that find nothing new write nothing
    assert all("managedFields" not in c.obj["metadata"] for c in trace.changes)


def test_the_driver_recorder_marks_what_existed_as_initial_and_diffs_snapshots():
    d = ModelDriver()
    d.start()
    d.apply("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: before\ndata:\n  k: v\n")
    out = io.StringIO()
    rec = DriverRecorder(d, out)
    d.apply("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: before\ndata:\n  k: w\n")
    d.delete("ConfigMap", "before")
    rec.close()
    d.apply("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: after-close\n")
    trace = tf.parse_lines(out.getvalue().splitlines(), "t")
    cms = [(c.type, c.initial, c.obj.get("data")) for c in trace.changes if c.kind == "ConfigMap"]
    assert cms == [("ADDED", True, {"k": "v"}), ("MODIFIED", False, {"k": "w"}), ("DELETED", False, {"k": "w"})]
    assert trace.changes[0].time == d.state.config.epoch  # logical t=0 is the model's epoch
