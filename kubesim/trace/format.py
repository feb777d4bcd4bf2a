"""The trace file: JSON Lines, one observed change of one object per line.

The first line is a header, every other line one change as a watch delivered it::

    {"trace": "kubesim-trace/1", "source": "cluster", "context": "prod", "namespace": "shop",
     "kinds": ["Deployment", ...], "started": 1767225600.0}
    {"kind": "Pod", "namespace": "shop", "name": "web-7c9d-x2k4q", "type": "MODIFIED",
     "resourceVersion": "48213", "time": 1767225612.482, "object": {...}}

`type` is the watch event type (ADDED, MODIFIED, DELETED); lines marked ``"initial": true``
come from the list that starts each watch (what existed when recording began). `time` is
the watch's arrival time in Unix seconds on the recorder's clock; `object` is the object
as the API server sent it, without `metadata.managedFields`. Lines of different kinds
arrive on different watches, so a reader orders them by `resourceVersion` (etcd's
revision: one counter for every write), not by file position.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import IO, Iterable

FORMAT = "kubesim-trace/1"
#: What `trace record` watches: the issue's kinds, and Services (the model needs them to
#: reproduce Endpoints).
RECORDED_KINDS = ("Deployment", "ReplicaSet", "Pod", "Endpoints", "ConfigMap", "Service", "Event")
EVENT_TYPES = ("ADDED", "MODIFIED", "DELETED")


class TraceError(Exception):
    """A trace file cannot be read: the message names the file, the line and the field."""


@dataclass(frozen=True)
class Change:
    """One observed change: a watch event for one object."""

    kind: str
    namespace: str
    name: str
    type: str
    resource_version: str | None
    time: float
    obj: dict = field(compare=False, repr=False)
    initial: bool = False
    line: int = 0

    def to_json(self) -> dict:
        out = {"kind": self.kind, "namespace": self.namespace, "name": self.name, "type": self.type,
               "resourceVersion": self.resource_version, "time": round(self.time, 6), "object": self.obj}
        if self.initial:
            out["initial"] = True
        return out


@dataclass
class Trace:
    header: dict
    changes: list[Change]
    path: str = "-"


def strip(obj: dict) -> dict:
    """The object as recorded: without `metadata.managedFields` (bulky, and no rule reads it)."""
    md = obj.get("metadata")
    if isinstance(md, dict) and "managedFields" in md:
        obj = {**obj, "metadata": {k: v for k, v in md.items() if k != "managedFields"}}
    return obj


def change_of(kind: str, etype: str, obj: dict, time: float, initial: bool = False) -> Change:
    """A `Change` from a watch event's type and object (namespace, name and resourceVersion read from it)."""
    md = obj.get("metadata") or {}
    return Change(kind, md.get("namespace") or "", md.get("name") or "", etype, md.get("resourceVersion"), time, strip(obj), initial)


class TraceWriter:
    """Appends lines to a trace file; safe to call from several watch threads."""

    def __init__(self, out: IO[str], header: dict) -> None:
        self._out = out
        self._lock = threading.Lock()
        self.count = 0
        self._write({"trace": FORMAT, **header})

    def _write(self, record: dict) -> None:
        with self._lock:
            self._out.write(json.dumps(record, separators=(",", ":"), sort_keys=True) + "\n")
            self._out.flush()

    def write(self, change: Change) -> None:
        self._write(change.to_json())
        self.count += 1


def _field(path: str, lineno: int, record: dict, name: str, types, required: bool = True):
    value = record.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, types) or isinstance(value, bool):
        raise TraceError(f"{path}:{lineno}: field {name!r} must be {_type_name(types)}, got {json.dumps(value)[:60]}")
    return value


def _type_name(types) -> str:
    names = {str: "a string", dict: "an object", float: "a number", int: "a number"}
    types = types if isinstance(types, tuple) else (types,)
    return " or ".join(dict.fromkeys(names[t] for t in types))


def parse_lines(lines: Iterable[str], path: str = "-") -> Trace:
    """Read a trace; raise `TraceError` naming the file, line and field of the first problem."""
    header: dict | None = None
    changes: list[Change] = []
    for lineno, text in enumerate(lines, 1):
        if not text.strip():
            continue
        try:
            record = json.loads(text)
        except ValueError as err:
            raise TraceError(f"{path}:{lineno}: not JSON ({err})") from None
        if not isinstance(record, dict):
            raise TraceError(f"{path}:{lineno}: each line must be a JSON object")
        if header is None:
            if record.get("trace") != FORMAT:
                raise TraceError(f"{path}:{lineno}: the first line must be the header {{\"trace\": \"{FORMAT}\", ...}}")
            header = record
            continue
        kind = _field(path, lineno, record, "kind", str)
        etype = _field(path, lineno, record, "type", str)
        if etype not in EVENT_TYPES:
            raise TraceError(f"{path}:{lineno}: field 'type' must be one of {', '.join(EVENT_TYPES)}, got {etype!r}")
        name = _field(path, lineno, record, "name", str)
        namespace = _field(path, lineno, record, "namespace", str, required=False) or ""
        obj = _field(path, lineno, record, "object", dict)
        if not isinstance(obj.get("metadata"), dict):
            raise TraceError(f"{path}:{lineno}: {kind}/{name}: field 'object.metadata' must be an object")
        when = _field(path, lineno, record, "time", (int, float))
        rv = _field(path, lineno, record, "resourceVersion", str, required=False)
        changes.append(Change(kind, namespace, name, etype, rv, float(when), obj, bool(record.get("initial")), lineno))
    if header is None:
        raise TraceError(f"{path}: empty trace (no header line)")
    return Trace(header, changes, path)


def load(path: str) -> Trace:
    """Read the trace file at `path` (see `parse_lines`)."""
    try:
        with open(path, encoding="utf-8") as f:
            return parse_lines(f, path)
    except OSError as err:
        raise TraceError(f"{path}: cannot read: {err.strerror or err}") from None
    except UnicodeDecodeError:
        raise TraceError(f"{path}: not UTF-8 text") from None
