"""The scenarios' kubectl (`kubesim.steps.kubectl`) prints what the `kubesim` CLI prints, being the CLI's parser and printers
run against a driver."""

from __future__ import annotations

import contextlib
import io

import pytest

from kubesim.cli.main import main
from kubesim.drivers.model import ModelDriver
from kubesim.steps.kubectl import Kubectl

# A paused Deployment: the controller's sync of a paused Deployment creates no ReplicaSet (upstream `sync` calls
# `getAllReplicaSetsAndSyncRevision` with createIfNotExisted=false), so its rollout history is empty.
PAUSED = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  paused: true
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: example/web:1
"""


def _cli(tmp_path, *argv: str) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main(["--state", str(tmp_path / "state.json"), *argv])
    return code, out.getvalue()


@pytest.mark.parametrize(("flags", "first_line"), [((), "deployment.apps/web"), (("--revision=2",), "deployment.apps/web with revision #2")])
def test_rollout_history_of_a_deployment_without_replicasets_is_kubectls(tmp_path, flags, first_line):
    """On a Deployment without ReplicaSets, `rollout history` prints the name line, then "No rollout history found."
    (kubectl `rollout_history.go`: the name printer adds "with revision #N" when asked, then `ViewHistory`'s text,
    which answers an empty history before looking for the revision), in the steps as in the CLI."""
    (tmp_path / "paused.yaml").write_text(PAUSED)
    assert _cli(tmp_path, "apply", "-f", str(tmp_path / "paused.yaml"))[0] == 0
    code, cli_out = _cli(tmp_path, "rollout", "history", "deployment/web", *flags)
    driver = ModelDriver()
    driver.start()
    try:
        kubectl = Kubectl(driver, {"paused.yaml": PAUSED})
        assert kubectl.run("kubectl apply -f paused.yaml").ok
        driver.settle()
        result = kubectl.run(" ".join(["kubectl", "rollout", "history", "deployment/web", *flags]))
    finally:
        driver.stop()
    want = [first_line, "No rollout history found."]
    assert (code, [line.strip() for line in cli_out.splitlines()]) == (0, want)
    assert (result.code, [line.strip() for line in result.output.splitlines()]) == (0, want)


def test_an_unknown_flag_fails_as_in_the_cli():
    """On a flag the CLI lacks, the steps' kubectl fails with the CLI's one-line answer, not a traceback."""
    driver = ModelDriver()
    driver.start()
    try:
        result = Kubectl(driver).run("kubectl get po --frobnicate")
    finally:
        driver.stop()
    assert result.code == 1
    assert result.error.splitlines()[0].startswith("error: unknown flag: --frobnicate")


def test_delete_without_names_deletes_nothing():
    """On `delete po` without names, -l or --all, kubectl (`delete.go`) and the CLI refuse; so do the steps, and the pods stay."""
    driver = ModelDriver()
    driver.start()
    try:
        kubectl = Kubectl(driver, {"paused.yaml": PAUSED.replace("paused: true", "paused: false")})
        assert kubectl.run("kubectl apply -f paused.yaml").ok
        driver.settle()
        result = kubectl.run("kubectl delete po")
        left = driver.list("Pod")
    finally:
        driver.stop()
    assert (result.code, result.error) == (1, "error: resource(s) were provided, but no name was specified")
    assert len(left) == 1
