"""Tests for the Deployment controller (model/deployment/*.py) and kubectl's rollout verbs.

Expectations come from upstream `pkg/controller/deployment`: `sync.go` (`getNewReplicaSet`,
`scale`, `cleanupDeployment`, `calculateStatus`, `checkPausedConditions`), `recreate.go`
(`rolloutRecreate`, `oldPodsRunning`), `progress.go` (`syncRolloutStatus`,
`requeueStuckDeployment`), `util/deployment_util.go` (`SetNewReplicaSetAnnotations`,
`SetDeploymentCondition`, `DeploymentTimedOut`), kubectl `polymorphichelpers/rollback.go`
(`DeploymentRollbacker.Rollback`), and the e2e tests in `test/e2e/apps/deployment.go`.
"""

from __future__ import annotations

import pytest

from kubesim import model as m
from simkit import NS, condition, deployment, image_of, pods_of, replicaset, revision_of, rollout_sizes, run

REV = "deployment.kubernetes.io/revision"
HIST = "deployment.kubernetes.io/revision-history"


def _rss_by_image(st):
    return {image_of(rs): rs for rs in st.list("ReplicaSet", NS)}


def _conds(d):
    return [(c["type"], c["status"], c["reason"]) for c in (d.get("status") or {}).get("conditions") or ()]


# ----- creation ---------------------------------------------------------------------------------


def test_new_deployment_creates_its_replica_set_at_full_size():
    """On a new Deployment of 3, one sync creates the RS with spec 3 at once (`NewRSNewReplicas`: min(4-0, 3-0))."""
    st = m.step(m.new_cluster(), m.Apply(deployment(replicas=3)))
    st = m.step(st, m.RunWork(("deployment", NS, "web")))
    (rs,) = st.list("ReplicaSet", NS)
    assert rs["spec"]["replicas"] == 3
    assert revision_of(rs) == "1"
    ann = rs["metadata"]["annotations"]
    assert (ann["deployment.kubernetes.io/desired-replicas"], ann["deployment.kubernetes.io/max-replicas"]) == ("3", "4")
    (ev,) = [e for e in st.list("Event", NS) if e["reason"] == "ScalingReplicaSet"]
    assert ev["message"] == f"Scaled up replica set {rs['metadata']['name']} from 0 to 3"
    d = st.get("Deployment", NS, "web")
    assert d["metadata"]["annotations"][REV] == "1"


def test_conditions_order_and_reasons_of_a_first_rollout():
    """On a fresh 3-replica Deployment, the conditions go (after each sync) as `SetDeploymentCondition` appends them.

    Creation sync: Progressing NewReplicaSetCreated, then calculateStatus appends Available False.
    Pods counted (updated 0->3): Progressing is removed and re-appended as ReplicaSetUpdated.
    Pods available: Available flips (moved last), then Progressing completes (moved last).
    """
    st = m.step(m.new_cluster(), m.Apply(deployment(replicas=3)))
    seen = []
    for s in m.history(st):
        d = s.get("Deployment", NS, "web")
        c = _conds(d)
        if not seen or seen[-1] != c:
            seen.append(c)
    assert seen == [
        [],
        [("Progressing", "True", "NewReplicaSetCreated"), ("Available", "False", "MinimumReplicasUnavailable")],
        [("Available", "False", "MinimumReplicasUnavailable"), ("Progressing", "True", "ReplicaSetUpdated")],
        [("Available", "True", "MinimumReplicasAvailable"), ("Progressing", "True", "NewReplicaSetAvailable")],
    ]
    d = s.get("Deployment", NS, "web")
    rs_name = s.list("ReplicaSet", NS)[0]["metadata"]["name"]
    assert condition(d, "Progressing")["message"] == f'ReplicaSet "{rs_name}" has successfully progressed.'
    assert condition(d, "Available")["message"] == "Deployment has minimum availability."


