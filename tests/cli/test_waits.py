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
    assert (r.code, r.err) == (1, "error: you may only specify a single resource type\n")  # builder.go resourceMappings


def test_get_watch_with_a_selector_shows_only_matching_objects(kubesim):
    """`get.go` `watch` lists and watches with the label selector (`LabelSelectorParam`): changes of other objects
    of the kind print no row."""
    kubesim("apply", "-f", "deploy.yaml")
    kubesim("create", "deployment", "web", "--image=nginx", "--no-settle")
    kubesim("scale", "deployment/mc-user", "--replicas", "4", "--no-settle")
    r = kubesim("get", "pods", "-l", "app=web", "-w")
    rows = r.out.splitlines()[1:]
    assert r.code == 0 and rows and all(row.startswith("web-") for row in rows)
    assert rows[-1].split()[1:3] == ["1/1", "Running"]
    assert kubesim("get", "deploy/mc-user").out.splitlines()[1].split()[1] == "4/4"  # its pod came meanwhile, unprinted


def test_wait_for_a_condition(kubesim):
    kubesim("apply", "-f", "deploy.yaml", "--no-settle")
    r = kubesim("wait", "--for=condition=Available", "deployment/mc-user")
    assert (r.code, r.out) == (0, "deployment.apps/mc-user condition met\n")
    assert _now(kubesim) == 11_001
    kubesim("set", "image", "deployment/mc-user", "mc-user=example/never-ready:1", "--no-settle")
    kubesim("advance", "1s")  # the new ReplicaSet's first pod exists; wait resolves its objects when it starts
    pods = kubesim("get", "pods", "-o", "name").out.split()  # the API lists by name: the order wait visits them in
    assert len(pods) == 4 and "864fdcb6b7" not in pods[0]  # the never-ready pod comes first
    r = kubesim("wait", "--for=condition=Ready", "pod", "-l", "app=mc-user", "--timeout", "20s")
    # The visit goes on past a failure (FlattenListVisitor), but the one deadline has passed by the ready pods'
    # turn, so they time out too; several errors print one per line without "error: " (cmdutil MultipleErrors)
    assert (r.code, r.out) == (1, "")
    assert r.err == "".join(f"timed out waiting for the condition on pods/{p.split('/')[1]}\n" for p in pods)
    assert _now(kubesim) == 32_001  # the 20 s it waited stay


def test_rollout_status_timeout_keeps_the_time(kubesim):
    kubesim("apply", "-f", "deploy.yaml")
    t0 = _now(kubesim)
    kubesim("set", "image", "deployment/mc-user", "mc-user=example/never-ready:1", "--no-settle")
    r = kubesim("rollout", "status", "deployment/mc-user", "--timeout", "20s")
    assert r.code == 1 and r.err == "error: timed out waiting for the condition\n"
    assert r.out.splitlines()[-1] == 'Waiting for deployment "mc-user" rollout to finish: 1 out of 3 new replicas have been updated...'
    assert _now(kubesim) == t0 + 20_000


# ----- rollout status -l (kubectl rollout_status.go) -----------------------------------------------------


