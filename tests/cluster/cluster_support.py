"""Helpers of the tests against the local cluster: measurements for the conformance table, polling."""

from __future__ import annotations

import os
import time


def report(line: str) -> None:
    """Print a measurement, and keep it for the conformance table (KUBESIM_MEASURE_FILE)."""
    print(f"\n{line}")
    out = os.environ.get("KUBESIM_MEASURE_FILE")
    if out:
        with open(out, "a", encoding="utf-8") as f:
            f.write(line + "\n")


def wait_for(what: str, fn, timeout: float = 60.0, every: float = 0.1):
    """Call `fn` every `every` seconds until it returns something true, and return that; fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")