def test_no_progress_deadline_removes_progressing():
    """On progressDeadlineSeconds = MaxInt32 there is no Progressing condition at all (`HasProgressDeadline`)."""
    st = run(m.Apply(deployment(replicas=2, progress_deadline_seconds=2**31 - 1)))
    assert _conds(st.get("Deployment", NS, "web")) == [("Available", "True", "MinimumReplicasAvailable")]


# ----- status fields ------------------------------------------------------------------------------


def test_unavailable_replicas_mixes_spec_and_status():
    """On scaling 3 -> 5 and a Deployment sync before the RS made pods: replicas 3 (status), unavailable 5-3=2 (Σ spec - available).

    MaxUnavailable(5, 25%) = floor(1.25) = 1, so minAvailable 4 > 3 available: Available False (`calculateStatus`).
    """
    st = run(m.Apply(deployment(replicas=3)))
    st = m.step(st, m.Scale("Deployment", "web", 5))
    st = m.step(st, m.RunWork(("deployment", NS, "web")))  # scaling event: RS 3 -> 5
    st = m.step(st, m.RunWork(("deployment", NS, "web")))  # the RS controller has not run yet
    (rs,) = st.list("ReplicaSet", NS)
    assert rs["spec"]["replicas"] == 5 and rs["status"]["replicas"] == 3
    status = st.get("Deployment", NS, "web")["status"]
    picked = {k: status.get(k, 0) for k in ("replicas", "updatedReplicas", "readyReplicas", "availableReplicas", "unavailableReplicas", "observedGeneration")}
    assert picked == {"replicas": 3, "updatedReplicas": 3, "readyReplicas": 3, "availableReplicas": 3, "unavailableReplicas": 2, "observedGeneration": 2}
    assert ("Available", "False", "MinimumReplicasUnavailable") in _conds(st.get("Deployment", NS, "web"))


def test_status_of_a_stalled_rollout():
    """On 10/3/2 stuck at 8 old + 5 never-ready new: replicas 13, updated 5, ready 8, available 8, unavailable 13-8=5."""
    st = run(m.Apply(deployment(replicas=10, max_surge=3, max_unavailable=2)))
    st = run(m.SetImage("web", "app", "nginx:never-ready"), st=st)
    status = st.get("Deployment", NS, "web")["status"]
    picked = {k: status.get(k, 0) for k in ("replicas", "updatedReplicas", "readyReplicas", "availableReplicas", "unavailableReplicas")}
    assert picked == {"replicas": 13, "updatedReplicas": 5, "readyReplicas": 8, "availableReplicas": 8, "unavailableReplicas": 5}


# ----- revisions, undo ------------------------------------------------------------------------------


def test_undo_reuses_the_old_replica_set_with_a_new_revision():
    """On v1 (rev 1), v2 (rev 2), `rollout undo`: v1's RS is scaled back up and renumbered 3, history "1"; no new RS (1,2 -> 2,3)."""
    st = run(m.Apply(deployment(replicas=2)))
    v1_name = st.list("ReplicaSet", NS)[0]["metadata"]["name"]
    st = run(m.SetImage("web", "app", "nginx:2"), st=st)
    assert {image_of(rs): revision_of(rs) for rs in st.list("ReplicaSet", NS)} == {"nginx:1": "1", "nginx:2": "2"}
    st, line = m.perform(st, m.RolloutUndo("web"))
    assert line == "deployment.apps/web rolled back"
    st = m.settle(st)
    rss = _rss_by_image(st)
    assert len(rss) == 2
    assert rss["nginx:1"]["metadata"]["name"] == v1_name
    assert (revision_of(rss["nginx:1"]), revision_of(rss["nginx:2"])) == ("3", "2")
    assert rss["nginx:1"]["metadata"]["annotations"][HIST] == "1"
    assert (rss["nginx:1"]["spec"]["replicas"], rss["nginx:2"]["spec"]["replicas"]) == (2, 0)
    assert st.get("Deployment", NS, "web")["metadata"]["annotations"][REV] == "3"
    # Undo again flips to the second-highest revision (2): it becomes 4.
    st = run(m.RolloutUndo("web"), st=st)
    rss = _rss_by_image(st)
    assert (revision_of(rss["nginx:1"]), revision_of(rss["nginx:2"])) == ("3", "4")
    assert rss["nginx:2"]["metadata"]["annotations"][HIST] == "2"