def test_rollout_status_by_selector_needs_exactly_one_deployment(kubesim):
    """`rollout_status.go` `Run`: the builder takes one resource type (`SingleResourceType`; `builder.go`
    `resourceMappings`), names or `-l` (a type alone lists them all: `ResourceTypeOrNameArgs(true, ...)`), and
    exactly one object must come out, else ``rollout status is only supported on individual resources and resource
    collections - N resources were found``; no argument is `Validate`'s ``required resource not specified``."""
    kubesim("apply", "-f", "deploy.yaml", "--no-settle")
    kubesim("label", "deployment/mc-user", "tier=web", "--no-settle")
    r = kubesim("rollout", "status", "deployment", "-l", "tier=web")
    assert r.code == 0 and r.out.splitlines()[-1] == 'deployment "mc-user" successfully rolled out'
    assert _now(kubesim) == 11_001  # it waited for the rollout, as `rollout status deployment/mc-user` would
    r = kubesim("rollout", "status", "deploy", "-l", "tier in (db)")
    assert (r.code, r.err) == (1, "error: rollout status is only supported on individual resources and resource collections - 0 resources were found\n")
    assert kubesim("create", "deployment", "web", "--image=nginx").code == 0
    r = kubesim("rollout", "status", "deployment")
    assert (r.code, r.err) == (1, "error: rollout status is only supported on individual resources and resource collections - 2 resources were found\n")
    r = kubesim("rollout", "status", "deployment", "-l", "app=web")  # create deployment labels it app=web
    assert (r.code, r.out) == (0, 'deployment "web" successfully rolled out\n')
    r = kubesim("rollout", "status", "deployment/web", "-l", "app=web")
    assert (r.code, r.err) == (1, "error: name cannot be provided when a selector is specified\n")
    r = kubesim("rollout", "status", "deploy,rs", "-l", "app=web")
    assert (r.code, r.err) == (1, "error: you may only specify a single resource type\n")
    r = kubesim("rollout", "status")
    assert (r.code, r.err) == (1, "error: required resource not specified\n")
    r = kubesim("rollout", "history", "deployment", "-l", "app=web")
    assert r.code == 1 and r.err == "error: kubesim implements -l/--selector for rollout status only, not for rollout history\n"


# ----- wait --for=delete and --for=jsonpath (kubectl wait.go, condition.go, delete.go, json.go) ---------------


def test_wait_for_delete(kubesim):
    """`delete.go` `IsDeleted` and `wait.go` `RunWait`: each object in turn, ``<ref> condition met`` once it is gone
    (a listed one already gone by its turn is met at once); a name is fetched at its turn (`RetrieveLazy`), and its
    NotFound, which RunWait drops for delete, does not stop the visit (`ContinueOnError`); no match is no error;
    `--timeout=0` checks once (``condition not met for <resource>/<name>``); the timeout names the resource
    without its group (`Info.ObjectName`, `extendErrWaitTimeout`)."""
    kubesim("apply", "-f", "deploy.yaml")
    t0 = _now(kubesim)
    r = kubesim("wait", "--for=delete", "deployment/mc-user", "--timeout=0")
    assert (r.code, r.err) == (1, "error: condition not met for deployments/mc-user\n")
    r = kubesim("wait", "--for=delete", "deployment/mc-user", "--timeout", "5s")
    assert (r.code, r.out, r.err) == (1, "", "error: timed out waiting for the condition on deployments/mc-user\n")
    assert _now(kubesim) == t0 + 5_000  # a wait keeps the time it waited
    pods = kubesim("get", "pods", "-o", "name").out.split()
    assert len(pods) == 3
    kubesim("delete", "deployment/mc-user", "--no-settle")
    r = kubesim("wait", "--for=delete", "pod", "-l", "app=mc-user")
    assert (r.code, r.out) == (0, "".join(f"{p} condition met\n" for p in pods))  # in the order the list gave them
    assert kubesim("get", "pods").err == "No resources found in default namespace.\n"
    r = kubesim("wait", "--for=delete", "pod", "-l", "app=mc-user")
    assert (r.code, r.out, r.err) == (0, "", "")
    kubesim("create", "deployment", "web", "--image=nginx")
    r = kubesim("wait", "--for=delete", "deployment/never-was", "--timeout=1s")
    assert (r.code, r.out, r.err) == (0, "", "")
    # the visit goes on past never-was (ContinueOnError); its NotFound is dropped, web's timeout is not
    r = kubesim("wait", "--for=delete", "deployment/never-was", "deployment/web", "--timeout=1s")
    assert (r.code, r.out, r.err) == (1, "", "error: timed out waiting for the condition on deployments/web\n")
    r = kubesim("wait", "--for=delete", "deployment/web", "deployment/never-was", "--timeout=1s")
    assert (r.code, r.err) == (1, "error: timed out waiting for the condition on deployments/web\n")


