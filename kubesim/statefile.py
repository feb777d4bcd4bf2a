"""The embedded cluster's state file: `ClusterState` <-> JSON, and safe reads and writes.

Two layers. `encode_state` / `decode_state` (and `dumps` / `loads` for a whole file) are pure
conversions: a state and the command line's session record become one JSON document with
a format version, and back. `StateFile` does the I/O: a lock (filelock) serialises
concurrent invocations, a write goes to a temporary file that is fsynced and then
`os.replace`d over the old one (a crash mid-write leaves the previous state intact), and a
file that does not parse or carries another format version raises `StateFileError`
naming it; such a file is never overwritten (only `kubesim reset` removes it).

Format (version 1)::

    {"format": "kubesim-state", "version": 1,
     "state": {"config": ..., "now": ms, "seq": n, "event_count": n,
               "objects": {kind: [object, ...]},          # API JSON, as stored
               "node_ports": [[port, [ns, name]], ...], "cluster_ips": [[ip, [ns, name]], ...],
               "runtime": [[[ns, name], PodRuntime], ...],
               "queue": [[position, work], ...], "qhead": n, "qtail": n,
               "timers": [[time, [[seq, work], ...]], ...],
               "recorder": {"!m": [...]}},                  # the event correlator's caches
     "session": {"timeline": [...], "samples": {ns: [...]}, "rs_owner": {ns: {...}},
                 "commands": [{"t": ms, "namespaces": [ns, ...], "argv": [arg, ...]}, ...]}}
                                                            # the CLI's own record (kubesim.cli.record)

The uid, owner and orphan indices are rebuilt from the objects on load (as the store
keeps them). Values that JSON lacks (tuples, persistent maps, the runtime records) are
tagged: ``{"!t": [...]}``, ``{"!m": [[k, v], ...]}``, ``{"!r": "PodRuntime", "f": {...}}``.
"""

from __future__ import annotations

import dataclasses
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from kubesim import model as m
from kubesim.model.kubelet import ContainerRuntime, PodRuntime
from kubesim.model.pmap import EMPTY, Map
from kubesim.model.state import ClusterState, Config, ImageBehaviour, compact_event, event_dict
from kubesim.model.store import _put

FORMAT = "kubesim-state"
VERSION = 1
DEFAULT_PATH = Path(".kubesim") / "state.json"
ENV_VAR = "KUBESIM_STATE"

_RECORDS = {cls.__name__: cls for cls in (ContainerRuntime, PodRuntime, ImageBehaviour, Config)}


class StateFileError(Exception):
    """The state file cannot be used; the message names the file and what to do."""


# ----- pure conversion ---------------------------------------------------------------------


