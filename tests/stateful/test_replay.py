"""The failure report replays: a script printed by the stateful test runs through `kubesim.replay`."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys

from hypothesis import Phase
from hypothesis.stateful import run_state_machine_as_test

from kubesim.invariants import InvariantViolation
from kubesim.mutants import mutant
from kubesim.replay import first_violation, format_work, parse_duration, parse_work, replay, split_commands

from .conftest import profile_settings
from kubesim.stateful import ClusterMachine, deployment_manifest, heredoc

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def printed_script(name: str) -> tuple[str, InvariantViolation]:
    """The script the stateful test prints for its first failure under mutant `name`."""
    with mutant(name):
        try:
            run_state_machine_as_test(ClusterMachine, settings=profile_settings(phases=[Phase.explicit, Phase.generate]))
        except InvariantViolation as err:
            return err.script, err
    raise AssertionError(f"mutant {name} was not caught")


def run_cli(script: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kubesim.replay", *args, "-"], input=script, text=True, capture_output=True, cwd=ROOT, timeout=120)


def test_printed_script_replays_to_the_same_violation():
    """On replaying the printed script in-process under the same mutant, the same invariant breaks at the same time."""
    script, err = printed_script("surge_off_by_one")
    with mutant("surge_off_by_one"):
        again, _ = first_violation(script)
    assert again is not None
    assert [v.message for v in again.violations] == [v.message for v in err.violations]


def test_printed_script_replays_from_the_command_line():
    """On `python -m kubesim.replay --mutant NAME -`, the printed script fails; on the real model it replays cleanly."""
    script, err = printed_script("min_ready_seconds_ignored")
    broken = run_cli(script, "--mutant", "min_ready_seconds_ignored")
    assert broken.returncode == 1, broken.stderr
    assert err.violations[0].message in broken.stderr
    fine = run_cli(script)
    assert fine.returncode == 0, fine.stderr
    assert "every invariant held" in fine.stdout


def test_script_syntax_round_trips():
    """On a script with a heredoc, comments and every kubesim verb, commands split and parse as written."""
    manifest = deployment_manifest("web", 2, "RollingUpdate", 1, 0, 0, 2, "web:1", "none", 0)
    script = "\n".join(
        [
            "# a comment",
            heredoc(manifest),
            "kubesim run deployment/default/web",
            "kubesim advance 1.5s",
            "kubectl set image deployment/web web=web:2",
            "kubesim settle",
            "kubectl rollout undo deployment/web",
            "kubesim settle",
        ]
    )
    commands = list(split_commands(script))
    assert len(commands) == 7
    assert commands[0].endswith("\nEOF") and "kind: Deployment" in commands[0]
    assert parse_work("deployment/default/web") == ("deployment", "default", "web")
    assert parse_work(shlex.split(format_work(("gc", "1234-abcd", "Background", "x/y")))[0]) == ("gc", "1234-abcd", "Background", "x/y")
    assert parse_duration("1.5s") == 1.5 and parse_duration("250ms") == 0.25 and parse_duration("2m") == 120
    runner = replay(script)
    assert runner.refused == []
    d = runner.driver.get("Deployment", "web")
    assert d["spec"]["template"]["spec"]["containers"][0]["image"] == "web:1"
    assert d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "3"