def test_undo_to_revision():
    """On revisions 1,2,3, `undo --to-revision=1` renumbers v1 as 4 (history 2,3,4); an unknown revision is an error."""
    st = run(m.Apply(deployment(replicas=1)))
    st = run(m.SetImage("web", "app", "nginx:2"), st=st)
    st = run(m.SetImage("web", "app", "nginx:3"), st=st)
    with pytest.raises(m.KubesimError, match=r"^unable to find specified revision 9 in history$"):
        m.step(st, m.RolloutUndo("web", to_revision=9))
    st = run(m.RolloutUndo("web", to_revision=1), st=st)
    revs = {image_of(rs): revision_of(rs) for rs in st.list("ReplicaSet", NS)}
    assert revs == {"nginx:1": "4", "nginx:2": "2", "nginx:3": "3"}
    assert st.get("Deployment", NS, "web")["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1"


def test_undo_to_the_current_template_is_skipped():
    """On `undo --to-revision=N` where N is the running template, kubectl skips (`rollback.go`)."""
    st = run(m.Apply(deployment(replicas=1)))
    st = run(m.SetImage("web", "app", "nginx:2"), st=st)
    _, line = m.perform(st, m.RolloutUndo("web", to_revision=2))
    assert line == "deployment.apps/web skipped rollback (current template already matches revision 2)"


def test_undo_refuses_a_paused_deployment_and_without_history():
    """On a paused Deployment, or one with a single revision, `rollout undo` fails with kubectl's messages."""
    st = run(m.Apply(deployment(replicas=1)))
    with pytest.raises(m.KubesimError, match=r'^no rollout history found for deployment "web"$'):
        m.step(st, m.RolloutUndo("web"))
    st = run(m.SetImage("web", "app", "nginx:2"), st=st)
    st = run(m.RolloutPause("web"), st=st)
    with pytest.raises(m.KubesimError, match=r"^you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume deployment/web' and try again$"):
        m.step(st, m.RolloutUndo("web"))


def test_change_cause_is_copied_to_the_new_rs():
    """On a Deployment annotation, the new RS gets it (except the skip list: last-applied, revision, ...) (`copyDeploymentAnnotationsToReplicaSet`)."""
    st = run(m.Apply(deployment(replicas=1, annotations={"kubernetes.io/change-cause": "first"})))
    (rs,) = st.list("ReplicaSet", NS)
    ann = rs["metadata"]["annotations"]
    assert ann["kubernetes.io/change-cause"] == "first"
    assert "kubectl.kubernetes.io/last-applied-configuration" not in ann


def test_adopted_rs_revision_plus_one():
    """On a Deployment adopting a pre-created RS with revision 3546343826724305832, the new RS gets ...833 and the adopted one is the single old RS (e2e RollingUpdateDeployment)."""
    rs = replicaset("test-rolling-update-controller", replicas=1, labels={"name": "sample-pod", "pod": "httpd"}, image="httpd:1")
    rs["metadata"]["annotations"] = {REV: "3546343826724305832"}
    st = run(m.Apply(rs))
    d = deployment("test-rolling-update-deployment", replicas=1, image="agnhost:1")
    d["spec"]["selector"] = {"matchLabels": {"name": "sample-pod"}}
    d["spec"]["template"]["metadata"]["labels"] = {"name": "sample-pod"}
    st = run(m.Apply(d), st=st)
    rss = _rss_by_image(st)
    assert set(rss) == {"httpd:1", "agnhost:1"}
    assert revision_of(rss["agnhost:1"]) == "3546343826724305833"
    assert rss["httpd:1"]["spec"]["replicas"] == 0
    assert rss["httpd:1"]["metadata"]["ownerReferences"][0]["name"] == "test-rolling-update-deployment"


# ----- revisionHistoryLimit -----------------------------------------------------------------------


def test_history_limit_cleanup_waits_for_completion():
    """On revisionHistoryLimit 1 and a third template, the oldest empty RS stays while the rollout runs and goes once it completes (`cleanupDeployment` after `DeploymentComplete`)."""
    st = run(m.Apply(deployment(replicas=2, revision_history_limit=1)))
    st = run(m.SetImage("web", "app", "nginx:2"), st=st)
    assert set(_rss_by_image(st)) == {"nginx:1", "nginx:2"}  # 1 old RS = the limit
    st = m.step(st, m.SetImage("web", "app", "nginx:3"))
    st = m.run_queue(st)  # mid-rollout: nginx:3 pods not ready yet
    assert set(_rss_by_image(st)) == {"nginx:1", "nginx:2", "nginx:3"}
    st = m.settle(st)
    assert set(_rss_by_image(st)) == {"nginx:2", "nginx:3"}


def test_history_limit_zero_keeps_no_old_rs():
    """On revisionHistoryLimit 0, the old RS is deleted after the rollout; undo then has no history (e2e "should delete old replica sets")."""
    st = run(m.Apply(deployment(replicas=1, revision_history_limit=0)))
    st = run(m.SetImage("web", "app", "nginx:2"), st=st)
    assert set(_rss_by_image(st)) == {"nginx:2"}
    with pytest.raises(m.KubesimError, match="no rollout history found"):
        m.step(st, m.RolloutUndo("web"))


# ----- pause / resume -------------------------------------------------------------------------------


def test_pause_and_resume_conditions():
    """On pause, Progressing becomes Unknown/DeploymentPaused; template edits make no RS; resume -> Unknown/DeploymentResumed, then the rollout (`checkPausedConditions`)."""
    st = run(m.Apply(deployment(replicas=2)))
    st, line = m.perform(st, m.RolloutPause("web"))
    assert line == "deployment.apps/web paused"
    st = run(m.SetImage("web", "app", "nginx:2"), st=st)
    d = st.get("Deployment", NS, "web")
    prog = condition(d, "Progressing")
    assert (prog["status"], prog["reason"], prog["message"]) == ("Unknown", "DeploymentPaused", "Deployment is paused")
    assert set(_rss_by_image(st)) == {"nginx:1"}
    st = m.step(st, m.RolloutResume("web"))
    # One sync: the resumed condition is written first, then the new RS is created in the same sync.
    st = m.step(st, m.RunWork(("deployment", NS, "web")))
    assert "nginx:2" in _rss_by_image(st)
    reasons = [e["reason"] for e in st.list("Event", NS) if e["involvedObject"]["kind"] == "Deployment"]
    assert reasons[-1] == "ScalingReplicaSet"
    st = m.settle(st)
    assert condition(st.get("Deployment", NS, "web"), "Progressing")["reason"] == "NewReplicaSetAvailable"
    assert {image_of(rs): rs["spec"]["replicas"] for rs in st.list("ReplicaSet", NS)} == {"nginx:1": 0, "nginx:2": 2}


def test_resume_of_a_complete_deployment_ends_complete_in_one_sync():
    """On resume with nothing to roll out, one sync writes Unknown/DeploymentResumed, then `syncRolloutStatus`
    (reason no longer NewReplicaSetAvailable, and `DeploymentComplete`) sets True/NewReplicaSetAvailable again,
    with a new lastTransitionTime (Unknown -> True)."""
    st = run(m.Apply(deployment(replicas=1)))
    st = run(m.RolloutPause("web"), st=st)
    assert condition(st.get("Deployment", NS, "web"), "Progressing")["reason"] == "DeploymentPaused"
    st = m.advance(st, 5_000)
    st = m.step(st, m.RolloutResume("web"))
    st = m.step(st, m.RunWork(("deployment", NS, "web")))
    prog = condition(st.get("Deployment", NS, "web"), "Progressing")
    assert (prog["status"], prog["reason"]) == ("True", "NewReplicaSetAvailable")
    assert prog["lastTransitionTime"] == "2026-01-01T00:00:06Z"


def test_scaling_while_paused_propagates():
    """On scaling a paused Deployment 2 -> 4, its only active RS goes to 4 (`sync` -> `scale` -> `FindActiveOrLatest`)."""
    st = run(m.Apply(deployment(replicas=2)))
    st = run(m.RolloutPause("web"), st=st)
    st = run(m.Scale("Deployment", "web", 4), st=st)
    assert [rs["spec"]["replicas"] for rs in st.list("ReplicaSet", NS)] == [4]


# ----- proportional scaling -----------------------------------------------------------------------


def test_proportional_scaling_8_5_to_20_13():
    """On 10/3/2 stuck at A=8, B=5 (max-replicas 13), scaling to 30 gives A=20, B=13 (e2e "proportional scaling").

    allowed 33, toAdd 20; by size newer first: A round(8*33/13)=20 (+12), B round(5*33/13)=13 (+8).
    """
    st = run(m.Apply(deployment(replicas=10, max_surge=3, max_unavailable=2)))
    st = run(m.SetImage("web", "app", "nginx:never-ready"), st=st)
    assert rollout_sizes(st, "nginx:never-ready")[0::2] == (8, 5)
    st = run(m.Scale("Deployment", "web", 30), st=st)
    rss = _rss_by_image(st)
    assert (rss["nginx:1"]["spec"]["replicas"], rss["nginx:never-ready"]["spec"]["replicas"]) == (20, 13)
    for rs in rss.values():
        ann = rs["metadata"]["annotations"]
        assert (ann["deployment.kubernetes.io/desired-replicas"], ann["deployment.kubernetes.io/max-replicas"]) == ("30", "33")


def test_proportional_scale_down_leftover_to_largest():
    """On A=8, B=5 (max 13) scaled to 5: allowed 5+3=8, toAdd -5; by size older first: A round(8*8/13=4.92)=5 (-3), B round(5*8/13=3.08)=3 (-2): A=5, B=3."""
    st = run(m.Apply(deployment(replicas=10, max_surge=3, max_unavailable=2)))
    st = run(m.SetImage("web", "app", "nginx:never-ready"), st=st)
    st = m.step(st, m.Scale("Deployment", "web", 5))
    st = m.step(st, m.RunWork(("deployment", NS, "web")))
    rss = _rss_by_image(st)
    assert (rss["nginx:1"]["spec"]["replicas"], rss["nginx:never-ready"]["spec"]["replicas"]) == (5, 3)


# ----- Recreate -------------------------------------------------------------------------------------


def test_recreate_waits_for_terminating_pods():
    """On Recreate, the new RS is created only once every old pod is gone, terminating ones included (`oldPodsRunning`).

    With a 5 s shutdown: the old RS goes to 0 at t=1 s, its pods are removed at t=6 s, and only then
    the new RS appears at full size; no state ever has old and new pods together (e2e RecreateDeployment).
    """
    st = run(m.Apply(deployment(replicas=3, strategy="Recreate")), config=m.Config(shutdown_ms=5000))
    assert st.now == 1000
    st = m.step(st, m.SetImage("web", "app", "nginx:2"))
    created_at = None
    for s in m.history(st):
        images = {p["spec"]["containers"][0]["image"] for p in s.list("Pod", NS)}
        assert images != {"nginx:1", "nginx:2"}
        d = s.get("Deployment", NS, "web")
        status = d.get("status") or {}
        assert not (status.get("updatedReplicas", 0) > 0 and status.get("replicas", 0) != status.get("updatedReplicas", 0))
        if created_at is None and "nginx:2" in _rss_by_image(s):
            created_at = s.now
            assert _rss_by_image(s)["nginx:2"]["spec"]["replicas"] == 3
    assert created_at == 6000
    assert ("Available", "True", "MinimumReplicasAvailable") in _conds(s.get("Deployment", NS, "web"))


def test_recreate_is_unavailable_during_the_gap():
    """On Recreate, MaxUnavailable is 0, so Available is False while no pod runs (`calculateStatus`)."""
    st = run(m.Apply(deployment(replicas=2, strategy="Recreate")))
    st = m.step(st, m.SetImage("web", "app", "nginx:2"))
    st = m.run_queue(st)
    assert ("Available", "False", "MinimumReplicasUnavailable") in _conds(st.get("Deployment", NS, "web"))


# ----- progress deadline ------------------------------------------------------------------------------


def test_timed_out_rollout_recovers_with_a_new_template():
    """On a rollout that exceeded its deadline, a fixed image makes a new RS (Progressing True NewReplicaSetCreated) and completes."""
    st = run(m.Apply(deployment(replicas=2, progress_deadline_seconds=20)))
    st = run(m.SetImage("web", "app", "nginx:never-ready"), st=st)
    prog = condition(st.get("Deployment", NS, "web"), "Progressing")
    assert (prog["status"], prog["reason"]) == ("False", "ProgressDeadlineExceeded")
    # Last progress at t=1 s (the stuck RS's pod counted), wake-up 1 s after the deadline: t = 1 + 20 + 1.
    assert st.now == 22_000
    st = m.step(st, m.SetImage("web", "app", "nginx:3"))
    st = m.step(st, m.RunWork(("deployment", NS, "web")))
    prog = condition(st.get("Deployment", NS, "web"), "Progressing")
    assert (prog["status"], prog["reason"]) == ("True", "NewReplicaSetCreated")
    st = m.settle(st)
    assert _conds(st.get("Deployment", NS, "web"))[-1] == ("Progressing", "True", "NewReplicaSetAvailable")
    assert {image_of(rs): rs["spec"]["replicas"] for rs in st.list("ReplicaSet", NS)} == {"nginx:1": 0, "nginx:never-ready": 0, "nginx:3": 2}


def test_progress_resets_the_deadline():
    """On a slow rollout where each pod becomes ready within the deadline, the deadline counts from the last progress: no timeout.

    3 replicas (surge 1), pods ready 15 s after start, deadline 20 s: each step makes progress at least every 16 s.
    """
    st = run(m.Apply(deployment(replicas=3, progress_deadline_seconds=20)))
    st = m.step(st, m.SetImageBehaviour("nginx:slow", m.ImageBehaviour(ready_after_ms=15_000)))
    st = run(m.SetImage("web", "app", "nginx:slow"), st=st)
    assert condition(st.get("Deployment", NS, "web"), "Progressing")["reason"] == "NewReplicaSetAvailable"
    assert rollout_sizes(st, "nginx:slow") == (0, 0, 3, 3)


# ----- adoption -------------------------------------------------------------------------------------


def test_orphaned_rs_is_readopted_by_a_new_deployment():
    """On deleting a Deployment with --cascade=orphan and re-creating it, the same RS (same UID) is adopted; no new RS (e2e orphaning and adoption)."""
    st = run(m.Apply(deployment(replicas=2)))
    (rs,) = st.list("ReplicaSet", NS)
    st = run(m.Delete("Deployment", "web", cascade="orphan"), st=st)
    (orphan,) = st.list("ReplicaSet", NS)
    assert not orphan["metadata"].get("ownerReferences")
    assert len(pods_of(st)) == 2
    st = run(m.Apply(deployment(replicas=2)), st=st)
    (again,) = st.list("ReplicaSet", NS)
    assert again["metadata"]["uid"] == rs["metadata"]["uid"]
    assert again["metadata"]["ownerReferences"][0]["uid"] == st.get("Deployment", NS, "web")["metadata"]["uid"]
