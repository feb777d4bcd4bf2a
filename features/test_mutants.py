"""The scenarios must catch every broken model variant in `kubesim.mutants`.

For each mutant, `pytest.main` runs the feature files that should catch it with
``--mutant NAME`` (kubesim's pytest plugin applies the mutant around each scenario) and must
fail. The runs happen in two worker subprocesses (this file run as a script), each
running its share of the mutants in-process one after the other, so imports are paid once.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kubesim.mutants import MUTANTS

ROOT = Path(__file__).resolve().parent.parent

#: mutant -> the feature files (bound by features/test_scenarios_<topic>.py) that must catch it.
CATCHERS = {
    "surge_off_by_one": ["rolling_update", "rollout_strategies"],
    "unavailable_off_by_one": ["rolling_update", "rollout_strategies"],
    "scale_down_oldest_first": ["replicaset"],
    "min_ready_seconds_ignored": ["rolling_update"],
    "rollback_to_wrong_revision": ["rollback"],
    "env_updated_live": ["configmap"],
    "adopts_pods_of_other_controllers": ["replicaset"],
    "endpoints_include_terminating": ["rolling_update", "service"],
    "routes_to_not_ready_pods": ["service"],
    "history_limit_ignored": ["rollback"],
    "replicaset_does_not_replace_pods": ["replicaset"],
}


WORKERS = 2
RESULT = "kubesim-mutant-result "


def _args(name: str) -> list[str]:
    files = [str(ROOT / "features" / f"test_scenarios_{topic}.py") for topic in CATCHERS[name]]
    return ["-q", "-x", "-o", "addopts=", "-p", "no:cacheprovider", "-p", "no:hypothesispytest", "--strict-markers", "--mutant", name, *files]


@pytest.fixture(scope="module")
def results():
    """Run every mutant in `WORKERS` subprocesses at once; return name -> (exit code, output)."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("KUBESIM_TIMELINE_DIR", None)
    names = sorted(CATCHERS)
    shares = [names[i::WORKERS] for i in range(WORKERS)]
    procs = [
        subprocess.Popen([sys.executable, __file__, *share], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for share in shares
    ]
    out: dict[str, tuple[int, str]] = {}
    for p in procs:
        text, _ = p.communicate(timeout=600)
        chunks = text.split(RESULT)
        for chunk in chunks[1:]:
            line, _, _rest = chunk.partition("\n")
            rec = json.loads(line)
            out[rec["name"]] = (rec["code"], rec["output"])
        if p.returncode:
            out.setdefault("<worker>", (p.returncode, text[-3000:]))
    return out


def test_every_mutant_has_catchers():
    """On a new mutant in kubesim.mutants, this table must say which features catch it."""
    assert sorted(CATCHERS) == sorted(MUTANTS)


@pytest.mark.parametrize("name", sorted(CATCHERS))
def test_scenarios_catch_mutant(results, name):
    """On the model broken as `name`, some scenario of the listed features fails (exit code 1)."""
    assert name in results, f"The worker did not report on {name!r}: {results.get('<worker>')}"
    code, out = results[name]
    assert code == 1, f"Mutant {name!r} survived the scenarios of {CATCHERS[name]} (pytest exit code {code}):\n{out[-3000:]}"
    # A scenario fails on a step ("failed") or on the live invariant monitor that checks
    # rollouts at teardown ("error"); either way the scenario run catches the mutant.
    assert " failed" in out or " error" in out, out[-3000:]


def _worker(names: list[str]) -> None:
    """Run the scenarios under each mutant in turn; print one result line per mutant."""
    import contextlib
    import io

    for name in names:
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(buf):
            code = int(pytest.main(_args(name)))
        print(RESULT + json.dumps({"name": name, "code": code, "output": buf.getvalue()[-4000:]}), flush=True)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    _worker(sys.argv[1:])
