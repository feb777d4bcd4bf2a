"""Rollback edges of `rollout undo` and `rollout history` (kubectl `polymorphichelpers`).

Expectations come from kubectl's `rollback.go` (`DeploymentRollbacker.Rollback`, which
formats the skip line with `toRevision`, and `deploymentRevision`, which walks
`GetAllReplicaSets`' order: old ReplicaSets by creation, then the new one, keeping the
first RS with the highest revision as "latest" and, with strict comparisons, the next
one as "previous").
`rollout history` on an empty history is checked in tests/cli/test_history_edges.py.
"""

from __future__ import annotations

import pytest

from kubesim import model as m
from kubesim.model.kubectl import undo_plan
from simkit import NS, deployment, image_of, run

REV = "deployment.kubernetes.io/revision"


def _rs(name: str, image: str, revision: str, created: str) -> dict:
    """A ReplicaSet of `web` as the controller writes it (hash label, revision annotation)."""
    tmpl = deployment(image=image)["spec"]["template"]
    tmpl = {**tmpl, "metadata": {"labels": {"app": "web", "pod-template-hash": name}}}
    md = {"name": f"web-{name}", "namespace": NS, "uid": f"uid-{name}", "creationTimestamp": created, "annotations": {REV: revision}}
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": md, "spec": {"replicas": 0, "template": tmpl}}


def test_undo_without_to_revision_skips_with_revision_0():
    """Two ReplicaSets sharing revision 1, the Deployment on B's template: kubectl walks A (old,
    latest = A), then B (new: 1 < 1 is false, -1 < 1 -> previous = B); B's template is the
    current one, so it skips and prints ``toRevision``, which is 0 (not "no rollout history")."""
    d = deployment(image="nginx:2")
    rss = [_rs("a", "nginx:1", "1", "2026-01-01T00:00:00Z"), _rs("b", "nginx:2", "1", "2026-01-01T00:00:01Z")]
    new, line = undo_plan(d, rss)
    assert new is None
    assert line == "deployment.apps/web skipped rollback (current template already matches revision 0)"


def test_undo_with_to_revision_skips_with_that_value():
    """`--to-revision=2` naming the running template prints 2 (the flag's value)."""
    d = deployment(image="nginx:2")
    rss = [_rs("a", "nginx:1", "1", "2026-01-01T00:00:00Z"), _rs("b", "nginx:2", "2", "2026-01-01T00:00:01Z")]
    assert undo_plan(d, rss, 2) == (None, "deployment.apps/web skipped rollback (current template already matches revision 2)")


def test_undo_picks_the_second_replica_set_of_a_shared_highest_revision():
    """A rev 1 (new: the Deployment runs nginx:1), B and C both rev 2 (B older). Order B, C, A:
    B is latest; C: 2 < 2 false, -1 < 2 -> previous = C; A: 1 < 2 false. kubectl restores C's
    template (nginx:3), where the highest distinct revision below 2 (A, the running one) would skip."""
    d = deployment(image="nginx:1")
    rss = [
        _rs("a", "nginx:1", "1", "2026-01-01T00:00:00Z"),
        _rs("b", "nginx:2", "2", "2026-01-01T00:00:01Z"),
        _rs("c", "nginx:3", "2", "2026-01-01T00:00:02Z"),
    ]
    new, line = undo_plan(d, rss)
    assert line == "deployment.apps/web rolled back"
    assert new["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:3"
    assert "pod-template-hash" not in new["spec"]["template"]["metadata"]["labels"]


def test_undo_on_one_replica_set_has_no_history():
    """A single ReplicaSet leaves `previousReplicaSet` nil: "no rollout history found"."""
    d = deployment(image="nginx:1")
    with pytest.raises(m.KubesimError, match=r'^no rollout history found for deployment "web"$'):
        undo_plan(d, [_rs("a", "nginx:1", "1", "2026-01-01T00:00:00Z")])


def test_undo_in_the_cluster_after_a_rollout_prints_revision_0_when_already_there():
    """End to end: v1 -> v2, undo (v1 becomes revision 3), undo again goes to revision 2 (v2)."""
    st = run(m.Apply(deployment(replicas=1)))
    st = run(m.SetImage("web", "app", "nginx:2"), st=st)
    st = run(m.RolloutUndo("web"), st=st)
    st = run(m.RolloutUndo("web"), st=st)
    assert st.get("Deployment", NS, "web")["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:2"
    assert {image_of(rs): rs["metadata"]["annotations"][REV] for rs in st.list("ReplicaSet", NS)} == {"nginx:1": "3", "nginx:2": "4"}
