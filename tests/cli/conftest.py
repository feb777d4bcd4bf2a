"""Fixtures for the command line tests: a state file per test and an in-process runner."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from kubesim.cli import main

from kubesim.tour import ARTICLE


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def kubesim(tmp_path, capsys, monkeypatch):
    """Run `kubesim ARGS...` in-process against a fresh state file; return code, stdout, stderr."""
    monkeypatch.chdir(tmp_path)
    for name in ARTICLE.glob("*.yaml"):
        (tmp_path / name.name).write_bytes(name.read_bytes())
    state = str(tmp_path / "state.json")

    def run(*args: str) -> Result:
        capsys.readouterr()
        code = main(["--state", state, *args])
        got = capsys.readouterr()
        return Result(code, got.out, got.err)

    run.state = state
    return run
