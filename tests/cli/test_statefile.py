"""The state file: a faithful round trip, atomic writes, serialised writers, refused bad files."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kubesim import model as m
from kubesim import statefile as sf
from kubesim.cli import main

from kubesim.tour import ARTICLE


def _half_way():
    st = m.new_cluster()
    for name in ("cm.yaml", "deploy-envfrom.yaml", "svc-31000.yaml"):
        st, _ = m.apply_manifests(st, (ARTICLE / name).read_text(), name)
    st = m.settle(st)
    st, _ = m.apply_manifests(st, (ARTICLE / "deploy-v11.yaml").read_text(), "deploy-v11.yaml")
    return m.advance(st, 15_500)  # mid-rollout: timers, queued work, terminating pods, events


def test_round_trip_continues_byte_identically():
    """On save half-way and load, continuing gives the same observations as never saving."""
    st = _half_way()
    assert not st.settled
    loaded, session = sf.loads(sf.dumps(st, {"k": [1]}))
    assert loaded == st and session == {"k": [1]}
    assert sf.dumps(loaded) == sf.dumps(st)
    straight = m.settle(st)
    resumed = m.settle(loaded)
    assert m.to_json(m.observe(resumed)) == m.to_json(m.observe(straight))
    assert resumed.now == straight.now


def test_failure_between_temp_write_and_replace_keeps_the_old_state(tmp_path):
    path = tmp_path / "s.json"
    old = m.new_cluster()
    with sf.StateFile(path) as f:
        f.save(old)
    before = path.read_bytes()

    def crash():
        raise OSError("disk full (injected)")

    with sf.StateFile(path) as f, pytest.raises(OSError):
        f.save(_half_way(), _before_replace=crash)
    assert path.read_bytes() == before
    assert list(tmp_path.glob("*.tmp")) == []


_WRITER = """
import sys, model as m
from kubesim import statefile as sf
st = m.new_cluster()
for i in range(100000):
    st, _ = m.apply_manifests(st, f"apiVersion: v1\\nkind: ConfigMap\\nmetadata: {{name: c{i}}}\\ndata: {{k: '{'x' * 2000}'}}\\n")
    with sf.StateFile(sys.argv[1]) as f:
        f.save(st, {"writes": i})
    print(i, flush=True)
"""


def test_killed_mid_write_leaves_a_readable_state(tmp_path):
    """On SIGKILL at random moments during saves, the file always holds one complete earlier state."""
    path = tmp_path / "s.json"
    for attempt in range(4):
        proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(path)], stdout=subprocess.PIPE, text=True)
        proc.stdout.readline()  # at least one save is complete
        time.sleep(0.05 + 0.07 * attempt)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        st, session = sf.loads(path.read_bytes(), str(path))
        assert len(st.table("ConfigMap")) == session["writes"] + 1


def test_two_concurrent_writers_both_survive(tmp_path):
    """On two `kubesim apply` at once, the lock serialises them: both ConfigMaps are there."""
    state = tmp_path / "s.json"
    procs = []
    for name in ("one", "two", "three"):
        (tmp_path / f"{name}.yaml").write_text(f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  k: v\n")
        procs.append(subprocess.Popen([sys.executable, "-m", "kubesim.cli", "--state", str(state), "apply", "-f", str(tmp_path / f"{name}.yaml")],
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    assert [p.wait() for p in procs] == [0, 0, 0]
    st, _ = sf.loads(state.read_bytes())
    assert {k[1] for k in st.table("ConfigMap").keys()} == {"one", "two", "three"}


@pytest.mark.parametrize(
    "content, words",
    [
        (b"{not json", "is corrupt"),
        (b'{"format": "kubesim-state", "version": 99, "state": {}}', "format version 99"),
        (b'{"format": "something-else"}', "is not a kubesim state file"),
        (b'{"format": "kubesim-state", "version": 1, "state": {"now": 0}}', "is corrupt"),
    ],
    ids=["not-json", "unknown-version", "foreign", "truncated-state"],
)
def test_bad_state_file_is_named_and_never_overwritten(tmp_path, capsys, content, words):
    path = tmp_path / "s.json"
    path.write_bytes(content)
    code = main(["--state", str(path), "apply", "-f", str(ARTICLE / "cm.yaml")])
    err = capsys.readouterr().err
    assert code == 1 and str(path) in err and words in err and "Traceback" not in err
    assert path.read_bytes() == content


def test_env_var_and_reset(tmp_path, monkeypatch, capsys):
    path = tmp_path / "env.json"
    monkeypatch.setenv("KUBESIM_STATE", str(path))
    assert main(["apply", "-f", str(ARTICLE / "cm.yaml")]) == 0
    assert path.exists()
    assert main(["reset"]) == 0 and not path.exists()
