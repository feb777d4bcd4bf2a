"""`rollout history` of a Deployment without ReplicaSets (kubectl `history.go`, `rollout_history.go`).

`DeploymentHistoryViewer.ViewHistory` returns "No rollout history found." before it looks up
``--revision``; `rollout history` prints the result after ``deployment.apps/NAME`` and, with a
revision, ``with revision #N`` (the name printer's operation text).
"""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("flag, header", [((), "deployment.apps/web "), (("--revision=3",), "deployment.apps/web with revision #3")])
def test_history_of_a_deployment_without_replica_sets(kubesim, tmp_path, flag, header):
    """A Deployment created paused has no ReplicaSet (`sync` never creates one); `ViewHistory`
    returns "No rollout history found." before it looks up ``--revision``, and `rollout history`
    prints it after the name and, with a revision, "with revision #N"."""
    (tmp_path / "paused.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  paused: true\n  selector:\n    matchLabels: {app: web}\n"
        "  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - {name: app, image: nginx:1}\n"
    )
    assert kubesim("apply", "-f", "paused.yaml").code == 0
    r = kubesim("rollout", "history", "deployment/web", *flag)
    assert (r.code, r.out, r.err) == (0, f"{header}\nNo rollout history found.\n", "")
