"""The time rule (`kubesim --help`, README "Replaying the article by hand"), run as a user runs the CLI.

Reads never move the cluster nor write the state; changes settle unless --no-settle; waits move time and keep
it even when they fail. The expectation for a wait that fails comes from kubectl: `rollout status` returns the
error of `DeploymentStatusViewer.Status` (kubectl `pkg/polymorphichelpers/rollout_status.go`,
`deployment %q exceeded its progress deadline`) after watching for as long as the rollout took, and the
Deployment's `progressDeadlineSeconds` defaults to 600 (`apps/v1` `SetDefaults_Deployment`): by then the
cluster's clock has moved past 600 s, and a real cluster does not turn its clock back.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from kubesim import statefile
from kubesim.cli.parser import TIME_RULE


def _now(kubesim) -> int:
    """The state file's logical clock (ms)."""
    with statefile.StateFile(Path(kubesim.state)) as sf:
        st, _ = sf.load()
    return st.now


def _state_bytes(kubesim) -> bytes:
    return Path(kubesim.state).read_bytes()


def _deploy(kubesim):
    r = kubesim("apply", "-f", "deploy.yaml", "-f", "svc-31000.yaml")
    assert r.code == 0, r.err


def test_reads_never_move_an_unsettled_cluster(kubesim):
    """After `set image --no-settle`, every read leaves the state file byte for byte as it was (the issue's report:
    `rollout history` used to finish the rollout and save it)."""
    _deploy(kubesim)
    r = kubesim("set", "image", "deployment/mc-user", "mc-user=rainbow/mc-user:1.1.RELEASE", "--no-settle")
    assert r.out == "deployment.apps/mc-user image updated\n"
    frozen = _state_bytes(kubesim)
    pod = kubesim("get", "po", "-o", "name").out.split()[0].split("/")[1]
    for argv in (["get", "rs"], ["get", "all"], ["describe", "deploy", "mc-user"], ["rollout", "history", "deployment/mc-user"],
                 ["timeline"], ["exec", pod, "--", "printenv", "HOSTNAME"], ["get", "rs", "-o", "json"]):
        r = kubesim(*argv)
        assert _state_bytes(kubesim) == frozen, argv
    # rollout history reads the revisions as they are: the new ReplicaSet exists only once the controller ran.
    assert kubesim("rollout", "history", "deployment/mc-user").out == "deployment.apps/mc-user \nREVISION  CHANGE-CAUSE\n1         <none>\n\n"
    assert [line.split()[0] for line in kubesim("get", "rs").out.splitlines()[1:]] == ["mc-user-864fdcb6b7"]


def test_a_read_of_an_unsettled_cluster_says_what_is_pending(kubesim):
    _deploy(kubesim)
    assert kubesim("get", "deploy").err == ""  # settled: nothing to say
    kubesim("scale", "deployment/mc-user", "--replicas", "5", "--no-settle")
    r = kubesim("get", "deploy")
    assert r.code == 0 and r.out.splitlines()[1].split()[1] == "3/5"
    # two pods created, then running, then ready (their readiness and availability come later, by timers)
    assert r.err.startswith("note: the simulated cluster has not settled: ") and " changes pending over the next " in r.err
    suggested = r.err.split("`kubesim ", 1)[1].split("`", 1)[0].split()  # the note's own advice, e.g. advance 11s
    assert suggested[0] == "advance"
    kubesim(*suggested)
    r = kubesim("get", "deploy")
    assert r.err == "" and r.out.splitlines()[1].split()[1:4] == ["5/5", "5", "5"]


def test_changes_settle_unless_no_settle(kubesim):
    _deploy(kubesim)
    t0 = _now(kubesim)
    kubesim("set", "image", "deployment/mc-user", "mc-user=rainbow/mc-user:1.1.RELEASE")
    assert _now(kubesim) > t0  # the rolling update ran (minReadySeconds: 10 per new pod)
    assert kubesim("get", "deploy").out.splitlines()[1].split()[1:4] == ["3/3", "3", "3"]
    t1 = _now(kubesim)
    kubesim("scale", "deployment/mc-user", "--replicas", "4", "--no-settle")
    assert _now(kubesim) == t1
    assert kubesim("get", "deploy").out.splitlines()[1].split()[1] == "3/4"


def test_a_refused_change_leaves_the_state_untouched(kubesim):
    _deploy(kubesim)
    before = _state_bytes(kubesim)
    r = kubesim("rollout", "undo", "deployment/mc-user", "--to-revision", "9")
    assert r.code == 1 and _state_bytes(kubesim) == before


def test_rollout_status_keeps_the_time_it_waited_even_when_it_fails(kubesim):
    """A never-ready image: `rollout status` fails at the progress deadline (600 s, the apps/v1 default) and the
    time it watched stays; the next read shows the cluster at that instant, and `rollout history` moves nothing."""
    _deploy(kubesim)
    t0 = _now(kubesim)
    kubesim("set", "image", "deployment/mc-user", "mc-user=example/never-ready:1", "--no-settle")
    r = kubesim("rollout", "status", "deployment/mc-user")
    assert r.code == 1 and r.err == 'error: deployment "mc-user" exceeded its progress deadline\n'
    waited = _now(kubesim) - t0
    assert waited >= 600_000
    rs = kubesim("get", "rs").out.splitlines()
    assert len(rs) == 3 and rs[1].split()[-1] == "10m" and rs[2].split()[-1] == "10m"  # AGE after the watch
    before = _state_bytes(kubesim)
    kubesim("rollout", "history", "deployment/mc-user")
    assert _state_bytes(kubesim) == before


def test_advance_keeps_its_time_and_prints_whole_seconds(kubesim):
    """`advance` is a wait: the clock moves by exactly the duration; it prints the instant as a Go duration truncated
    to the second, as kubectl writes durations (`11s`, not `11.001s`)."""
    kubesim("apply", "-f", "deploy.yaml", "--no-settle")
    assert kubesim("advance", "11.001s").out == "t=11s\n"
    assert _now(kubesim) == 11_001
    assert kubesim("advance", "601s").out == "t=10m12s\n"
    assert kubesim("advance", "500ms").out == "t=10m12s\n"
    assert _now(kubesim) == 612_501


def test_the_rule_is_in_help_and_readme():
    """`kubesim --help` ends with the rule, word for word; README's section states the same three kinds of command."""
    out = subprocess.run([sys.executable, "-m", "kubesim.cli", "--help"], capture_output=True, text=True, check=True).stdout
    assert TIME_RULE in out
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme.split("## Replaying the article by hand", 1)[1].split("\n## ", 1)[0]
    for phrase in ("never move the cluster", "--no-settle", "keep what passed", "rollout history"):
        assert phrase in section, phrase
