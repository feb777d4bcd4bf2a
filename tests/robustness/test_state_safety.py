"""The state file under SIGKILL, concurrent writers and files from another kubesim.

Kill test: a forked child runs one command (load under the lock, apply a ConfigMap, save) and is SIGKILLed
after a random short delay, 200 times; the file must always load and equal, byte for byte, the state before
or after that command. Concurrency: forked writers running `kubesim apply` at once lose no update. Version:
a state file of a newer or unknown format is refused by every command, named, and never overwritten.
(tests/cli/test_statefile.py has the round trip, the injected failure before `os.replace` and 3 CLI writers.)
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import signal
import statistics
import time
from pathlib import Path

import pytest

from kubesim import model as m
from kubesim import statefile as sf
from kubesim.cli import main

from .conftest import record

from kubesim.tour import ARTICLE
KILLS = 200


def _command(path: Path, i: int) -> None:
    """One `kubesim apply`-like command: lock, load, change, save."""
    with sf.StateFile(path) as f:
        st, session = f.load()
        st, _ = m.apply_manifests(st, f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c{i}}}\ndata: {{k: '{'x' * 3000}'}}\n")
        f.save(st, {**session, "writes": i})


def _fork(fn) -> int:
    pid = os.fork()
    if pid == 0:  # child: never return into pytest
        code = 0
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            fn()
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    return pid


def test_sigkill_during_a_command_leaves_the_state_before_or_after(tmp_path):
    path = tmp_path / "state.json"
    st = m.new_cluster()
    for i in range(60):  # a few hundred KB, so that writing takes a while
        st, _ = m.apply_manifests(st, f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: base{i}}}\ndata: {{k: '{'y' * 3000}'}}\n")
    with sf.StateFile(path) as f:
        f.save(st, {})
    # How long one command takes in a forked child (as the killed ones run: after a long test
    # session a child pays for copy-on-write of the parent's heap, which an in-process run does
    # not), the median of five, to spread the kills over it. Timed from the moment `fork` returns,
    # as the kills are (copying a large parent's page tables happens before), so that the kills
    # land while the command runs rather than mostly after it. The median, not the longest: one
    # probe held up by the disk (the save syncs) or a busy host made every one of the 200 waits
    # longer, and the test took 38 s instead of 7.
    probe = tmp_path / "probe.json"
    spans = []
    for _ in range(5):
        probe.write_bytes(path.read_bytes())
        pid = _fork(lambda: _command(probe, 0))
        t0 = time.perf_counter()
        os.waitpid(pid, 0)
        spans.append(time.perf_counter() - t0)
    span = statistics.median(spans)
    rng = random.Random(20261126)
    outcomes = {"before": 0, "after": 0}
    intact = 0
    for i in range(1, KILLS + 1):
        before = path.read_bytes()
        expect_st, expect_session = sf.loads(before)
        expect_st, _ = m.apply_manifests(expect_st, f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c{i}}}\ndata: {{k: '{'x' * 3000}'}}\n")
        after = sf.dumps(expect_st, {**expect_session, "writes": i}).encode()
        pid = _fork(lambda: _command(path, i))
        time.sleep(rng.uniform(0, span * 1.5))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        now = path.read_bytes()
        sf.loads(now, str(path))  # always loadable
        if now == before:
            outcomes["before"] += 1
        elif now == after:
            outcomes["after"] += 1
        intact += now in (before, after)
        assert now in (before, after), f"kill {i}: the state is neither the one before nor the one after the command"
    record("state file", f"SIGKILL during a command (before {outcomes['before']}, after {outcomes['after']})", KILLS, intact)
    assert outcomes["before"] and outcomes["after"], outcomes  # the kills did land on both sides of the write


def test_concurrent_cli_writers_lose_no_update(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    state = str(tmp_path / "state.json")
    writers, each = 2, 8
    for w in range(writers):
        for k in range(each):
            (tmp_path / f"w{w}-{k}.yaml").write_text(f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: w{w}-{k}\ndata:\n  k: v\n")

    def writer(w: int):
        def run():
            for k in range(each):
                assert main(["--state", state, "apply", "-f", f"w{w}-{k}.yaml"]) == 0
        return run

    pids = [_fork(writer(w)) for w in range(writers)]
    codes = [os.waitstatus_to_exitcode(os.waitpid(p, 0)[1]) for p in pids]
    st, _ = sf.loads(Path(state).read_bytes())
    names = {k[1] for k in st.table("ConfigMap").keys()}
    expected = {f"w{w}-{k}" for w in range(writers) for k in range(each)}
    record("state file", f"{writers} concurrent CLI writers x {each} applies (updates kept)", writers * each, len(names & expected))
    assert codes == [0] * writers and names == expected


NEWER = [
    {"format": "kubesim-state", "version": 2, "state": {}},
    {"format": "kubesim-state", "version": "1", "state": {}},
    {"format": "kubesim-state", "state": {}},
    {"format": "kubesim-state", "version": None},
    {"format": "kubesim-state", "version": 1.5},
]
COMMANDS = [["apply", "-f", str(ARTICLE / "cm.yaml")], ["get", "all"], ["delete", "cm", "x"], ["scale", "deploy", "mc-user", "--replicas", "2"],
            ["advance", "10s"], ["rollout", "restart", "deployment/mc-user"], ["set", "image", "deployment/mc-user", "a=b"],
            ["describe", "deploy"], ["timeline"]]


@pytest.mark.parametrize("doc", NEWER, ids=lambda d: f"version={d.get('version', 'missing')!r}")
def test_a_state_file_of_another_version_is_refused_by_every_command(tmp_path, doc):
    path = tmp_path / "state.json"
    content = json.dumps(doc).encode()
    path.write_bytes(content)
    refused = 0
    for argv in COMMANDS:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["--state", str(path), *argv])
        assert code == 1 and str(path) in err.getvalue() and "Traceback" not in err.getvalue() + out.getvalue(), (argv, err.getvalue())
        assert "format version" in err.getvalue()
        assert path.read_bytes() == content
        refused += 1
    record("state file", "other-version file refused, not overwritten", len(COMMANDS), refused)