def test_wait_for_create(kubesim):
    """`wait.go` `RunWait` with ``--for=create``: it looks for the objects at once and then every 500 ms
    (`PollUntilContextTimeout`), then visits them with `IsCreated` (``<ref> condition met`` for each); on timeout
    ``timed out waiting for the condition`` without an object name (`wait.ErrorInterrupted`); `--timeout=0` looks
    once. An object that exists already is met at once and no time passes."""
    kubesim("apply", "-f", "deploy.yaml")
    t0 = _now(kubesim)
    r = kubesim("wait", "--for=create", "deployment/mc-user")
    assert (r.code, r.out) == (0, "deployment.apps/mc-user condition met\n")
    assert _now(kubesim) == t0
    r = kubesim("wait", "--for=create", "deployment/web", "--timeout=0")
    assert (r.code, r.out, r.err) == (1, "", "error: timed out waiting for the condition\n")
    r = kubesim("wait", "--for=create", "deployment/web", "--timeout=2s")
    assert (r.code, r.err) == (1, "error: timed out waiting for the condition\n")
    assert _now(kubesim) == t0 + 2_000  # a wait keeps the time it waited
    # The Deployment's pods are created by its controllers after the apply: not there at the first look (the
    # queued syncs have not run), there at the poll 500 ms later, all three listed.
    kubesim("create", "deployment", "web", "--image=nginx", "--replicas=3", "--no-settle")
    t1 = _now(kubesim)
    r = kubesim("wait", "--for=create", "pod", "-l", "app=web")
    pods = r.out.split()
    assert r.code == 0 and r.out == "".join(f"{p} condition met\n" for p in pods[::3])
    assert len(pods) == 9 and all(p.startswith("pod/web-") for p in pods[::3])
    assert _now(kubesim) == t1 + 500
    # Several names: met once every one of them exists (one NotFound keeps the poll going).
    r = kubesim("wait", "--for=create", "deployment/web", "deployment/later", "--timeout=1s")
    assert (r.code, r.out, r.err) == (1, "", "error: timed out waiting for the condition\n")
    # Two missing: the visit's aggregate is no NotFound to IsNotFound, so the poll ends at once with both
    t2 = _now(kubesim)
    r = kubesim("wait", "--for=create", "deployment/later", "deployment/web", "deployment/never", "--timeout=5s")
    assert (r.code, r.out) == (1, "")
    assert r.err == 'Error from server (NotFound): deployments.apps "later" not found\nError from server (NotFound): deployments.apps "never" not found\n'
    assert _now(kubesim) == t2


def test_wait_for_several_conditions(kubesim):
    """`--for` repeated (kubectl 1.36 `StringArrayVar`; `wait.go` `conditionFuncsFor`, `RunWaitContext`): each object
    must meet every condition in the order given, each one met printing ``<ref> condition met``; the first unmet
    one ends the command against the one deadline; `create` is polled for first; with `delete` among them a
    NotFound ends the visit quietly. No `--for` at all is ``unrecognized condition: []`` (%q of an empty list)."""
    kubesim("apply", "-f", "deploy.yaml", "--no-settle")
    met = "deployment.apps/mc-user condition met\n"
    # ready at 1 s, available only at 11 s (minReadySeconds 10): the first is met, the second times out at 5 s
    r = kubesim("wait", "--for=jsonpath={.status.readyReplicas}=3", "--for=condition=Available", "deployment/mc-user", "--timeout=5s")
    assert (r.code, r.out, r.err) == (1, met, "error: timed out waiting for the condition on deployments/mc-user\n")
    assert _now(kubesim) == 5_000
    r = kubesim("wait", "--for=condition=Available", "--for=jsonpath={.status.readyReplicas}=3", "--for=create", "deployment/mc-user")
    assert (r.code, r.out, r.err) == (0, met * 3, "")
    assert _now(kubesim) == 11_001
    r = kubesim("wait", "--for=condition=Available", "--for=delete", "deployment/mc-user", "--timeout=0")
    assert (r.code, r.out, r.err) == (1, met, "error: condition not met for deployments/mc-user\n")
    r = kubesim("wait", "--for=delete", "--for=condition=Available", "deployment/never-was")
    assert (r.code, r.out, r.err) == (0, "", "")
    r = kubesim("wait", "deployment/mc-user")
    assert (r.code, r.err) == (1, "error: unrecognized condition: []\n")
    # the visit goes on past an error: mc-user is still checked, and the one error is printed after its line
    r = kubesim("wait", "--for=condition=Available", "deployment/never-was", "deployment/mc-user", "--timeout=0")
    assert (r.code, r.out, r.err) == (1, met, 'Error from server (NotFound): deployments.apps "never-was" not found\n')


