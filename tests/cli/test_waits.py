"""Commands that wait move logical time and keep it: `get -w`, `wait --for=condition=`, `rollout status --timeout`.

Expectations: kubectl `get.go` (watch: the listing, then one row per change; one resource type only),
`wait.go` (``<ref> condition met``; ``timed out waiting for the condition on <resource>/<name>``; default
timeout 30s), `rollout_status.go` (``timed out waiting for the condition``), and the article's rollout: a
Deployment with minReadySeconds 10 whose pods become ready 1 s after start is available 11 s after creation.
"""

from __future__ import annotations

from pathlib import Path

from kubesim import statefile


def _now(kubesim) -> int:
    with statefile.StateFile(Path(kubesim.state)) as sf:
        st, _ = sf.load()
    return st.now


def test_get_watch_streams_rows_until_the_cluster_settles(kubesim):
    kubesim("apply", "-f", "deploy.yaml", "--no-settle")
    r = kubesim("get", "deploy", "-w")
    lines = r.out.splitlines()
    assert r.code == 0 and lines[0].split() == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert lines[1].split() == ["mc-user", "0/3", "0", "0", "0s"]  # the listing
    assert lines[-1].split() == ["mc-user", "3/3", "3", "3", "11s"]  # the last change: available after 11 s
    assert all(len(line.split()) == 5 for line in lines[1:])  # rows only, no second header
    assert _now(kubesim) == 11_001  # a wait: the time it watched is kept
    assert kubesim("get", "deploy", "-w").out.splitlines()[1:] == ["mc-user   3/3     3            3           11s"]


def test_get_watch_with_a_timeout_and_one_kind_only(kubesim):
    kubesim("apply", "-f", "deploy.yaml", "--no-settle")
    r = kubesim("get", "rs", "-w", "--timeout", "5s")
    assert r.out.splitlines()[-1].split() == ["mc-user-864fdcb6b7", "3", "3", "3", "1s"]  # ready at 1 s, not yet available
    assert _now(kubesim) == 5_000
    r = kubesim("get", "po,rs", "-w")
    assert (r.code, r.err) == (1, "error: watch is only supported on individual resources and resource collections, but 2 resources were found\n")


def test_wait_for_a_condition(kubesim):
    kubesim("apply", "-f", "deploy.yaml", "--no-settle")
    r = kubesim("wait", "--for=condition=Available", "deployment/mc-user")
    assert (r.code, r.out) == (0, "deployment.apps/mc-user condition met\n")
    assert _now(kubesim) == 11_001
    kubesim("set", "image", "deployment/mc-user", "mc-user=example/never-ready:1", "--no-settle")
    kubesim("advance", "1s")  # the new ReplicaSet's first pod exists; wait resolves its objects when it starts
    r = kubesim("wait", "--for=condition=Ready", "pod", "-l", "app=mc-user", "--timeout", "20s")
    assert r.code == 1 and r.out.count(" condition met\n") == 3  # the three old pods are ready
    assert r.err.startswith("error: timed out waiting for the condition on pods/mc-user-") and "864fdcb6b7" not in r.err
    assert _now(kubesim) == 32_001  # the 20 s it waited stay
    r = kubesim("wait", "--for=delete", "deployment/mc-user")
    assert r.code == 1 and "kubesim implements --for=condition=TYPE[=VALUE]" in r.err


def test_rollout_status_timeout_keeps_the_time(kubesim):
    kubesim("apply", "-f", "deploy.yaml")
    t0 = _now(kubesim)
    kubesim("set", "image", "deployment/mc-user", "mc-user=example/never-ready:1", "--no-settle")
    r = kubesim("rollout", "status", "deployment/mc-user", "--timeout", "20s")
    assert r.code == 1 and r.err == "error: timed out waiting for the condition\n"
    assert r.out.splitlines()[-1] == 'Waiting for deployment "mc-user" rollout to finish: 1 out of 3 new replicas have been updated...'
    assert _now(kubesim) == t0 + 20_000
