"""Every file of corpus/ through `kubesim apply -f`: kubectl's message, exit 1, no traceback, the state kept.

`expectations.yaml` holds, per file, the exact stdout and stderr, and the documents that must be applied
(kubectl applies the valid objects of a file and reports the others; `valid_manifest` spells out the valid
items of a `kind: List`). A file with no valid document must
leave the state file byte for byte as it was; one with valid documents must leave the state that applying
only those documents gives (compared as `kubesim get all,cm,ep,ns -o json`). Each run must stay within a
traced-memory bound (how long each takes is a figure printed by `python -m bench.bad_input`, never a
wall-clock assertion here). Also: a 50 MB file generated into tmp_path, and a long line.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import tracemalloc
from pathlib import Path

import pytest
import yaml

from kubesim.cli import main

from .conftest import record

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"
from kubesim.tour import ARTICLE
ROWS = yaml.safe_load((HERE / "expectations.yaml").read_text(encoding="utf-8"))
MEMORY_LIMIT = 256 * 1024 * 1024


def run(argv: list[str]) -> tuple[int, str, str]:
    """`main(argv)` in-process; any exception escaping it fails the test with the exception itself."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def baseline(tmp_path_factory) -> Path:
    """A state file holding the article's Deployment, NodePort Service (31000) and ConfigMap, settled."""
    path = tmp_path_factory.mktemp("baseline") / "state.json"
    code, _, err = run(["--state", str(path), "apply", "-f", str(ARTICLE / "deploy.yaml"), "-f", str(ARTICLE / "svc-31000.yaml"),
                        "-f", str(ARTICLE / "cm.yaml")])
    assert code == 0, err
    return path


def snapshot(state: Path) -> str:
    code, out, err = run(["--state", str(state), "get", "all,cm,ep,ns", "-o", "json"])
    assert code == 0, err
    return out


def _documents(text: bytes) -> list[bytes]:
    chunks, buf = [], []
    for line in text.splitlines(keepends=True):
        if line.startswith(b"---"):
            if buf:
                chunks.append(b"".join(buf))
            buf = []
            continue
        buf.append(line)
    if buf:
        chunks.append(b"".join(buf))
    return chunks


def test_corpus_is_big_and_every_file_has_an_expectation():
    files = sorted(p.name for p in CORPUS.iterdir())
    assert len(files) >= 60
    assert files == sorted(r["file"] for r in ROWS)
    assert len({r["category"] for r in ROWS}) >= 12


@pytest.mark.parametrize("row", ROWS, ids=[r["file"] for r in ROWS])
def test_bad_input_is_refused_cleanly(row, baseline, tmp_path, monkeypatch):
    monkeypatch.chdir(CORPUS)
    state = tmp_path / "state.json"
    shutil.copy(baseline, state)
    before = state.read_bytes()
    clean = False
    try:
        tracemalloc.start()
        code, out, err = run(["--state", str(state), "apply", "-f", row["file"]])
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert "Traceback" not in out + err
        assert (code, out, err) == (row["exit"], row["stdout"], row["stderr"])
        if row["exit"] == 0:  # a file the real v1.36.3 accepts too (recorded): every document applied, no error
            assert err == "" and row["valid_documents"] == list(range(1, len(_documents((CORPUS / row["file"]).read_bytes())) + 1))
        else:
            assert code == 1 and row["file"] in err or "no objects passed to apply" in err
        assert peak < MEMORY_LIMIT, peak
        valid = row.get("valid_documents") or []
        if not valid and not row.get("valid_manifest"):
            assert state.read_bytes() == before, "a refused file changed the state"
        else:
            expected = tmp_path / "expected.json"
            shutil.copy(baseline, expected)
            docs = _documents((CORPUS / row["file"]).read_bytes())
            only_valid = tmp_path / row["file"]
            only_valid.write_bytes(row["valid_manifest"].encode() if "valid_manifest" in row else b"---\n".join(docs[i - 1] for i in valid))
            assert run(["--state", str(expected), "apply", "-f", str(only_valid)])[0] == 0
            assert snapshot(state) == snapshot(expected)
        clean = True
    finally:
        if tracemalloc.is_tracing():
            tracemalloc.stop()
        record("bad input", row["category"], 1, int(clean))


def _generated(tmp_path: Path, name: str, data: bytes, baseline: Path, words: str) -> None:
    state = tmp_path / "state.json"
    shutil.copy(baseline, state)
    before = state.read_bytes()
    (tmp_path / name).write_bytes(data)
    del data
    clean = False
    try:
        tracemalloc.start()
        code, out, err = run(["--state", str(state), "apply", "-f", str(tmp_path / name)])
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert code == 1 and out == "" and "Traceback" not in err
        assert name in err and words in err, err
        assert state.read_bytes() == before
        assert peak < MEMORY_LIMIT, peak
        clean = True
    finally:
        if tracemalloc.is_tracing():
            tracemalloc.stop()
        record("bad input", "exhaust", 1, int(clean))


def test_a_50_mb_file_is_refused_in_bounded_memory(tmp_path, baseline, monkeypatch):
    monkeypatch.chdir(tmp_path)
    one = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big-%d\ndata:\n  KEY: " + b"x" * 900 + b"\n---\n"
    data = b"".join(one.replace(b"%d", str(i).encode()) for i in range(50 * 1024 * 1024 // len(one) + 1))
    assert len(data) >= 50 * 1024 * 1024
    _generated(tmp_path, "huge.yaml", data, baseline, "kubesim reads at most")


def test_a_configmap_over_1_mib_is_refused_by_the_server_rule(tmp_path, baseline, monkeypatch):
    monkeypatch.chdir(tmp_path)
    data = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: wide\ndata:\n  BIG: " + b"x" * 2_000_000 + b"\n"
    _generated(tmp_path, "wide.yaml", data, baseline, "(document 1 of")