def test_wait_refusals_are_kubectls(kubesim):
    """`wait.go` `conditionFuncFor` and `processJSONPathInput` (their cases in `wait_test.go`), `RunWait`'s
    ``no matching resources found``, and a missing named object's NotFound."""
    kubesim("apply", "-f", "deploy.yaml")
    cases = {
        "--for=cond=invalid": 'error: unrecognized condition: "cond=invalid"',
        "--for=jsonpath={.metadata.name}='test=wrong'":
            "error: jsonpath wait format must be --for=jsonpath='{.status.readyReplicas}'=3 or --for=jsonpath='{.status.readyReplicas}'",
        "--for=jsonpath={.metadata.name}=": "error: jsonpath wait has to have a value after equal sign, like --for=jsonpath='{.status.readyReplicas}'=3",
        "--for=jsonpath={=True": "error: unexpected path string, expected a 'name1.name2' or '.name1.name2' or '{name1.name2}' or '{.name1.name2}'",
        "--for=jsonpath=": "error: jsonpath expression cannot be empty",
        "--for=jsonpath={.status}=x": "error: jsonpath leads to a nested object or list which is not supported",
        "--for=jsonpath={.status.conditions[*].type}=Available": "error: given jsonpath expression matches more than one value",
    }
    for flag, message in cases.items():
        r = kubesim("wait", flag, "deployment/mc-user")
        assert (r.code, r.err) == (1, message + "\n"), flag
    r = kubesim("wait", "--for=condition=Available", "deployment/web")
    assert (r.code, r.err) == (1, 'Error from server (NotFound): deployments.apps "web" not found\n')
    r = kubesim("wait", "--for=condition=Available", "deployment", "-l", "app=none")
    assert (r.code, r.err) == (1, "error: no matching resources found\n")
    r = kubesim("wait", "--for=condition=Available", "deployment")
    assert (r.code, r.err) == (1, "error: resource(s) were provided, but no name was specified\n")


def test_wait_for_a_jsonpath_value(kubesim):
    """`json.go` `JSONPathWait.checkCondition`: met when the one value the expression finds prints (Go's %v) as
    the given value; without a value, when the field exists. The expression is relaxed as `get` relaxes it
    (test/cmd/wait.sh writes `jsonpath=.status.readyReplicas=1`). The article's pods are ready 1 s after they start
    and available 10 s later (minReadySeconds: 10): readyReplicas reaches 3 before availableReplicas does."""
    kubesim("apply", "-f", "deploy.yaml", "--no-settle")
    r = kubesim("wait", "--for=jsonpath=.status.readyReplicas=3", "deploy/mc-user")
    assert (r.code, r.out) == (0, "deployment.apps/mc-user condition met\n")
    ready_at = _now(kubesim)
    assert 1_000 <= ready_at < 11_001
    assert kubesim("get", "deploy/mc-user", "-o", "jsonpath={.status.readyReplicas} {.status.availableReplicas}").out == "3 "
    r = kubesim("wait", "--for=jsonpath={.status.availableReplicas}", "deploy/mc-user")
    assert (r.code, r.out) == (0, "deployment.apps/mc-user condition met\n")
    assert _now(kubesim) == 11_001  # availableReplicas appears with the first available pod
    r = kubesim("wait", "--for=jsonpath={.spec.template.spec.containers[0].image}='rainbow/mc-user:1.0.RELEASE'", "deploy/mc-user")
    assert (r.code, r.out) == (0, "deployment.apps/mc-user condition met\n")  # quotes around the value are trimmed