def _enc(value: Any) -> Any:
    """Encode a Python value of the model's private records as tagged JSON."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, tuple):
        return {"!t": [_enc(v) for v in value]}
    if isinstance(value, list):
        return [_enc(v) for v in value]
    if isinstance(value, Map):
        return {"!m": [[_enc(k), _enc(v)] for k, v in value.items()]}
    if dataclasses.is_dataclass(value) and type(value).__name__ in _RECORDS:
        return {"!r": type(value).__name__, "f": {f.name: _enc(getattr(value, f.name)) for f in dataclasses.fields(value)}}
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value) and not any(k.startswith("!") for k in value):
            return {k: _enc(v) for k, v in value.items()}
        return {"!d": [[_enc(k), _enc(v)] for k, v in value.items()]}
    raise TypeError(f"Cannot store a value of type {type(value).__name__} in the state file: {value!r}.")


def _dec(value: Any) -> Any:
    """Decode what `_enc` produced."""
    if isinstance(value, list):
        return [_dec(v) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1 and "!t" in value:
        return tuple(_dec(v) for v in value["!t"])
    if len(value) == 1 and "!m" in value:
        return Map((_dec(k), _dec(v)) for k, v in value["!m"]) if value["!m"] else EMPTY
    if len(value) == 1 and "!d" in value:
        return {_dec(k): _dec(v) for k, v in value["!d"]}
    if set(value) == {"!r", "f"}:
        cls = _RECORDS.get(value["!r"])
        if cls is None:
            raise ValueError(f"unknown record type {value['!r']!r}")
        return cls(**{k: _dec(v) for k, v in value["f"].items()})
    return {k: _dec(v) for k, v in value.items()}


def encode_state(st: ClusterState) -> dict:
    """Return a JSON-ready dict holding everything `decode_state` needs to rebuild `st`."""
    return {
        "config": _enc(st.config),
        "now": st.now,
        "seq": st.seq,
        "event_count": st.event_count,
        "objects": {kind: [event_dict(k, table[k]) for k in sorted(table.keys())] for kind, table in sorted(st.objects.items())},
        "node_ports": sorted([port, list(owner)] for port, owner in st.node_ports.items()),
        "cluster_ips": sorted([ip, list(owner)] for ip, owner in st.cluster_ips.items()),
        "runtime": [[list(key), _enc(rt)] for key, rt in sorted(st.runtime.items())],
        "queue": [[pos, _enc(st.queue[pos])] for pos in sorted(st.queue.keys())],
        "qhead": st.qhead,
        "qtail": st.qtail,
        "timers": [[t, [[seq, _enc(slot[seq])] for seq in sorted(slot.keys())]] for t, slot in sorted(st.timers.items())],
        "timer_times": list(st.timer_times),
        "recorder": _enc(st.recorder),
    }


def decode_state(data: dict) -> ClusterState:
    """Rebuild a `ClusterState` from `encode_state`'s output; raise ValueError/KeyError/TypeError if malformed."""
    config = _dec(data["config"])
    if not isinstance(config, Config):
        raise ValueError("config is not a Config record")
    st = ClusterState(config=config, now=int(data["now"]), seq=int(data["seq"]), event_count=int(data["event_count"]))
    objects = EMPTY
    for kind, objs in data["objects"].items():
        objects = objects.set(kind, EMPTY)
    st = st.evolve(objects=objects)
    for kind, objs in data["objects"].items():
        for obj in objs:
            md = obj["metadata"]
            key = (md.get("namespace", ""), md["name"])
            if kind == "Event":  # events are stored without uid and stay out of the indices
                st = st.evolve(objects=st.objects.set(kind, st.objects[kind].set(key, compact_event(key, obj))))
            else:
                st = _put(st, kind, key, None, obj)
    queue = Map((int(pos), _dec(w)) for pos, w in data["queue"]) if data["queue"] else EMPTY
    queued = Map((w, pos) for pos, w in queue.items()) if len(queue) else EMPTY
    timers = EMPTY
    for t, slot in data["timers"]:
        timers = timers.set(int(t), Map((int(s), _dec(w)) for s, w in slot))
    return st.evolve(
        node_ports=Map((int(p), tuple(o)) for p, o in data["node_ports"]) if data["node_ports"] else EMPTY,
        cluster_ips=Map((ip, tuple(o)) for ip, o in data["cluster_ips"]) if data["cluster_ips"] else EMPTY,
        runtime=Map((tuple(k), _dec(rt)) for k, rt in data["runtime"]) if data["runtime"] else EMPTY,
        queue=queue,
        queued=queued,
        qhead=int(data["qhead"]),
        qtail=int(data["qtail"]),
        timers=timers,
        timer_times=tuple(int(t) for t in data["timer_times"]),
        recorder=_dec(data.get("recorder")) or EMPTY,
    )


def dumps(st: ClusterState, session: dict | None = None) -> str:
    """Render a whole state file (deterministic: the same state gives the same text)."""
    doc = {"format": FORMAT, "version": VERSION, "state": encode_state(st), "session": session or {}}
    return json.dumps(doc, sort_keys=True, separators=(",", ":")) + "\n"


def loads(text: str | bytes, name: str = "<state>") -> tuple[ClusterState, dict]:
    """Parse a state file's text; raise `StateFileError` naming `name` if it is not one we can read."""
    try:
        doc = json.loads(text)
    except (ValueError, UnicodeDecodeError) as err:
        raise StateFileError(f'The state file "{name}" is corrupt (not JSON: {err}); run "kubesim reset" to start afresh.') from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise StateFileError(f'The file "{name}" is not a kubesim state file; point --state or {ENV_VAR} elsewhere, or run "kubesim reset".')
    if doc.get("version") != VERSION:
        raise StateFileError(
            f'The state file "{name}" has format version {doc.get("version")!r}; this kubesim reads version {VERSION}. '
            'Use the kubesim that wrote it, or run "kubesim reset" to start afresh.'
        )
    try:
        st = decode_state(doc["state"])
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise StateFileError(f'The state file "{name}" is corrupt ({type(err).__name__}: {err}); run "kubesim reset" to start afresh.') from None
    session = doc.get("session")
    session = session if isinstance(session, dict) else {}
    try:
        check_session(session)
    except ValueError as err:
        raise StateFileError(f'The state file "{name}" is corrupt ({err}); run "kubesim reset" to start afresh.') from None
    return st, session


