"""Trace validation: check that what a cluster did is a behaviour the model allows.

Record what a cluster did (`kubesim trace record`, or `recording(driver, path)` around any
kubesim driver), then search the model for a run that produces the same observations in
the same order (`kubesim trace check`, `check_trace(path)`). See README.md, "Checking a real
rollout against the model", and the modules: `format` (the file), `record`, `infer` (user
requests and readiness read off the trace), `project` (what is compared), `search`, `rules`.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from .format import Trace, TraceError, load
from .record import DriverRecorder
from .search import Bounds, Result, check


@contextmanager
def recording(driver, path: str) -> Iterator[DriverRecorder]:
    """Write the trace of everything `driver` shows inside the block to `path`."""
    with open(path, "w", encoding="utf-8") as out:
        recorder = DriverRecorder(driver, out)
        try:
            yield recorder
        finally:
            recorder.close()


def check_trace(path: str, bounds: Bounds | None = None) -> Result:
    """Check the trace file at `path`; raise `TraceError` if it cannot be read."""
    return check(load(path), bounds)


__all__ = ["Bounds", "DriverRecorder", "Result", "Trace", "TraceError", "check", "check_trace", "load", "recording"]