def test_wait_for_a_condition_ignores_conditions_of_an_older_generation(kubesim):
    """`condition.go` `checkCondition`: a condition whose observedGeneration (here the status's) is behind
    metadata.generation does not count; types and values compare case-insensitively (`strings.EqualFold`)."""
    kubesim("apply", "-f", "deploy.yaml")
    r = kubesim("wait", "--for=condition=available=TRUE", "deployment/mc-user", "--timeout=0")
    assert (r.code, r.out) == (0, "deployment.apps/mc-user condition met\n")
    kubesim("scale", "deployment/mc-user", "--replicas", "4", "--no-settle")  # generation 2, not yet observed
    r = kubesim("wait", "--for=condition=Available", "deployment/mc-user", "--timeout=0")
    assert (r.code, r.err) == (1, "error: condition not met for deployments/mc-user\n")
    r = kubesim("wait", "--for=condition=Available", "deployment/mc-user")
    assert (r.code, r.out) == (0, "deployment.apps/mc-user condition met\n")


# ----- logs -f -------------------------------------------------------------------------------------------


def test_logs_follow_streams_until_the_run_ends(kubesim):
    """`logs -f` is a wait: the log stream of a container closes when that run of it exits (kubelet serves one
    container's log; kubectl returns when the stream ends). An image named `crash-after-5s` exits with code 1
    5 s after each start (`model/images.py`)."""
    kubesim("apply", "-f", "deploy.yaml")
    kubesim("set", "image", "deployment/mc-user", "mc-user=example/crash-after-5s:1", "--no-settle")
    kubesim("advance", "2s")
    pod = next(p for p in kubesim("get", "pods", "-o", "name").out.split() if "864fdcb6b7" not in p)
    started = kubesim("logs", pod).out
    assert started.startswith("[kubesim] mc-user (docker.io/example/crash-after-5s:1) started at ")
    r = kubesim("logs", "-f", pod)
    lines = r.out.splitlines()
    assert r.code == 0 and lines[0] == started.rstrip("\n") and len(lines) == 2
    assert lines[1].startswith("[kubesim] mc-user exited with code 1 (Error) at ")
    start_s, end_s = (int(x.rsplit(":", 1)[1].rstrip("Z")) for x in (lines[0], lines[1]))
    assert end_s - start_s == 5  # the run lasted 5 s
    r = kubesim("logs", "-f", pod)  # the next run, after the back-off
    assert r.code == 0 and r.out.splitlines()[0].endswith(" after 1 restart") and len(r.out.splitlines()) == 2


def test_logs_follow_of_a_container_that_keeps_running_stops_when_the_cluster_settles(kubesim):
    """kubectl follows a running container's log for as long as it runs; kubesim's clock stops where nothing more
    can happen (`model.history`), so it ends there, says so on stderr and keeps the time it followed."""
    kubesim("apply", "-f", "deploy.yaml", "--no-settle")
    kubesim("advance", "2s")
    pod = kubesim("get", "pods", "-o", "name").out.split()[0]
    r = kubesim("logs", "--follow", pod)
    assert r.code == 0 and len(r.out.splitlines()) == 1
    assert r.err == "note: kubesim stops following at t=11s: the simulated cluster has settled (or run for an hour) with mc-user still running, where kubectl would follow it for ever\n"
    assert _now(kubesim) == 11_001  # a wait keeps the time it followed