def check_session(session: dict) -> None:
    """Raise ValueError naming the first field of the CLI's session record that has the wrong shape.

    Every field is optional (a file written before kubesim kept ``commands`` has none).
    """
    for key, kind in (("timeline", list), ("samples", dict), ("rs_owner", dict), ("commands", list)):
        if key in session and not isinstance(session[key], kind):
            raise ValueError(f"session.{key} is not a {'list' if kind is list else 'mapping'}")
    for i, c in enumerate(session.get("commands") or ()):
        where = f"session.commands[{i}]"
        if not isinstance(c, dict):
            raise ValueError(f"{where} is not a mapping")
        if not isinstance(c.get("t"), int) or isinstance(c.get("t"), bool):
            raise ValueError(f"{where}.t is not a whole number of milliseconds")
        for field in ("namespaces", "argv"):
            if not isinstance(c.get(field), list) or not all(isinstance(x, str) for x in c[field]):
                raise ValueError(f"{where}.{field} is not a list of strings")


# ----- file I/O ---------------------------------------------------------------------------


def resolve_path(explicit: str | os.PathLike | None = None) -> Path:
    """The state file to use: `--state`, else $KUBESIM_STATE, else ./.kubesim/state.json."""
    if explicit:
        return Path(explicit)
    env = os.environ.get(ENV_VAR)
    return Path(env) if env else DEFAULT_PATH


class StateFile:
    """One state file on disk, with its lock (``<file>.lock``).

    Use as a context manager to hold the lock across a read-modify-write::

        with StateFile(path) as sf:
            st, session = sf.load()
            ...
            sf.save(st, session)
    """

    def __init__(self, path: str | os.PathLike, timeout: float = 60.0) -> None:
        self.path = Path(path)
        self.timeout = timeout
        self._lock: FileLock | None = None

    def __enter__(self) -> "StateFile":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = FileLock(str(self.path) + ".lock")
        try:
            self._lock.acquire(timeout=self.timeout)
        except Timeout:
            raise StateFileError(f'Another kubesim holds the lock on "{self.path}" (waited {self.timeout:g}s); try again.') from None
        return self

    def __exit__(self, *exc) -> None:
        if self._lock is not None:
            self._lock.release()

    def exists(self) -> bool:
        return self.path.exists()

    def load(self, config: m.Config | None = None) -> tuple[ClusterState, dict]:
        """Read the state, or return a fresh cluster if there is no file yet."""
        if not self.path.exists():
            return m.new_cluster(config), {}
        try:
            text = self.path.read_bytes()
        except OSError as err:
            raise StateFileError(f'Cannot read the state file "{self.path}": {err.strerror}.') from None
        return loads(text, str(self.path))

    def save(self, st: ClusterState, session: dict | None = None, *, _before_replace=None) -> None:
        """Write atomically: a temporary file in the same directory, fsync, then `os.replace`."""
        text = dumps(st, session).encode()
        directory = self.path.parent
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=self.path.name + ".", suffix=".tmp", dir=directory)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            if _before_replace is not None:  # a test hook: simulate a crash here
                _before_replace()
            os.replace(tmp, self.path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
        try:
            dfd = os.open(directory, os.O_RDONLY)
        except OSError:
            return
        try:
            os.fsync(dfd)
        except OSError:
            pass
        finally:
            os.close(dfd)

    def remove(self) -> bool:
        """Delete the state file (and stray temporary files); say whether there was one."""
        existed = self.path.exists()
        if existed:
            self.path.unlink()
        for stray in self.path.parent.glob(self.path.name + ".*.tmp"):
            try:
                stray.unlink()
            except OSError:
                pass
        return existed


__all__ = ["FORMAT", "VERSION", "StateFile", "StateFileError", "check_session", "decode_state", "dumps", "encode_state", "loads", "resolve_path"]
